"""URLs of the review screens (quotes, mentions, entities, history). Included by urls.py."""

urlpatterns: list = []
