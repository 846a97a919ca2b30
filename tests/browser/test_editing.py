"""An editor fixes an article, deletes it and restores it, in a real browser (Debian's chromium).

The extractions must stay on their words through the edit: a quote a reviewer accepted is still
highlighted on exactly its words after a typo before it is fixed.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from articles.models import Article, Entity, Mention, Quote, ReviewState
from tests.conftest import role_group

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TYPO = "Leeds on Mondy"
BODY = (
    f"Prime Minister Jane Holloway visited {TYPO} to open the new science wing.\n\n"
    '"We will rebuild every school in this city," Holloway said, standing beside the head '
    "teacher.\n\n"
    'Opposition leader Mark Fenwick said "the plan was too late and too small".'
)
QUOTES = ['"We will rebuild every school in this city,"', '"the plan was too late and too small"']


@pytest.fixture
def story(transactional_db):
    article = Article.objects.create(
        title="Holloway promises to rebuild every school",
        byline="Sam Reid",
        body=BODY,
        content_hash="browser-editing-story",
        status=Article.Status.EXTRACTED,
    )
    jane = Entity.objects.create(name="Jane Holloway", label="PERSON", key="jane holloway")
    mark = Entity.objects.create(name="Mark Fenwick", label="PERSON", key="mark fenwick")
    quotes = []
    for text, speaker in zip(QUOTES, (jane, mark), strict=True):
        start = BODY.index(text)
        quotes.append(
            Quote.objects.create(
                article=article,
                start=start,
                end=start + len(text),
                text=text,
                speaker=speaker,
                speaker_text=speaker.name,
                status=ReviewState.ACCEPTED,
            )
        )
    start = BODY.index("Mark Fenwick")
    Mention.objects.create(
        article=article, entity=mark, start=start, end=start + 12, text="Mark Fenwick",
        label="PERSON", status=ReviewState.ACCEPTED,
    )  # fmt: skip
    return {"article": article, "quotes": quotes}


def marked_words(page: Page, quote: Quote) -> str:
    """The article's characters inside a quote's highlight (the speaker tag left out)."""
    return page.evaluate(
        """(id) => Array.from(
            document.querySelectorAll(`#article-text mark[data-quote="${id}"] [data-s]`)
        ).map((span) => span.textContent).join("")""",
        quote.pk,
    )


def test_editor_fixes_outlet_and_typo_then_deletes_and_restores(logged_in: Page, story, screenshot):
    page, article = logged_in, story["article"]
    page.goto(page.url.rstrip("/") + article.get_absolute_url())
    expect(page.locator(".article__kicker")).to_have_text("Unknown outlet")
    for quote in story["quotes"]:
        assert marked_words(page, quote) == quote.text

    # Edit: the outlet, and a typo before both quotes (every offset after it moves by one).
    page.get_by_test_id("edit-article").click()
    expect(page.get_by_role("heading", name="Edit the article")).to_be_visible()
    page.get_by_label("Outlet").fill("Northern Courier")
    page.get_by_label("Text").fill(BODY.replace(TYPO, "Leeds on Monday"))
    screenshot("edit-form")
    page.get_by_test_id("save-article").click()

    expect(page.locator(".message--success")).to_contain_text("Saved the outlet and the text")
    expect(page.locator(".article__kicker")).to_have_text("Northern Courier")
    expect(page.locator("#article-text")).to_contain_text("Leeds on Monday")
    for quote in story["quotes"]:
        expect(page.locator(f'#article-text mark[data-quote="{quote.pk}"]').first).to_be_visible()
        assert marked_words(page, quote) == quote.text
    screenshot("edit-saved")
    stored = Article.objects.get(pk=article.pk)
    assert (stored.outlet, stored.status) == ("Northern Courier", Article.Status.QUEUED)
    for quote in Quote.objects.filter(article=article):
        assert stored.body[quote.start : quote.end] == quote.text

    # The History tab lists the edit, with what it changed.
    page.get_by_role("tab", name="History").click()
    expect(page.locator(".hi").first).to_contain_text("Edited outlet and text")
    expect(page.locator(".hi").first).to_contain_text("Leeds on Monday")

    # Delete: the article goes to the trash, and the list says how to get it back.
    page.get_by_test_id("delete-article").click()
    page.get_by_test_id("confirm-delete").click()
    message = page.locator(".message--success")
    expect(message).to_contain_text("to the trash")
    expect(page.locator(f"#article-{article.pk}")).to_have_count(0)
    screenshot("deleted")
    message.get_by_role("link", name="restore it from the trash").click()

    expect(page.get_by_role("heading", name="Trash")).to_be_visible()
    row = page.locator(f"#trashed-{article.pk}")
    expect(row).to_contain_text(article.title)
    expect(row).to_contain_text("eddie")
    screenshot("trash")
    row.get_by_test_id("restore").click()

    expect(page.locator(".message--success")).to_contain_text("Restored")
    expect(page.get_by_role("heading", name=article.title)).to_be_visible()
    for quote in story["quotes"]:
        assert marked_words(page, quote) == quote.text
    screenshot("restored")
    assert not Article.with_trash.get(pk=article.pk).in_trash


def test_an_account_with_no_role_sees_why_and_can_log_out(page: Page, live_server, screenshot):
    from django.contrib.auth import get_user_model

    from tests.browser.conftest import PASSWORD

    get_user_model().objects.create_user("newcomer", password=PASSWORD)
    role_group("editor")  # the roles exist, as in any deployment
    page.goto(live_server.url + "/")
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your account has no role yet")).to_be_visible()
    screenshot("no-role")
    page.get_by_test_id("no-role").get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def log_in(page: Page, live_server, role: str) -> None:
    from django.contrib.auth import get_user_model

    from tests.browser.conftest import PASSWORD

    user = get_user_model().objects.create_user(f"{role}-user", password=PASSWORD)
    user.groups.add(role_group(role))
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/")


def test_a_reviewer_sees_what_an_edit_did_and_marks_the_article_reviewed(
    page: Page, live_server, story, screenshot
):
    from articles.editing import edits

    article, kept, gone = story["article"], *story["quotes"]
    Quote.objects.create(article=article, start=0, end=14, text="Prime Minister")  # unreviewed
    new = BODY.replace("every school", "each school").replace(f" {gone.text}", "")
    edits.edit_article(article.pk, None, None, {"body": new})
    Quote.objects.create(article=article, start=0, end=14, text="Prime Minister")  # re-extracted
    log_in(page, live_server, "reviewer")
    page.goto(live_server.url + article.get_absolute_url())
    expect(page.get_by_test_id("flagged")).to_contain_text("2 reviewed items")
    expect(page.locator(f"#qi-{kept.pk}")).to_contain_text("Before the edit")
    expect(page.locator(f"#qi-{gone.pk}")).to_contain_text("An edit removed its words")
    expect(page.locator(f"#q-{gone.pk}.pin")).to_be_visible()
    assert marked_words(page, kept) == '"We will rebuild each school in this city,"'
    page.get_by_test_id("mark-reviewed").click()
    expect(page.get_by_test_id("unreviewed-choice")).to_contain_text("1 quote is still unreviewed")
    screenshot("edited-for-review")
    page.get_by_test_id("accept-and-mark").click()
    expect(page.get_by_test_id("review-notice")).to_contain_text("Accepted the unreviewed quotes")
    assert Article.objects.get(pk=article.pk).review_status == "reviewed"


def test_a_page_of_another_role_says_which_role_it_needs(page: Page, live_server, screenshot):
    log_in(page, live_server, "reviewer")
    page.goto(live_server.url + "/upload/")
    expect(page.get_by_test_id("forbidden")).to_contain_text("It needs the Editors or Admins role")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    screenshot("forbidden")
    page.get_by_role("link", name="Back to the articles").click()
    expect(page.get_by_role("heading", name="Articles")).to_be_visible()


def test_the_upload_page_takes_details_and_defaults(logged_in: Page, screenshot):
    page = logged_in
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Upload").click()
    page.wait_for_load_state()
    form = page.locator("#upload-form")
    form.get_by_label("Outlet").fill("Wire Service")
    form.get_by_label("Published").fill("2024-06-01")
    page.locator("#file-input").set_input_files(
        [{"name": "a.txt", "mimeType": "text/plain", "buffer": b"Headline\n\nA wire story."}]
    )
    page.get_by_test_id("upload-button").click()
    expect(page.locator("#upload-results .result--created")).to_have_count(1)
    expect(form.get_by_label("Outlet")).to_have_value("Wire Service")  # kept for more files
    screenshot("upload-defaults")
    assert Article.objects.get().outlet == "Wire Service"
