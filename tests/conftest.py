"""Shared fixtures: users in each role, logged-in clients and article factories."""

from __future__ import annotations

import importlib
import itertools

import pytest
from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models.functions import Now
from django.test import Client

from articles.intake.ingest import content_hash
from articles.models import Article

ROLES = {"editor": "Editors", "reviewer": "Reviewers", "admin": "Admins"}
PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def restore_roles() -> None:
    """Recreate the role groups of migration 0003 and their permissions.

    Transactional tests (the browser tests' live server) end with a flush that empties every
    table, data-migration rows included; tests after them need the roles back.
    """
    ContentType.objects.clear_cache()  # ids cached before a flush no longer exist
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    roles = importlib.import_module("articles.migrations.0003_roles").ROLES
    grants = importlib.import_module("articles.migrations.0013_editors_edit_and_delete").GRANTS
    for name, dotted_names in [*roles.items(), *grants.items()]:
        group, _ = Group.objects.get_or_create(name=name)
        for dotted in dotted_names:
            app_label, codename = dotted.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    admins, _ = Group.objects.get_or_create(name=ROLES["admin"])
    admins.permissions.set(Permission.objects.all())


def role_group(role: str) -> Group:
    """The group of a role ("editor", "reviewer", "admin"), restored first if a flush took it."""
    group = Group.objects.filter(name=ROLES[role]).first()
    if group is None:
        restore_roles()
        group = Group.objects.get(name=ROLES[role])
    return group


@pytest.fixture
def make_user(django_user_model):
    def make(role: str | None = None, username: str | None = None, **extra):
        username = username or f"{role or 'nobody'}-{next(_counter)}"
        user = django_user_model.objects.create_user(username=username, password=PASSWORD, **extra)
        if role:
            user.groups.add(role_group(role))
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


def add_mention(article, entity, n: int = 1, **fields) -> None:
    """n machine mentions of an entity in an article, 10 characters apart."""
    from articles.models import Mention

    for i in range(n):
        Mention.objects.create(
            article=article,
            entity=entity,
            start=i * 10,
            end=i * 10 + 5,
            text=entity.name,
            label=entity.label,
            **fields,
        )
