"""Finding a quote by a misspelled speaker, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browse.test_quote_search import quoted  # noqa: F401 (fixture)
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_review import page_for, shoot  # noqa: F401 (fixture)
from tests.conftest import PASSWORD, role_group

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_finding_a_quote_by_a_misspelled_speaker(page_for, quoted, django_user_model, viewport):  # noqa: F811
    django_user_model.objects.create_user("rita", password=PASSWORD).groups.add(
        role_group("reviewer")
    )
    page = page_for("/search/", viewport=viewport)
    page.get_by_test_id("quotes-tab").click()
    page.get_by_role("searchbox").fill("Pelossi")
    page.keyboard.press("Enter")
    suggestion = page.get_by_test_id("did-you-mean").get_by_role("link", name="Nancy Pelosi")
    expect(suggestion).to_be_visible()
    shoot(page, f"quote-search-did-you-mean-{'desktop' if viewport == DESKTOP else 'phone'}")
    suggestion.click()
    expect(page.locator(f"#quote-{quoted.pk}")).to_contain_text("We have the votes")
    shoot(page, f"quote-search-{'desktop' if viewport == DESKTOP else 'phone'}")
    assert page.errors == []
