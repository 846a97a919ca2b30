"""An editor uploads files and pastes text in a real browser, then finds the articles listed."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from articles.models import Article

pytestmark = pytest.mark.browser

STORY = (
    "Harbour reopens after the storms\n\n"
    "The harbour reopened on Monday after a week of storms kept the fishing fleet ashore.\n\n"
    "“We are glad to be back at sea,” said the harbour master."
)
FEED = "\n".join(
    [
        json.dumps({"title": "Council backs new cycle lanes", "text": "The vote was 7 to 2."}),
        json.dumps({"title": "A line without its text"}),
    ]
)
FILES = [
    {"name": "harbour.txt", "mimeType": "text/plain", "buffer": STORY.encode()},
    {"name": "feed.jsonl", "mimeType": "application/jsonl", "buffer": FEED.encode()},
    {"name": "empty.txt", "mimeType": "text/plain", "buffer": b""},
    {"name": "photo.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n" + bytes(64)},
]


def no_horizontal_overflow(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page is {width}px wide"


def result_row(page: Page, label: str):
    return page.locator("#upload-results tr").filter(has=page.locator("td", has_text=label).first)


def test_editor_uploads_several_files_and_sees_them_listed(logged_in: Page, screenshot):
    page = logged_in
    expect(page.get_by_role("heading", name="Articles")).to_be_visible()
    screenshot("articles-empty")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Upload").click()
    expect(page.get_by_role("heading", name="Upload articles")).to_be_visible()
    no_horizontal_overflow(page)
    page.wait_for_load_state()  # app.js (deferred) sends the files
    page.locator("#file-input").set_input_files(FILES)
    # Choosing files sends nothing: the Upload button does.
    expect(page.locator("#chosen-files")).to_contain_text("4 files chosen")
    assert not Article.objects.exists()
    page.get_by_test_id("upload-button").click()

    rows = page.locator("#upload-results tr")
    expect(rows).to_have_count(5)
    expect(page.locator("#upload-results .result--pending")).to_have_count(0)
    expect(page.locator("#upload-results .result--created")).to_have_count(2)
    expect(page.locator("#upload-results .result--rejected")).to_have_count(3)
    expect(result_row(page, "harbour.txt")).to_contain_text("Harbour reopens after the storms")
    expect(result_row(page, "harbour.txt")).to_contain_text("Queued for extraction")
    expect(page.locator("#upload-summary")).to_contain_text("2 created, 3 rejected.")
    expect(page.get_by_test_id("extract-progress")).to_contain_text("0 of 2 extracted")
    expect(result_row(page, "feed.jsonl line 1")).to_contain_text("Council backs new cycle lanes")
    expect(result_row(page, "feed.jsonl line 2")).to_contain_text(
        'The "text" field is missing or empty'
    )
    expect(result_row(page, "empty.txt")).to_contain_text("The file is empty")
    expect(result_row(page, "photo.png")).to_contain_text("“.png” files are not supported")
    # The input is cleared, so choosing the same files again is a new upload.
    assert page.locator("#file-input").evaluate("input => input.files.length") == 0
    no_horizontal_overflow(page)
    screenshot("upload-results")

    assert sorted(Article.objects.values_list("title", flat=True)) == [
        "Council backs new cycle lanes",
        "Harbour reopens after the storms",
    ]
    assert set(Article.objects.values_list("status", flat=True)) == {"queued"}

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Articles").click()
    table = page.locator("#article-table")
    expect(table.get_by_role("link", name="Harbour reopens after the storms")).to_be_visible()
    expect(table.get_by_role("link", name="Council backs new cycle lanes")).to_be_visible()
    expect(table.locator(".badge--queued")).to_have_count(2)
    no_horizontal_overflow(page)
    screenshot("articles-list")

    table.get_by_role("link", name="Harbour reopens after the storms").click()
    expect(page.get_by_role("heading", name="Harbour reopens after the storms")).to_be_visible()
    expect(page.locator(".article__body p")).to_have_count(2)
    expect(page.locator("#extraction-status")).to_contain_text("Queued")
    no_horizontal_overflow(page)
    screenshot("article-page")


def test_editor_pastes_text(logged_in: Page, live_server, screenshot):
    page = logged_in
    page.goto(live_server.url + "/upload/")
    form = page.locator("form", has=page.get_by_role("button", name="Add article"))
    form.get_by_label("Title").fill("Library extends opening hours")
    form.get_by_label("Text").fill("The library will open until 9 pm.\n\nIt starts in May.")
    form.get_by_role("button", name="Add article").click()

    row = result_row(page, "Library extends opening hours")
    expect(row).to_contain_text("Created")
    expect(row.get_by_role("link", name="Library extends opening hours")).to_be_visible()
    # The form is emptied for the next article.
    expect(form.get_by_label("Text")).to_have_value("")
    article = Article.objects.get()
    assert (article.title, article.body) == (
        "Library extends opening hours",
        "The library will open until 9 pm.\n\nIt starts in May.",
    )

    # The same text again is a duplicate that links to the article already stored.
    form.get_by_label("Text").fill("the library will open until 9 pm. it starts in may.")
    form.get_by_role("button", name="Add article").click()
    expect(page.locator("#upload-results .result--duplicate")).to_have_count(1)
    expect(page.locator("#upload-results .result--duplicate")).to_contain_text(
        "Already in the archive"
    )
    assert Article.objects.count() == 1
    no_horizontal_overflow(page)
    screenshot("upload-paste")

    page.goto(live_server.url + "/")
    expect(page.get_by_role("link", name="Library extends opening hours")).to_be_visible()


def test_login_page(page: Page, live_server, editor_account, screenshot):
    page.goto(live_server.url + "/upload/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("Username").fill(editor_account.username)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("didn't match")
    no_horizontal_overflow(page)
    screenshot("login-error")


@pytest.mark.slow
def test_a_batch_reaches_extracted_without_reloading(logged_in: Page, screenshot):
    """A real worker extracts the batch while the page watches; nothing is reloaded."""
    from tests.extraction.processes import WorkerProcess

    page = logged_in
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Upload").click()
    page.wait_for_load_state()
    lines = "\n".join(
        json.dumps({"title": f"Harbour story {n}", "text": f"Story {n}. " + STORY})
        for n in range(6)
    )
    page.locator("#file-input").set_input_files(
        [{"name": "batch.jsonl", "mimeType": "application/jsonl", "buffer": lines.encode()}]
    )
    page.get_by_test_id("upload-button").click()
    expect(page.locator("#upload-results .result--created")).to_have_count(6)
    expect(page.get_by_test_id("extract-progress")).to_contain_text("0 of 6 extracted")
    page.evaluate("window.__notReloaded = true")
    worker = WorkerProcess("--batch-size", "3", "--poll", "1")
    try:
        expect(page.get_by_test_id("extract-progress")).to_have_text(
            "6 of 6 extracted", timeout=180_000
        )
    finally:
        worker.stop()
    expect(page.locator("#upload-results .badge--extracted")).to_have_count(6)
    assert page.evaluate("window.__notReloaded") is True
    screenshot("upload-extracted")
