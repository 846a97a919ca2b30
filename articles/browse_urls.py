"""URLs for tags, search, entity pages and the speakers directory. Included by urls.py."""

urlpatterns: list = []
