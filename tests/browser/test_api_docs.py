"""The API docs, the token page and the export form in a real browser, under the CSP.

The `page` fixture fails a test on any Content-Security-Policy violation, JavaScript error or
failed request: Swagger UI must render from the app's own files with no inline script or style.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from articles.models import Article, Entity, Quote, Tag
from tests.conftest import role_group

pytestmark = pytest.mark.browser

PASSWORD = "api-docs-test-password"
BODY = "Mayor Ada Quayle opened the harbour.\n\n“The harbour is open again,” Quayle said."


@pytest.fixture
def reviewer_page(page: Page, live_server, transactional_db, django_user_model, make_article):
    user = django_user_model.objects.create_user("rita", password=PASSWORD)
    user.groups.add(role_group("reviewer"))
    article = make_article(body=BODY, title="Harbour opens", status=Article.Status.EXTRACTED)
    article.tags.add(Tag.objects.create(name="Ports"))
    make_article(title="Untagged story")
    ada = Entity.objects.create(name="Ada Quayle", label="PERSON", key="ada quayle")
    start, end = BODY.index("“"), BODY.index("”") + 1
    Quote.objects.create(article=article, speaker=ada, start=start, end=end, text=BODY[start:end])
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Articles")).to_be_visible()
    return page


def test_the_api_docs_render_under_the_policy(reviewer_page: Page, live_server, screenshot):
    page = reviewer_page
    response = page.goto(live_server.url + "/api/docs/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe" not in policy
    expect(page.locator(".swagger-ui .information-container")).to_contain_text("Newsroom API")
    expect(page.locator(".opblock-summary-path", has_text="/api/quotes/{id}/")).to_be_visible()
    # Try one call from the page: the browser's session is enough to read.
    page.locator(".opblock-get .opblock-summary-path", has_text="/api/tags/").first.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    expect(page.locator(".live-responses-table tbody .response-col_status").first).to_have_text(
        "200"
    )
    screenshot("api-docs")


def test_the_token_page_shows_the_token_once(reviewer_page: Page, live_server, screenshot):
    page = reviewer_page
    page.get_by_role("link", name="API token").click()
    page.get_by_role("button", name="Create a token").click()
    key = page.get_by_test_id("api-token").inner_text()
    assert len(key) == 40
    screenshot("api-token")
    page.goto(live_server.url + "/accounts/api-token/")  # a GET: the key is not shown again
    expect(page.get_by_text("You have a token")).to_be_visible()
    expect(page.get_by_test_id("api-token")).to_have_count(0)


def test_the_list_exports_its_filtered_selection(reviewer_page: Page, live_server, screenshot):
    page = reviewer_page
    page.locator("select[name=tag]").select_option(label="Ports (1)")
    page.get_by_role("button", name="Apply").click()
    page.get_by_text("Export these articles").click()
    form = page.get_by_role("form", name="Export these articles")
    form.get_by_label("CSV rows").select_option("articles")
    screenshot("export-form")
    with page.expect_download() as info:
        form.get_by_role("button", name="Download").click()
    download = info.value
    assert download.suggested_filename.endswith("-articles.csv")
    text = Path(download.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [row["title"] for row in rows] == ["Harbour opens"]
