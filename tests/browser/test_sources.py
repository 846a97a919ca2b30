"""The sources dashboard and the speaker pill in a real browser, at 1280 px and 390 px.

A missing browser fails these tests: it never skips them.
"""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

import pytest
from django.core.cache import caches
from playwright.sync_api import expect

from articles.models import Article, Entity, Mention, Quote
from articles.sources import suggestions
from tests.browser.conftest import PASSWORD
from tests.conftest import role_group

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODY = (
    "Senator Jane Holloway visited Leeds on Monday to open the new science wing.\n\n"
    '"We will rebuild every school in this city," Holloway said. Ms Holloway added that '
    "she was sure of it.\n\n"
    '"Parents have waited a decade," Holloway told reporters.'
)


def _span(text: str) -> tuple[int, int]:
    start = BODY.index(text)
    return start, start + len(text)


@pytest.fixture
def archive():
    caches["sources"].clear()  # the dashboard's cached figures of an earlier test
    return _archive()


def _archive():
    """Jane Holloway quoted twice in the Northern Courier, an organisation once in the Wire."""
    courier = Article.objects.create(
        title="Holloway promises to rebuild every school",
        outlet="Northern Courier",
        published=datetime.date(2026, 3, 2),
        body=BODY,
        content_hash="browser-sources-1",
        status=Article.Status.EXTRACTED,
    )
    wire = Article.objects.create(
        title="Council budget passes",
        outlet="Wire",
        published=datetime.date(2026, 3, 4),
        body="The council said the budget would pass. It did.",
        content_hash="browser-sources-2",
        status=Article.Status.EXTRACTED,
    )
    jane = Entity.objects.create(name="Jane Holloway", label="PERSON", key="jane holloway")
    council = Entity.objects.create(name="The council", label="ORG", key="council")
    for text in ("Jane Holloway", "Holloway said", "Holloway added", "Holloway told"):
        start, _ = _span(text)
        Mention.objects.create(
            article=courier,
            entity=jane,
            start=start,
            end=start + 8 + (5 if text[0] == "J" else 0),
            text="Jane Holloway" if text[0] == "J" else "Holloway",
            label="PERSON",
        )
    for text in ('"We will rebuild every school in this city,"', '"Parents have waited a decade,"'):
        start, end = _span(text)
        Quote.objects.create(
            article=courier,
            start=start,
            end=end,
            text=text,
            speaker=jane,
            speaker_text="Holloway",
            confidence=0.9,
            cue="said",
        )
    Quote.objects.create(
        article=wire,
        start=4,
        end=39,
        text="the budget would pass",
        speaker=council,
        speaker_text="The council",
        kind="indirect",
        cue="said",
    )
    suggestions.refresh([jane.pk])
    return {"courier": courier, "wire": wire, "jane": jane}


def log_in(page, live_server, django_user_model, role: str, username: str) -> None:
    user = django_user_model.objects.create_user(username, password=PASSWORD)
    user.groups.add(role_group(role))
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def read_csv(path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(Path(path).read_text(encoding="utf-8"))))


def gender_row(page, value: str):
    return page.locator(f'[data-testid="genders"] tr[data-value="{value}"]')


def test_a_reviewer_confirms_a_suggestion_from_the_speaker_pill(
    page, live_server, django_user_model, archive, screenshot
):
    log_in(page, live_server, django_user_model, "reviewer", "rita")
    page.goto(live_server.url + "/sources/")
    woman = gender_row(page, "woman")
    expect(woman.locator('[data-col="confirmed"]')).to_have_text("0")
    expect(woman.locator('[data-col="suggested"]')).to_have_text("2")

    page.goto(live_server.url + archive["courier"].get_absolute_url())
    pill = page.get_by_test_id("speaker-pill").first
    pill.click()
    expect(page.get_by_test_id("suggested-gender").first).to_have_text("Woman")
    expect(page.get_by_test_id("suggested-role").first).to_have_text("Politician")
    expect(page.get_by_test_id("gender-select").first).to_have_value("woman")
    expect(page.get_by_test_id("role-select").first).to_have_value("politician")
    screenshot("sources-speaker-pill")
    page.get_by_test_id("confirm-speaker").first.click()
    expect(page.get_by_test_id("speaker-pill").first).to_have_text("Woman · Politician")
    page.get_by_role("tab", name="History").click()
    expect(page.locator(".history")).to_contain_text("Confirmed Jane Holloway")

    page.goto(live_server.url + "/sources/")
    woman = gender_row(page, "woman")
    expect(woman.locator('[data-col="confirmed"]')).to_have_text("2")
    expect(woman.locator('[data-col="suggested"]')).to_have_text("0")
    politician = page.locator('[data-testid="roles"] tr[data-value="politician"]')
    expect(politician.locator('[data-col="confirmed"]')).to_have_text("2")
    assert archive["jane"].__class__.objects.get(pk=archive["jane"].pk).gender == "woman"


def test_an_editor_filters_by_outlet_and_downloads_a_chart(
    page, live_server, django_user_model, archive, screenshot
):
    log_in(page, live_server, django_user_model, "editor", "eddie")
    page.goto(live_server.url + "/sources/")
    expect(page.get_by_test_id("quotes-all")).to_have_text("3")
    screenshot("sources-dashboard")
    page.get_by_test_id("outlet-filter").select_option("Northern Courier")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_test_id("quotes-all")).to_have_text("2")
    expect(page.get_by_test_id("speakers-all")).to_have_text("1")
    assert "outlet=Northern+Courier" in page.url
    with page.expect_download() as download:
        page.get_by_test_id("csv-outlets").click()
    rows = read_csv(download.value.path())
    assert rows[0][:2] == ["outlet", "quotes"]
    assert [row[:2] for row in rows[1:]] == [["Northern Courier", "2"]]
    with page.expect_download() as download:
        page.get_by_test_id("speakers-csv").click()
    speakers = read_csv(download.value.path())
    assert speakers[1][:2] == ["Jane Holloway", str(archive["jane"].pk)]
    assert len(speakers) == 2
    # A bar links to the quotes behind it: the search page, same outlet.
    page.locator("#chart-outlets .hbar").first.click()
    assert "/search/" in page.url and "outlet=Northern+Courier" in page.url
    screenshot("sources-search-from-bar")


def test_a_reviewer_confirms_and_undoes_on_the_entity_page(
    page, live_server, django_user_model, archive, screenshot
):
    log_in(page, live_server, django_user_model, "reviewer", "rosa")
    page.goto(live_server.url + archive["jane"].get_absolute_url())
    expect(page.get_by_test_id("suggested-gender")).to_have_text("Woman")
    page.get_by_test_id("gender-select").select_option("non-binary")
    page.get_by_test_id("role-select").select_option("official")
    page.get_by_test_id("confirm-speaker").click()
    expect(page.get_by_test_id("confirmed-gender")).to_contain_text("Non-binary")
    expect(page.get_by_test_id("confirmed-role")).to_contain_text("Official")
    screenshot("sources-entity-panel")
    page.get_by_test_id("undo-speaker").click()
    expect(page.get_by_test_id("confirmed-gender")).to_contain_text("Not confirmed")
    expect(page.locator(".speaker-history")).to_contain_text("Undone")
