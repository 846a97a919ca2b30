"""Login throttling's view of a login attempt (django-axes)."""

from __future__ import annotations

import re

from django.conf import settings

# django-axes records a failed attempt's username in a varchar(255), which refuses NUL too.
USERNAME_MAX = 255
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def login_username(request, credentials: dict | None) -> str | None:
    """The username an attempt is recorded and locked under: as typed, cut to what axes can
    store. No account has a name that long (150 characters at most) or with control codes,
    so shortening one never unlocks a real account."""
    source = credentials if credentials else getattr(request, "data", request.POST)
    username = source.get(settings.AXES_USERNAME_FORM_FIELD)
    if not isinstance(username, str):
        return username
    return _CONTROL.sub("", username)[:USERNAME_MAX]
