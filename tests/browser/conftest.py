"""Playwright (sync API) driving Debian's chromium against pytest-django's live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django would refuse ORM calls here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

from tests.conftest import role_group  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PASSWORD = "browser-test-password"


def watch_policy(page: Page, errors: list[str]) -> None:
    """Count as an error every Content-Security-Policy violation (Chromium logs each as
    "Refused to …") and every eval that htmx was refused (htmx:evalDisallowedError)."""

    def check(message) -> None:
        text = message.text
        if (
            "Content Security Policy" in text
            or text.startswith("Refused to")
            or ("evalDisallowed" in text)
        ):
            errors.append(f"console: {text} ({message.location.get('url')})")

    page.on("console", check)


# Module scope: a sync Playwright must stop before another module may start its own.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        # Never skip: a missing browser means the browser tests did not run.
        pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium (make browser)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(params=["desktop", "phone"])
def device(request) -> str:
    """Every browser test runs at 1280 px and at a 390 px phone width."""
    return request.param


@pytest.fixture
def page(browser: Browser, device: str) -> Iterator[Page]:
    """A fresh page; the test fails on a JavaScript error, a missing asset, a server error or
    anything the Content-Security-Policy refused."""
    viewport = DESKTOP if device == "desktop" else PHONE
    context = browser.new_context(viewport=viewport, is_mobile=device == "phone")
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    watch_policy(page, errors)
    # 404 (a missing asset) and 5xx are failures; 4xx answers to a refused edit are by design.
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}") if r.status == 404 or r.status >= 500 else None
        ),
    )
    yield page
    context.close()
    assert errors == [], f"JavaScript errors or failed requests: {errors}"


@pytest.fixture
def screenshot(page: Page, device: str):
    """Save a full-page screenshot as test-artifacts/screenshots/<name>-<device>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}-{device}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def editor_account(transactional_db, django_user_model):
    """An editor with a real password."""
    user = django_user_model.objects.create_user("eddie", password=PASSWORD)
    user.groups.add(role_group("editor"))
    return user


@pytest.fixture
def logged_in(page: Page, live_server, editor_account) -> Page:
    """The page, after the editor has logged in through the login form."""
    page.goto(live_server.url + "/")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(editor_account.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/")
    return page
