"""Every URL of the app, in one namespace ("articles:"); each package lists its own."""

from articles.browse import urls as browse
from articles.editing import urls as editing
from articles.extraction import urls as extraction
from articles.intake import urls as intake
from articles.review import urls as review
from articles.sources import urls as sources
from articles.tags import urls as tags

app_name = "articles"
urlpatterns = [
    *browse.urlpatterns,
    *intake.urlpatterns,
    *editing.urlpatterns,
    *extraction.urlpatterns,
    *review.urlpatterns,
    *tags.urlpatterns,
    *sources.urlpatterns,
]
