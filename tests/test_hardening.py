"""Login throttling and the statement timeout: a brute force is locked out, a runaway query
answers with a clear page and leaves the database serving."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def _login(client: Client, url: str, username: str, password: str):
    return client.post(url, {"username": username, "password": password})


@pytest.mark.parametrize("login", ["login", "admin:login"])
def test_repeated_wrong_passwords_lock_the_account_even_against_the_right_one(
    login, make_user, settings
):
    user = make_user("admin", is_staff=True)
    client = Client()
    url = reverse(login)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, url, user.username, "wrong").status_code == 200
    assert _login(client, url, user.username, "wrong").status_code == 429
    locked = _login(client, url, user.username, PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.text
    assert "_auth_user_id" not in client.session
    # Another account from the same address is not locked.
    other = make_user("editor")
    assert _login(Client(), reverse("login"), other.username, PASSWORD).status_code == 302


def test_a_success_before_the_limit_resets_the_count(make_user, settings):
    user = make_user("editor")
    client = Client()
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, url, user.username, "wrong")
    assert _login(client, url, user.username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, url, user.username, "wrong")
    assert _login(client, url, user.username, PASSWORD).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_a_query_over_the_statement_timeout_gets_a_clear_page_and_the_database_goes_on(
    client_for,
):
    client = client_for("editor")

    def slow_search(execute, sql, params, many, context):
        # The full-text query waits longer than the timeout allows, as a runaway one would.
        if "websearch_to_tsquery" in sql:
            execute("SELECT pg_sleep(0.2)", None, False, context)
        return execute(sql, params, many, context)

    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 50")
    try:
        with connection.execute_wrapper(slow_search):
            response = client.get(reverse("articles:search"), {"q": "mayor"})
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET statement_timeout")
    assert response.status_code == 503
    assert "That took too long" in response.text
    assert response["Retry-After"] == "30"
    # The database kept serving: the next request is answered as usual.
    assert client.get(reverse("articles:search"), {"q": "mayor"}).status_code == 200


def test_web_requests_run_under_the_statement_timeout(settings):
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        shown = cursor.fetchone()[0]
    assert shown == f"{settings.NEWSROOM_STATEMENT_TIMEOUT_MS // 1000}s"


@pytest.mark.parametrize("username", ["x" * 256, "a\x00b", "\x00" * 300])
def test_a_login_name_axes_cannot_store_is_refused_not_a_500(username):
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": "wrong"})
    assert response.status_code == 200  # the login form again, with its error
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session
