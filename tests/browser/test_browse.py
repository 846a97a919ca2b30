"""An editor bulk-tags from the list, searches with facets and accepts a suggested tag."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from articles.models import Article, Entity, Mention, Quote, Tag

pytestmark = pytest.mark.browser

STORIES = [
    ("Harbour reopens after the storms", "Gazette", "The harbour reopened on Monday after storms."),
    ("Harbour fees rise again", "Gazette", "Harbour fees rose for the third year running."),
    ("New ferry for the harbour", "Courier", "A new ferry will serve the harbour from May."),
    ("Council approves budget", "Courier", "The council approved the budget after a long debate."),
    ("Rail strike called off", "Gazette", "The rail strike was called off late on Sunday night."),
]


@pytest.fixture
def archive(transactional_db, make_article) -> dict[str, Article]:
    marta = Entity.objects.create(name="Marta Quayle", label="PERSON", key="marta quayle")
    port = Entity.objects.create(name="Port Authority", label="ORG", key="port authority")
    articles = {}
    for n, (title, outlet, lede) in enumerate(STORIES):
        body = (
            f"{lede}\n\n“We are glad to see progress,” said Marta Quayle, who chairs the "
            f"Port Authority. The Port Authority will report again next month ({n})."
        )
        article = make_article(
            body=body,
            title=title,
            outlet=outlet,
            published=dt.date(2024, 1, 1 + n),
            status=Article.Status.EXTRACTED,
        )
        start = body.index("Marta Quayle")
        Mention.objects.create(
            article=article, entity=marta, start=start, end=start + 12, text="Marta Quayle",
            label="PERSON",
        )  # fmt: skip
        for offset in (body.index("Port Authority"), body.rindex("Port Authority")):
            Mention.objects.create(
                article=article, entity=port, start=offset, end=offset + 14,
                text="Port Authority", label="ORG",
            )  # fmt: skip
        Quote.objects.create(
            article=article, speaker=marta, start=body.index("“"), end=body.index("”") + 1,
            text="“We are glad to see progress,”", cue="said",
        )  # fmt: skip
        articles[title] = article
    return articles


def no_horizontal_overflow(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page is {width}px wide"


def row(page: Page, title: str):
    return page.locator("#article-table tbody tr").filter(has_text=title)


def test_editor_bulk_tags_from_the_list_then_searches_with_a_facet(
    logged_in: Page, live_server, archive, screenshot, device
):
    page = logged_in
    page.reload()  # the archive may have been made after the login page loaded the list
    expect(page.locator("#article-table tbody tr")).to_have_count(len(STORIES))
    no_horizontal_overflow(page)
    apply = page.get_by_role("button", name="Tag selected")
    expect(apply).to_be_disabled()

    # Tick two harbour stories, type a new tag and apply it.
    for title in ("Harbour reopens after the storms", "Harbour fees rise again"):
        row(page, title).get_by_role("checkbox").check()
    expect(page.locator("[data-bulk-count]")).to_have_text("2 articles selected")
    page.get_by_placeholder("Choose or type a tag").fill("Ports")
    screenshot("list-bulk-tag-selected")
    apply.click()
    expect(page.get_by_role("status").filter(has_text="Tagged 2 articles “Ports”.")).to_be_visible()
    expect(row(page, "Harbour fees rise again").locator(".tag-chip")).to_have_text("Ports")
    expect(row(page, "Council approves budget").locator(".tag-chip")).to_have_count(0)

    # Select all on the page, then apply the same tag: only the others are new.
    page.locator("[data-select-all]:visible").check()
    expect(page.locator("[data-bulk-count]")).to_have_text("5 articles selected")
    page.get_by_placeholder("Choose or type a tag").fill("ports")
    page.get_by_role("button", name="Tag selected").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Tagged 3 articles “Ports” (2 already had it)."
    )
    assert Tag.objects.get().articles.count() == len(STORIES)
    screenshot("list-after-bulk-tag")

    # Filter the list by tag through the filter form.
    page.locator('select[name="tag"]').select_option(label="Ports (5)")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#article-table tbody tr")).to_have_count(len(STORIES))

    # Search from the list, then narrow by outlet with a facet.
    page.get_by_role("searchbox", name="Search articles").fill("harbour -ferry")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("heading", name="Search", exact=True)).to_be_visible()
    results = page.locator("article.result")
    expect(results).to_have_count(2)
    expect(results.first.locator("mark").first).to_have_text("Harbour")
    if device == "phone":
        expect(page.locator("[data-facets]")).not_to_have_attribute("open", "")
        page.get_by_text("Filters", exact=False).first.click()
    outlet = page.locator('a[data-facet="outlet"]').filter(has_text="Gazette")
    expect(outlet.locator(".facet__count")).to_have_text("2")
    page.locator('a[data-facet="speaker"]').filter(has_text="Marta Quayle").click()
    expect(page.locator(".filter-chip").filter(has_text="Marta Quayle")).to_be_visible()
    page.get_by_role("searchbox", name="Search titles and text").fill("harbour")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(results).to_have_count(3)  # the speaker filter was kept with the new terms
    if device == "phone":
        page.get_by_text("Filters", exact=False).first.click()
    page.locator('a[data-facet="outlet"]').filter(has_text="Courier").click()
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("New ferry for the harbour")
    expect(page.locator(".filter-chip")).to_have_count(2)
    no_horizontal_overflow(page)
    screenshot("search-with-facets")


def test_editor_accepts_a_suggested_tag_and_visits_the_speaker(
    logged_in: Page, live_server, archive, screenshot
):
    page = logged_in
    article = archive["Harbour reopens after the storms"]
    page.goto(live_server.url + article.get_absolute_url())
    panel = page.locator("#article-tags")
    suggestion = panel.locator('[data-suggestion="Port Authority"]')
    expect(suggestion).to_be_visible()  # most mentioned first
    expect(panel.locator(".tag-chip--suggested").first).to_contain_text("Port Authority")
    screenshot("article-tag-suggestions")
    suggestion.click()
    expect(panel.get_by_role("button", name="Remove tag Port Authority")).to_be_visible()
    expect(panel.locator('[data-suggestion="Port Authority"]')).to_have_count(0)
    assert list(article.tags.values_list("name", flat=True)) == ["Port Authority"]
    panel.get_by_placeholder("Add a tag…").fill("Storms")
    panel.get_by_role("button", name="Add tag").click()
    expect(panel.get_by_role("button", name="Remove tag Storms")).to_be_visible()
    panel.get_by_role("button", name="Remove tag Port Authority").click()
    expect(panel.get_by_role("button", name="Remove tag Port Authority")).to_have_count(0)
    no_horizontal_overflow(page)
    screenshot("article-tags")

    page.goto(live_server.url + "/speakers/")
    page.get_by_role("link", name="Marta Quayle").click()
    expect(page.get_by_role("heading", name="Marta Quayle", exact=True)).to_be_visible()
    expect(page.locator(".quote-card")).to_have_count(len(STORIES))
    no_horizontal_overflow(page)
    screenshot("entity-page")

    page.goto(live_server.url + "/tags/")
    expect(page.get_by_role("link", name="Storms")).to_be_visible()
    no_horizontal_overflow(page)
    screenshot("tags-page")
