"""Project middleware: a statement PostgreSQL cancelled answers with a page that says so."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import OperationalError
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
