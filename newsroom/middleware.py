"""Project middleware: a statement PostgreSQL cancelled answers with a page that says so, and a
missing page with the app's own 404."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import OperationalError
from django.http import Http404
from django.shortcuts import render
from psycopg import errors

logger = logging.getLogger(__name__)


class StatementTimeoutMiddleware:
    """Turn a query cancelled by statement_timeout into a 503 page with a clear message."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not (
            isinstance(exception, OperationalError)
            and isinstance(exception.__cause__, errors.QueryCanceled)
        ):
            return None
        logger.warning("Statement timeout on %s %s", request.method, request.get_full_path())
        seconds = settings.NEWSROOM_STATEMENT_TIMEOUT_MS / 1000
        response = render(request, "timeout.html", {"seconds": seconds}, status=503)
        response["Retry-After"] = "30"
        return response


class NotFoundPageMiddleware:
    """A 404 raised by a view gets the app's page even when DEBUG is on.

    Django's debug 404 page is for developers; people trying the app (`make run` runs with
    DEBUG) would otherwise meet it after an action removed the page's object. A URL that
    matches no route still gets the debug page in development.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, Http404):
            return None
        from newsroom.views import page_not_found

        return page_not_found(request, exception)
