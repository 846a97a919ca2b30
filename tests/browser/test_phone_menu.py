"""The menu at a phone's 390 px: every link on screen, none scrolled out of sight."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE, SCREENSHOTS
from tests.browser.test_review import page_for  # noqa: F401 (fixture)
from tests.conftest import PASSWORD, role_group

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_every_menu_link_is_on_screen_at_390_px(page_for, django_user_model):  # noqa: F811
    user = django_user_model.objects.create_user("rita", password=PASSWORD, is_staff=True)
    for role in ("editor", "reviewer"):
        user.groups.add(role_group(role))
    page = page_for("/", viewport=PHONE)
    links = page.locator(".site-nav a")
    names = links.all_inner_texts()
    assert {"Upload", "Review queue", "Admin"} <= set(names)
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], names[i]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "menu-phone.png"))
    assert page.errors == []
