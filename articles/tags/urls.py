"""URLs of tag management and tagging. Included by articles/urls.py."""

from django.urls import path

from articles.tags import views

urlpatterns = [
    path("tags/", views.tag_index, name="tags"),
    path("tags/new/", views.tag_create, name="tag-create"),
    path("tags/<int:pk>/rename/", views.tag_rename, name="tag-rename"),
    path("tags/<int:pk>/delete/", views.tag_delete, name="tag-delete"),
    path("articles/tag/", views.bulk_tag, name="bulk-tag"),
    path("articles/<int:pk>/tags/", views.article_tags, name="article-tags"),
    path("articles/<int:pk>/tags/add/", views.article_tag_add, name="article-tag-add"),
    path(
        "articles/<int:pk>/tags/<int:tag_pk>/remove/",
        views.article_tag_remove,
        name="article-tag-remove",
    ),
]
