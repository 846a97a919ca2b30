"""The API's URLs, in the "api:" namespace, under /api/."""

from django.urls import path

from articles.api import docs, views

app_name = "api"
urlpatterns = [
    path("articles/", views.articles, name="articles"),
    path("articles/<int:pk>/", views.article, name="article"),
    path("articles/<int:pk>/tags/", views.article_tags, name="article-tags"),
    path("articles/<int:pk>/tags/<int:tag_pk>/", views.article_tag, name="article-tag"),
    path("quotes/<int:pk>/", views.quote, name="quote"),
    path("entities/", views.entities, name="entities"),
    path("speakers/", views.speakers, name="speakers"),
    path("tags/", views.tags, name="tags"),
    path("export/", views.export, name="export"),
    path("schema/", docs.Schema.as_view(), name="schema"),
    path("docs/", docs.Docs.as_view(), name="docs"),
]
