"""Who may call which API route: every route, every role, and anonymous (401)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import URLPattern, reverse
from rest_framework.test import APIClient

from articles.api import urls as api_urls
from articles.models import Entity, Mention, Quote, Tag

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "nobody", "editor", "reviewer", "admin")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass(frozen=True)
class Call:
    name: str
    method: str
    expected: str  # one status per role, in the order of ROLES
    kwargs: tuple[tuple[str, str], ...] = ()
    body: tuple[tuple[str, object], ...] = ()

    def url(self, objects: dict) -> str:
        return reverse(self.name, kwargs={key: objects[obj].pk for key, obj in self.kwargs})


ARTICLE = (("pk", "article"),)
# Editors upload and tag, reviewers correct, everyone with a role reads. A write that a role
# may make is sent with a valid body, and answers as the write does (201, 200).
MATRIX = [
    #                                              anon nobody editor reviewer admin
    Call("api:articles", "GET",                   "401  403    200    200      200"),
    Call("api:articles", "POST",                  "401  403    201    403      201", (),
         (("text", "The mayor said the harbour is open."),)),
    Call("api:article", "GET",                    "401  403    200    200      200", ARTICLE),
    Call("api:article-tags", "POST",              "401  403    200    403      200", ARTICLE,
         (("name", "Politics"),)),
    Call("api:article-tag", "DELETE",             "401  403    200    403      200",
         (("pk", "article"), ("tag_pk", "tag"))),
    Call("api:quote", "PATCH",                    "401  403    403    200      200",
         (("pk", "quote"),), (("version", 1), ("status", "accepted"))),
    Call("api:entities", "GET",                   "401  403    200    200      200"),
    Call("api:speakers", "GET",                   "401  403    200    200      200"),
    Call("api:tags", "GET",                       "401  403    200    200      200"),
    Call("api:export", "GET",                     "401  403    200    200      200"),
    Call("api:schema", "GET",                     "401  403    200    200      200"),
    Call("api:docs", "GET",                       "401  403    200    200      200"),
]  # fmt: skip


@pytest.fixture
def objects(make_article) -> dict:
    article = make_article(body="The mayor said the plan would work well.")
    entity = Entity.objects.create(name="Mayor", label="PERSON", key="mayor")
    Mention.objects.create(
        article=article, start=4, end=9, text="mayor", entity=entity, label="PERSON"
    )
    quote = Quote.objects.create(
        article=article, start=15, end=40, text=article.body[15:40], speaker=entity
    )
    tag = Tag.objects.create(name="Politics")
    article.tags.add(tag)
    return {"article": article, "quote": quote, "tag": tag, "entity": entity}


def api_client(role: str, make_user) -> APIClient:
    """A client with a real token of a user in the role (a session for none: anonymous)."""
    from rest_framework.authtoken.models import Token

    client = APIClient()
    if role != "anonymous":
        group = None if role == "nobody" else role
        user = make_user(group, is_staff=role == "admin")
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def cases():
    for call in MATRIX:
        for role, expected in zip(ROLES, call.expected.split(), strict=True):
            yield pytest.param(call, role, int(expected), id=f"{call.method} {call.name} {role}")


@pytest.mark.parametrize(("call", "role", "expected"), list(cases()))
def test_permission_matrix(call, role, expected, objects, make_user):
    client = api_client(role, make_user)
    response = getattr(client, call.method.lower())(
        call.url(objects), dict(call.body) or None, format="json"
    )
    assert response.status_code == expected, response.content[:300]
    if expected == 401:
        assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("role", ["editor", "reviewer"])
def test_the_session_of_a_logged_in_browser_is_enough(role, client_for, objects):
    response = client_for(role).get(reverse("api:articles"))
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [objects["article"].pk]


def test_a_session_write_needs_the_csrf_token(make_user, objects):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(make_user("editor"))
    response = client.post(reverse("api:articles"), {"text": "A new story."}, format="json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]


def test_a_wrong_token_is_401(objects):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert client.get(reverse("api:articles")).status_code == 401


@pytest.mark.parametrize("call", [c for c in MATRIX], ids=lambda c: f"{c.method} {c.name}")
def test_other_methods_are_refused(call, objects, make_user):
    client = api_client("admin", make_user)
    others = {"GET", "POST", "PATCH", "DELETE", "PUT"} - {
        c.method for c in MATRIX if c.name == call.name
    }
    for method in sorted(others):
        response = getattr(client, method.lower())(call.url(objects))
        assert response.status_code == 405, (method, response.status_code)


def test_every_api_route_is_in_the_matrix():
    names = {f"api:{p.name}" for p in api_urls.urlpatterns if isinstance(p, URLPattern)}
    assert names == {call.name for call in MATRIX}
