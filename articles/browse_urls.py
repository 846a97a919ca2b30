"""URLs for tags, search, entity pages and the speakers directory. Included by urls.py."""

from django.urls import path

from articles import entity_views, search_views, tag_views

urlpatterns = [
    path("search/", search_views.search, name="search"),
    path("tags/", tag_views.tag_index, name="tags"),
    path("tags/new/", tag_views.tag_create, name="tag-create"),
    path("tags/<int:pk>/rename/", tag_views.tag_rename, name="tag-rename"),
    path("tags/<int:pk>/delete/", tag_views.tag_delete, name="tag-delete"),
    path("articles/tag/", tag_views.bulk_tag, name="bulk-tag"),
    path("articles/<int:pk>/tags/", tag_views.article_tags, name="article-tags"),
    path("articles/<int:pk>/tags/add/", tag_views.article_tag_add, name="article-tag-add"),
    path(
        "articles/<int:pk>/tags/<int:tag_pk>/remove/",
        tag_views.article_tag_remove,
        name="article-tag-remove",
    ),
    path("entities/", entity_views.entity_index, name="entities"),
    path("entities/<int:pk>/", entity_views.entity_detail, name="entity"),
    path("speakers/", entity_views.speaker_index, name="speakers"),
]
