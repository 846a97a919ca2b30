"""Project-wide error pages: the app's own layout and a clear message, never a bare error.

Each page has the site's navigation and, for a logged-in user, the logout form (base.html), so
nobody is left without a way on or out.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render

from articles import roles
from articles.intake.views import UPLOAD_VIEWS, refused_upload

logger = logging.getLogger(__name__)
# The 500 page when even the templates fail (the database may be what broke).
PLAIN_500 = (
    "<!doctype html><html lang='en'><meta charset='utf-8'><title>Server error · Newsroom</title>"
    "<h1>Something went wrong on our side</h1><p>The error was logged. Nothing you did caused "
    "it; try again in a moment, or go back to <a href='/'>the articles</a>.</p></html>"
)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """400: an upload the server could not read gets its verdict on the upload page."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.url_name in UPLOAD_VIEWS and exception is not None:
        return refused_upload(request, exception)
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403: which role the page needs and who can give it; an account with no role at all is
    told so, and how to log out."""
    user = request.user
    context = {"administrators": roles.administrators(), "duties": roles.DUTIES.items()}
    if roles.has_no_role(user):
        return render(request, "no_role.html", context, status=403)
    perms = getattr(exception, "perms", ())
    context["needed"] = roles.roles_with(perms) if perms else []
    context["yours"] = roles.roles_of(user)
    return render(request, "403.html", context, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """500, in the site's layout if that can still be drawn."""
    try:
        return render(request, "500.html", status=500)
    except Exception:
        logger.exception("The 500 page could not be drawn")
        return HttpResponseServerError(PLAIN_500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """403 for a form sent without its CSRF token, or with an old one."""
    return render(request, "403_csrf.html", {"reason": reason}, status=403)


def conflict(request: HttpRequest, message: str, back: str, back_label: str) -> HttpResponse:
    """409: what was refused, and the way back to the current state."""
    context = {"message": message, "back": back, "back_label": back_label}
    return render(request, "409.html", context, status=409)
