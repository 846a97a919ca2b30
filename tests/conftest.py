"""Shared fixtures: users in each role, logged-in clients and article factories."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth.models import Group
from django.db.models.functions import Now
from django.test import Client

from articles.ingest import content_hash
from articles.models import Article

ROLES = {"editor": "Editors", "reviewer": "Reviewers", "admin": "Admins"}
PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


@pytest.fixture
def make_user(django_user_model):
    def make(role: str | None = None, username: str | None = None, **extra):
        username = username or f"{role or 'nobody'}-{next(_counter)}"
        user = django_user_model.objects.create_user(username=username, password=PASSWORD, **extra)
        if role:
            user.groups.add(Group.objects.get(name=ROLES[role]))
        return user

    return make


@pytest.fixture
def editor(make_user):
    return make_user("editor")


@pytest.fixture
def reviewer(make_user):
    return make_user("reviewer")


@pytest.fixture
def admin_user(make_user):
    return make_user("admin", is_staff=True)


@pytest.fixture
def client_for(make_user):
    """A logged-in test client for a role name, or an anonymous one for None."""

    def make(role: str | None, *, enforce_csrf_checks: bool = False) -> Client:
        client = Client(enforce_csrf_checks=enforce_csrf_checks)
        if role is not None:
            extra = {"is_staff": True} if role == "admin" else {}
            client.force_login(make_user(role, **extra))
        return client

    return make


@pytest.fixture
def make_article():
    def make(body: str | None = None, **fields) -> Article:
        n = next(_counter)
        body = body or f"Article number {n}. The mayor said the plan would work."
        fields.setdefault("title", f"Article {n}")
        fields.setdefault("next_attempt_at", Now())
        return Article.objects.create(body=body, content_hash=content_hash(body), **fields)

    return make
