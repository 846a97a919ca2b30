"""No input to the API gives a 5xx, and a refused request writes nothing: every route, every
role, generated query parameters and JSON bodies (see tests/test_fuzz.py, whose world and
digest this shares)."""

from __future__ import annotations

import os

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.test_fuzz import ODD_NUMBERS, ODD_TEXT, digest, world  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("NEWSROOM_FUZZ_EXAMPLES", "20"))
ROLES = ("anonymous", "nobody", "editor", "reviewer", "admin")
SEARCH = ("q", "tag", "entity", "speaker", "outlet", "status", "review", "dates", "since",
          "until", "cursor", "page_size")  # fmt: skip
# Route, method, URL keywords (objects of the world), query parameters, body fields.
ROUTES = [
    ("api:articles", "GET", (), SEARCH, ()),
    ("api:articles", "POST", (), (),
     ("title", "text", "byline", "outlet", "published", "url", "external_id", "extra")),
    ("api:article", "GET", (("pk", "article"),), (), ()),
    ("api:article-tags", "POST", (("pk", "article"),), (), ("name",)),
    ("api:article-tag", "DELETE", (("pk", "article"), ("tag_pk", "tag")), (), ()),
    ("api:quote", "PATCH", (("pk", "quote"),), (),
     ("version", "status", "speaker", "type", "category", "start", "end", "article_version")),
    ("api:entities", "GET", (), ("q", "label", "cursor", "page_size"), ()),
    ("api:speakers", "GET", (), ("q", "cursor", "page_size"), ()),
    ("api:tags", "GET", (), ("cursor", "page_size"), ()),
    ("api:export", "GET", (), (*SEARCH, "format", "rows", "items", "rejected"), ()),
    ("api:schema", "GET", (), ("format", "lang"), ()),
    ("api:docs", "GET", (), ("script", "lang"), ()),
]  # fmt: skip
REAL = {
    "status": ["accepted", "rejected", "extracted", "reviewed"],
    "type": ["direct", "indirect", "mixed"],
    "category": ["quote", "attribution"],
    "version": [1, 2],
    "article_version": [1, 2],
    "start": [0, 4, 10],
    "end": [9, 40],
    "speaker": ["Ada Lovelace", 1],
    "text": ["Headline\n\nThe mayor said the plan would work."],
    "published": ["2024-05-01", "2024-13-45"],
    "url": ["https://example.com/story", "example.com"],
    "name": ["Politics", "Ports"],
    "since": ["2024-01-01"],
    "dates": ["added"],
    "page_size": ["1", "0", "9999"],
    "format": ["csv", "jsonl", "spacy"],
    "rows": ["quotes", "articles", "mentions"],
    "items": ["all", "reviewed"],
    "rejected": ["1"],
}
JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=40),
    st.sampled_from(ODD_TEXT + ODD_NUMBERS),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
QUERY_VALUES = st.one_of(st.text(max_size=40), st.sampled_from(ODD_TEXT + ODD_NUMBERS))


def body(fields):
    return st.fixed_dictionaries(
        {},
        optional={
            name: st.one_of(st.sampled_from(REAL.get(name, ["x"])), JSON_VALUES) for name in fields
        },
    )


def query(params):
    return st.fixed_dictionaries(
        {},
        optional={
            name: st.one_of(st.sampled_from([str(v) for v in REAL.get(name, ["1"])]), QUERY_VALUES)
            for name in params
        },
    )


def cases():
    for route in ROUTES:
        for role in ROLES:
            yield pytest.param(route, role, id=f"{route[1]} {route[0]} {role}")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api-read": "100000/minute", "api-write": "100000/minute"},
    }


@pytest.mark.parametrize(("route", "role"), list(cases()))
def test_no_api_input_gives_a_5xx_or_a_partial_write(route, role, world, make_user):  # noqa: F811
    name, method, kwargs, params, fields = route
    client = APIClient(raise_request_exception=False)
    if role != "anonymous":
        user = make_user(None if role == "nobody" else role, is_staff=role == "admin")
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    url_kwargs = st.fixed_dictionaries(
        {key: st.sampled_from([str(world[obj].pk)] * 4 + ["0", "9" * 25]) for key, obj in kwargs}
    )

    @settings(
        max_examples=3 if role in {"anonymous", "nobody"} else EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(url_kwargs=url_kwargs, params=query(params), data=body(fields), raw=st.booleans())
    def check(url_kwargs, params, data, raw):
        url = reverse(name, kwargs=url_kwargs)
        with transaction.atomic():
            before = digest()
            if method == "GET":
                response = client.get(url, params)
            elif raw and fields:  # not JSON at all
                response = getattr(client, method.lower())(
                    url, "{x" + str(data)[:20], content_type="application/json"
                )
            else:
                response = getattr(client, method.lower())(url, data, format="json")
            status = response.status_code
            assert status < 500, f"{method} {url} {params!r} {data!r}: {status}"
            if 400 <= status < 500:
                assert digest() == before, f"{method} {url} {data!r}: {status} wrote rows"
            transaction.set_rollback(True)

    check()
