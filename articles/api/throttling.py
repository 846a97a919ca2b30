"""Request limits per account (one API token each), reads and writes counted apart."""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

SAFE = {"GET", "HEAD", "OPTIONS"}


class AccountRateThrottle(SimpleRateThrottle):
    """`api-read` for GET, `api-write` for the rest (settings' DEFAULT_THROTTLE_RATES).

    The rates are read per request, so a change of settings applies at once (tests use it).
    """

    scope = "api-read"

    def __init__(self) -> None:  # the rate depends on the request: set in allow_request
        pass

    def allow_request(self, request, view) -> bool:
        self.scope = "api-read" if request.method in SAFE else "api-write"
        self.rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None  # refused before any work: 401
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
