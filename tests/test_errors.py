"""No dead ends: every error page, for every role, has the site's layout and a way on or out;
a 403 says which role the page needs; an account with no role is told so; a merged entity's
page leads to the entity it joined; the account menu changes passwords; the admin explains
roles where users are made."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from articles import roles
from articles.models import Entity, Mention
from articles.review import entities as entity_corrections

pytestmark = pytest.mark.django_db
ROLES = ("nobody", "editor", "reviewer", "admin")
LOGOUT = f'action="{reverse("logout")}"'
PASSWORD = f'href="{reverse("password_change")}"'


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def role_client(make_user):
    def make(role: str) -> Client:
        client = Client(raise_request_exception=False)
        group = None if role == "nobody" else role
        client.force_login(make_user(group, is_staff=role == "admin"))
        return client

    return make


def assert_layout(page: str, role: str) -> None:
    """The site's page: its stylesheet, the account menu with its logout form, and the main
    navigation for those who may read."""
    assert "/static/css/app.css" in page
    assert LOGOUT in page and PASSWORD in page
    assert ('aria-label="Main"' in page) is (role != "nobody")


@pytest.mark.parametrize("role", ROLES)
def test_400_page(role, role_client, settings):
    # More fields than Django reads: the request itself is refused (handler400). The
    # password form reads its fields whoever sends it.
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    fields = {f"f{n}": "x" for n in range(9)}
    response = role_client(role).post(reverse("password_change"), fields)
    assert response.status_code == 400
    assert "That request could not be read" in response.text
    assert_layout(response.text, role)


@pytest.mark.parametrize(
    ("role", "url", "needed"),
    [
        (
            "editor",
            "articles:review-queue",
            "<strong>Reviewers</strong> or <strong>Admins</strong>",
        ),
        ("reviewer", "articles:upload", "<strong>Editors</strong> or <strong>Admins</strong>"),
        ("reviewer", "articles:trash", "<strong>Editors</strong> or <strong>Admins</strong>"),
    ],
)
def test_403_page_names_the_role_the_page_needs(role, url, needed, role_client, make_user):
    make_user("admin", username="chief-admin")
    response = role_client(role).get(reverse(url))
    assert response.status_code == 403
    page = response.text
    assert "This page is not for your role" in page and needed in page
    assert f"You have the {roles.ROLES[0 if role == 'editor' else 1]} role." in page
    assert "chief-admin" in page  # whom to ask
    assert_layout(page, role)


def test_a_post_refused_for_want_of_a_role_gets_the_same_page(role_client, make_article):
    article = make_article()
    response = role_client("reviewer").post(reverse("articles:article-delete", args=[article.pk]))
    assert response.status_code == 403 and "<strong>Editors</strong>" in response.text


@pytest.mark.parametrize("url", ["articles:list", "articles:search", "articles:upload"])
def test_an_account_with_no_role_is_told_so_whom_to_ask_and_how_to_log_out(
    url, role_client, make_user
):
    make_user("admin", username="chief-admin")
    response = role_client("nobody").get(reverse(url))
    assert response.status_code == 403
    page = response.text
    assert "Your account has no role yet" in page and "chief-admin" in page
    for name in roles.ROLES:
        assert f"<strong>{name}</strong>" in page
    assert page.count(LOGOUT) == 2  # the menu's and the page's own
    assert_layout(page, "nobody")


def test_logging_in_without_a_role_lands_on_that_page(make_user):
    user = make_user(None, username="newcomer")
    client = Client()
    response = client.post(
        reverse("login"), {"username": "newcomer", "password": "correct-horse-battery"}, follow=True
    )
    assert response.status_code == 403 and "Your account has no role yet" in response.text
    assert user.username in response.text


@pytest.mark.parametrize("role", ROLES[1:])
@pytest.mark.parametrize("debug", [False, True])
def test_404_page(role, debug, role_client, settings):
    settings.DEBUG = debug
    response = role_client(role).get(reverse("articles:detail", args=[999999]))
    assert response.status_code == 404
    assert "There is nothing here" in response.text
    assert_layout(response.text, role)


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_409_page(role, role_client, make_article):
    article = make_article()
    response = role_client(role).post(
        reverse("articles:article-delete", args=[article.pk]), {"version": 7}
    )
    assert response.status_code == 409
    assert "That was changed meanwhile" in response.text
    assert_layout(response.text, role)


@pytest.mark.parametrize("role", ROLES[1:])
def test_500_page(role, role_client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("articles.browse.views.ArticleListForm", broken)
    response = role_client(role).get(reverse("articles:list"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert_layout(response.text, role)


def test_the_500_page_survives_a_broken_template(rf, monkeypatch):
    from newsroom import views

    def broken(*args, **kwargs):
        raise RuntimeError("no templates either")

    monkeypatch.setattr(views, "render", broken)
    response = views.server_error(rf.get("/"))
    assert response.status_code == 500 and b"Something went wrong" in response.content


def test_a_form_without_its_token_gets_a_page_that_says_what_to_do(make_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("editor"))
    response = client.post(reverse("articles:tag-create"), {"name": "X"})
    assert response.status_code == 403 and "That form has expired" in response.text
    assert_layout(response.text, "editor")


# Merged entities -----------------------------------------------------------------------------


def test_a_merged_entitys_page_leads_to_the_entity_it_joined(role_client, make_article, reviewer):
    article = make_article("Ann Lee and A. Lee and Annie Lee spoke.")
    kept = Entity.objects.create(name="Ann Lee", label="PERSON", key="ann lee")
    middle = Entity.objects.create(name="A. Lee", label="PERSON", key="a lee")
    first = Entity.objects.create(name="Annie Lee", label="PERSON", key="annie lee")
    for entity, start in ((kept, 0), (middle, 12), (first, 22)):
        Mention.objects.create(
            article=article, entity=entity, start=start, end=start + 5, text="x", label="PERSON"
        )
    entity_corrections.merge_entities(middle.pk, None, first.pk, None, reviewer)
    entity_corrections.merge_entities(kept.pk, None, middle.pk, None, reviewer)
    client = role_client("editor")
    for gone, name in ((first, "Annie Lee"), (middle, "A. Lee")):
        response = client.get(reverse("articles:entity", args=[gone.pk]))
        assert response.status_code == 302
        assert response["Location"] == reverse("articles:entity", args=[kept.pk])
        page = client.get(response["Location"]).text
        assert f"“{name}” was merged into this one." in page
    # Split again, the entity has its own page back.
    merge = entity_corrections.merges_into([kept.pk])[kept.pk][0]
    entity_corrections.split_entity(kept.pk, None, reviewer, merge["context"])
    assert client.get(reverse("articles:entity", args=[middle.pk])).status_code == 200
    assert client.get(reverse("articles:entity", args=[424242])).status_code == 404


# Accounts and the admin -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_can_change_its_password_from_the_menu(role, role_client):
    client = role_client(role)
    page = client.get(reverse("password_change")).text
    assert "Change your password" in page and "/static/css/app.css" in page
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "correct-horse-battery",
            "new_password1": "Another-long-pass-9",
            "new_password2": "Another-long-pass-9",
        },
        follow=True,
    )
    assert "Your password was changed" in response.text


def test_the_admin_explains_roles_where_users_are_made(role_client, make_user):
    client = role_client("admin")
    add = client.get(reverse("admin:auth_user_add")).text
    assert "A user's role is the group they are in" in add.replace("&#x27;", "'")
    assert 'name="groups"' in add
    make_user(None, username="lonely")
    listing = client.get(reverse("admin:auth_user_changelist")).text
    assert "no role: sees nothing" in listing
    user = make_user("editor", username="writer")
    change = client.get(reverse("admin:auth_user_change", args=[user.pk])).text
    assert "A user in no group can log in but sees nothing" in change


def test_creating_a_user_with_a_role_in_the_admin(role_client):
    from django.contrib.auth.models import Group, User

    editors = Group.objects.get(name=roles.EDITORS)
    response = role_client("admin").post(
        reverse("admin:auth_user_add"),
        {
            "username": "newhire",
            "password1": "Another-long-pass-9",
            "password2": "Another-long-pass-9",
            "usable_password": "true",
            "groups": [editors.pk],
            "_save": "Save",
        },
    )
    assert response.status_code == 302, re.sub(r"\s+", " ", response.text)[:3000]
    assert list(User.objects.get(username="newhire").groups.all()) == [editors]
