"""The dashboard keeps figures in the cache: every test starts without any."""

from __future__ import annotations

import pytest
from django.core.cache import caches


@pytest.fixture(autouse=True)
def empty_cache():
    caches["sources"].clear()
    yield
    caches["sources"].clear()
