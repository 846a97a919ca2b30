"""The main pages under the Content-Security-Policy in a real browser.

The `page` fixture fails the test on any violation the browser reports ("Refused to …") and
on any eval htmx was refused; here an admin, who may do everything, visits every main page
and does what each is for: accept a quote, tag an article and undo it, paste an article,
search with tags.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from articles.models import Article, Entity, Mention, Quote, ReviewState, Tag
from tests.conftest import role_group

pytestmark = pytest.mark.browser

PASSWORD = "policy-test-password"
BODY = (
    "Mayor Ada Quayle opened the harbour on Monday.\n\n"
    "“The harbour is open for business again,” Quayle said to the crowd."
)


@pytest.fixture
def newsroom(transactional_db, django_user_model, make_article) -> dict:
    admin = django_user_model.objects.create_user("ada-admin", password=PASSWORD, is_staff=True)
    admin.groups.add(role_group("admin"))
    article = make_article(
        body=BODY, title="Harbour opens", outlet="Gazette", status=Article.Status.EXTRACTED
    )
    ada = Entity.objects.create(name="Ada Quayle", label="PERSON", key="ada quayle")
    start = BODY.index("Ada Quayle")
    Mention.objects.create(
        article=article, entity=ada, start=start, end=start + 10, text="Ada Quayle",
        label="PERSON",
    )  # fmt: skip
    start, end = BODY.index("“"), BODY.index("”") + 1
    quote = Quote.objects.create(
        article=article, speaker=ada, start=start, end=end, text=BODY[start:end], cue="said",
        speaker_text="Quayle", confidence=0.4,
    )  # fmt: skip
    ports = Tag.objects.create(name="Ports")
    article.tags.add(ports)
    return {"article": article, "quote": quote, "ada": ada, "ports": ports}


def visit(page: Page, url: str) -> None:
    response = page.goto(url)
    policy = response.headers.get("content-security-policy", "")
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe" not in policy


def test_every_main_page_works_under_the_policy(page: Page, live_server, newsroom, device):
    base = live_server.url
    visit(page, base + "/accounts/login/")
    page.get_by_label("Username").fill("ada-admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Articles")).to_be_visible()

    tag = newsroom["ports"].pk
    for path, heading in [
        ("/", "Articles"),
        (f"/search/?q=harbour&tag={tag}", "Search"),
        (f"/search/?{'&'.join(f'tag={n}' for n in range(1, 30))}", "Search"),  # refused
        ("/entities/", "Entities"),
        (newsroom["ada"].get_absolute_url(), "Ada Quayle"),
        ("/speakers/", "Speakers"),
        ("/tags/", "Tags"),
        ("/review/", "Review queue"),
        ("/upload/", "Upload articles"),
        ("/admin/", "Site administration"),
    ]:
        visit(page, base + path)
        expect(page.get_by_role("heading", name=heading, exact=True).first).to_be_visible()
    visit(page, base + f"/search/?q=harbour&tag={tag}")
    expect(page.locator("article.result")).to_have_count(1)
    expect(page.locator("article.result mark").first).to_have_text("Harbour")

    # The article page: tag it in the panel (htmx), accept the quote (htmx), then undo the
    # tagging from the History, which reloads the tag panel (tagsChanged, no trigger filter).
    article, quote = newsroom["article"], newsroom["quote"]
    visit(page, base + article.get_absolute_url())
    panel = page.locator("#article-tags")
    panel.get_by_placeholder("Add a tag…").fill("Harbours")
    panel.get_by_role("button", name="Add tag").click()
    expect(panel.get_by_role("button", name="Remove tag Harbours")).to_be_visible()
    page.locator(f"#qi-{quote.pk}").get_by_role("button", name="Accept").click()
    expect(page.locator(f"#qi-{quote.pk} .chip--state-accepted")).to_have_text("Accepted")
    assert Quote.objects.get(pk=quote.pk).status == ReviewState.ACCEPTED
    page.get_by_role("tab", name="History").click()
    page.locator(".hi", has_text="Tagged Harbours").get_by_role("button", name="Undo").click()
    expect(page.get_by_test_id("review-notice")).to_contain_text("Undone: Tagged Harbours")
    expect(panel.get_by_role("button", name="Remove tag Harbours")).to_have_count(0)
    expect(panel.get_by_role("button", name="Remove tag Ports")).to_be_visible()

    # The upload page's paste form posts over htmx and empties itself (no hx-on).
    visit(page, base + "/upload/")
    form = page.locator("form", has=page.get_by_role("button", name="Add article"))
    form.get_by_label("Text").fill("Ferry timetable changes\n\nThe ferry sails hourly from May.")
    form.get_by_role("button", name="Add article").click()
    expect(page.locator("#upload-results .result--created")).to_contain_text(
        "Ferry timetable changes"
    )
    expect(form.get_by_label("Text")).to_have_value("")
    assert Article.objects.filter(title="Ferry timetable changes").exists()
