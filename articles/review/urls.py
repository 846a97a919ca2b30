"""URLs of the article page and its review actions. Included by articles/urls.py."""

from django.urls import path

from articles.review import article, entity_page, queue, views

urlpatterns = [
    path("articles/<int:pk>/", article.article_detail, name="detail"),
    path("review/", queue.queue, name="review-queue"),
    path("articles/<int:pk>/quotes/add/", views.quote_add, name="quote-add"),
    path("articles/<int:pk>/mentions/add/", views.mention_add, name="mention-add"),
    path("articles/<int:pk>/entities/", views.entity_search, name="entity-search"),
    path("articles/<int:pk>/review-status/", views.review_status, name="review-status"),
    path("articles/<int:pk>/undo/", views.undo, name="undo"),
    path("quotes/<int:pk>/review/", views.quote_review, name="quote-review"),
    path("quotes/<int:pk>/edit/", views.quote_edit, name="quote-edit"),
    path("quotes/<int:pk>/speaker/", views.quote_speaker, name="quote-speaker"),
    path("quotes/<int:pk>/delete/", views.quote_delete, name="quote-delete"),
    path("mentions/<int:pk>/edit/", views.mention_edit, name="mention-edit"),
    path("mentions/<int:pk>/remove/", views.mention_remove, name="mention-remove"),
    path("entities/<int:pk>/rename/", views.entity_rename, name="entity-rename"),
    path("entities/<int:pk>/aliases/", views.entity_alias, name="entity-alias"),
    path("entities/<int:pk>/merge/", views.entity_merge, name="entity-merge"),
    path("entities/<int:pk>/split/", views.entity_split, name="entity-split"),
    path("entities/<int:pk>/merge-here/", entity_page.merge_here, name="entity-merge-here"),
    path("entities/<int:pk>/noise/", entity_page.not_an_entity, name="entity-not-an-entity"),
    path("entities/<int:pk>/candidates/", entity_page.merge_candidates, name="entity-candidates"),
]
