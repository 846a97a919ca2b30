"""Project-wide error pages: the app's own layout and a clear message, never a bare error."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from articles.intake.views import UPLOAD_VIEWS, refused_upload


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """400: an upload the server could not read gets its verdict on the upload page."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.url_name in UPLOAD_VIEWS and exception is not None:
        return refused_upload(request, exception)
    return render(request, "400.html", status=400)
