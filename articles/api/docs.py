"""The API's schema and documentation pages, served by the app (no CDN) under its CSP."""

from __future__ import annotations

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from articles.api.permissions import CanRead


class Schema(SpectacularAPIView):
    permission_classes = [CanRead]


class Docs(SpectacularSwaggerSplitView):
    """Swagger UI, with its start-up script served as a file of its own (the split view) and
    no inline style: the app's Content-Security-Policy allows neither inline scripts nor
    inline styles. (Redoc injects <style> elements, which the policy refuses.)"""

    permission_classes = [CanRead]
    template_name = "api/docs.html"
    url_name = "api:schema"
