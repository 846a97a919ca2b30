"""URLs of the article list, search, entity pages, the speakers directory and exports."""

from django.urls import path

from articles.browse import entities, exports, quote_search, views

urlpatterns = [
    path("", views.article_list, name="list"),
    path("search/", views.search, name="search"),
    path("search/quotes/", quote_search.quote_search, name="search-quotes"),
    path("entities/", entities.entity_index, name="entities"),
    path("entities/<int:pk>/", entities.entity_detail, name="entity"),
    path("speakers/", entities.speaker_index, name="speakers"),
    path("export/", exports.export, name="export"),
]
