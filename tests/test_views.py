"""The web views: who may do what, CSRF, uploads, the article list and page, query counts."""

from __future__ import annotations

import html
import io
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, reverse

from articles import urls as article_urls
from articles.models import Article, Entity, ImportJob, Mention, Quote, Tag
from newsroom import urls as project_urls

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Every test logs someone in; the production hasher costs ~0.3 s per user created.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- Permission matrix ---------------------------------------------------------------------------

ROLES = ("anonymous", "nobody", "editor", "reviewer", "admin")


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    expected: str  # one word per role, in the order of ROLES
    kwargs: tuple[tuple[str, str], ...] = ()  # "<article>" etc. name an object of `objects`
    broken_for: tuple[str, ...] = ()  # roles for which a known bug makes the row fail
    bug: str = ""

    def url(self, objects: dict[str, object]) -> str:
        kwargs = {
            key: objects[value].pk if value in objects else value for key, value in self.kwargs
        }
        return reverse(self.name, kwargs=kwargs)


ARTICLE = (("pk", "article"),)
QUOTE = (("pk", "quote"),)
MENTION = (("pk", "mention"),)
ENTITY = (("pk", "entity"),)
TAG = (("pk", "tag"),)
IMPORT_JOB = (("pk", "import_job"),)
# To add a URL, add a row: test_every_url_is_in_the_matrix fails until you do. GET on each
# POST-only URL is checked by test_get_on_post_only_urls_is_refused.
# Expected per role: a status code; L (302 to the login page); A (302 to the admin's login page);
# R (302 elsewhere); P (let through: not 403/405/5xx, not to a login page; for forms posted empty,
# whose 200/302/400/404/409/422 answer is each view's own business).
MATRIX = [
    #                                                    anon nobody editor reviewer admin
    Route("articles:list", "GET",                       "L    403    200    200      200"),
    Route("articles:detail", "GET",                     "L    403    200    200      200", ARTICLE),
    Route("articles:retry", "POST",                     "L    403    403    R        R", ARTICLE),
    Route("articles:upload", "GET",                     "L    403    200    403      200"),
    Route("articles:upload", "POST",                    "L    403    200    403      200"),
    Route("articles:upload-file", "POST",               "L    403    200    403      200"),
    Route("articles:upload-text", "POST",               "L    403    200    403      200"),
    Route("articles:upload-status", "GET",              "L    403    200    403      200"),
    # Someone else's background import: editors see only their own.
    Route("articles:import-job", "GET",                 "L    403    404    403      200",
          IMPORT_JOB),
    # Review (articles/review/urls.py)
    Route("articles:review-queue", "GET",               "L    403    403    200      200"),
    Route("articles:quote-add", "POST",                 "L    403    403    P        P", ARTICLE),
    Route("articles:mention-add", "POST",               "L    403    403    P        P", ARTICLE),
    Route("articles:entity-search", "GET",              "L    403    403    200      200", ARTICLE),
    Route("articles:review-status", "POST",             "L    403    403    P        P", ARTICLE),
    Route("articles:undo", "POST",                      "L    403    P      P        P", ARTICLE),
    Route("articles:quote-review", "POST",              "L    403    403    P        P", QUOTE),
    Route("articles:quote-edit", "POST",                "L    403    403    P        P", QUOTE),
    Route("articles:quote-speaker", "POST",             "L    403    403    P        P", QUOTE),
    Route("articles:quote-delete", "POST",              "L    403    403    P        P", QUOTE),
    Route("articles:mention-edit", "POST",              "L    403    403    P        P", MENTION),
    Route("articles:mention-remove", "POST",            "L    403    403    P        P", MENTION),
    Route("articles:entity-rename", "POST",             "L    403    403    P        P", ENTITY),
    Route("articles:entity-alias", "POST",              "L    403    403    P        P", ENTITY),
    Route("articles:entity-merge", "POST",              "L    403    403    P        P", ENTITY),
    Route("articles:entity-split", "POST",              "L    403    403    P        P", ENTITY),
    Route("articles:entity-merge-here", "POST",         "L    403    403    P        P", ENTITY),
    Route("articles:entity-not-an-entity", "POST",      "L    403    403    P        P", ENTITY),
    Route("articles:entity-candidates", "GET",          "L    403    403    200      200", ENTITY),
    # Editing and the trash (articles/editing/urls.py)
    Route("articles:article-edit", "GET",               "L    403    200    403      200", ARTICLE),
    Route("articles:article-edit", "POST",              "L    403    P      403      P", ARTICLE),
    Route("articles:article-delete", "POST",            "L    403    P      403      P", ARTICLE),
    Route("articles:trash", "GET",                      "L    403    200    403      200"),
    Route("articles:article-restore", "POST",           "L    403    P      403      P", ARTICLE),
    # Browse, search and tags (articles/browse/urls.py, articles/tags/urls.py)
    Route("articles:search", "GET",                     "L    403    200    200      200"),
    Route("articles:search-quotes", "GET",              "L    403    200    200      200"),
    Route("articles:tags", "GET",                       "L    403    200    200      200"),
    Route("articles:tag-create", "POST",                "L    403    P      403      P"),
    Route("articles:tag-rename", "POST",                "L    403    P      403      P", TAG),
    Route("articles:tag-delete", "POST",                "L    403    P      403      P", TAG),
    Route("articles:bulk-tag", "POST",                  "L    403    P      403      P"),
    Route("articles:article-tags", "GET",               "L    403    200    200      200", ARTICLE),
    Route("articles:article-tag-add", "POST",           "L    403    P      403      P", ARTICLE),
    Route("articles:article-tag-remove", "POST",        "L    403    P      403      P",
          (("pk", "article"), ("tag_pk", "tag"))),
    Route("articles:entities", "GET",                   "L    403    200    200      200"),
    Route("articles:entity", "GET",                     "L    403    200    200      200", ENTITY),
    Route("articles:speakers", "GET",                   "L    403    200    200      200"),
    Route("articles:export", "GET",                     "L    403    200    200      200"),
    # Sources
    Route("articles:sources", "GET",                    "L    403    200    200      200"),
    Route("articles:sources-speakers-csv", "GET",       "L    403    200    200      200"),
    Route("articles:sources-chart-csv", "GET",          "L    403    200    200      200",
          (("name", "genders"),)),
    Route("articles:sources-speaker", "GET",            "L    403    200    200      200", ENTITY),
    Route("articles:sources-speaker", "POST",           "L    403    403    P        P", ENTITY),
    Route("articles:sources-speaker-undo", "POST",      "L    403    403    P        P", ENTITY),
    # Admin and accounts
    Route("admin:index", "GET",                         "A    A      A      A        200"),
    Route("admin:login", "GET",                         "200  200    200    200      R"),
    Route("admin:articles_article_changelist", "GET",   "L    A      A      A        200"),
    Route("admin:articles_article_change", "GET",       "L    A      A      A        200",
          (("object_id", "article"),)),
    Route("admin:auth_user_changelist", "GET",          "L    A      A      A        200"),
    Route("login", "GET",                               "200  200    200    200      200"),
    Route("logout", "POST",                             "L    L      L      L        L"),
    Route("password_change", "GET",                     "L    200    200    200      200"),
    Route("password_change_done", "GET",                "L    200    200    200      200"),
    Route("api-token", "GET",                           "L    403    200    200      200"),
    Route("api-token", "POST",                          "L    403    400    400      400"),
]  # fmt: skip
POST_ONLY = [
    route
    for route in MATRIX
    if route.method == "POST"
    and not any(other.name == route.name and other.method == "GET" for other in MATRIX)
    and route.name != "login"
]


def matrix_cases():
    for route in MATRIX:
        for role, expected in zip(ROLES, route.expected.split(), strict=True):
            expected = int(expected) if expected.isdigit() else expected
            marks = [pytest.mark.xfail(strict=True, reason=route.bug)]
            yield pytest.param(
                route,
                role,
                expected,
                id=f"{route.method} {route.name} {role}",
                marks=marks if role in route.broken_for else [],
            )


@pytest.fixture
def objects(make_article) -> dict[str, object]:
    """One of everything a URL can name."""
    article = make_article(body="The mayor said the plan would work well.")
    entity = Entity.objects.create(name="Mayor", label="PERSON", key="mayor")
    mention = Mention.objects.create(
        article=article, start=4, end=9, text="mayor", entity=entity, label="PERSON"
    )
    quote = Quote.objects.create(article=article, start=10, end=40, text=article.body[10:40])
    tag = Tag.objects.create(name="Politics")
    article.tags.add(tag)
    import_job = ImportJob.objects.create(filename="feed.jsonl", data=b"", lines=1)
    return {
        "article": article,
        "entity": entity,
        "mention": mention,
        "quote": quote,
        "tag": tag,
        "import_job": import_job,
    }


@pytest.fixture
def role_client(make_user):
    def make(role: str, **client_options) -> Client:
        client = Client(**client_options)
        if role != "anonymous":
            group = None if role == "nobody" else role
            client.force_login(make_user(group, is_staff=role == "admin"))
        return client

    return make


def check_status(response, expected: str | int) -> None:
    location = response.get("Location", "")
    logins = (reverse("login"), reverse("admin:login"))
    if expected == "L":
        assert (response.status_code, location.split("?")[0]) == (302, reverse("login"))
    elif expected == "A":
        assert (response.status_code, location.split("?")[0]) == (302, reverse("admin:login"))
    elif expected == "R":
        assert response.status_code == 302
        assert not location.startswith(logins)
    elif expected == "P":
        assert response.status_code not in {403, 405}
        assert response.status_code < 500
        assert not location.startswith(logins)
    else:
        assert response.status_code == expected


@pytest.mark.parametrize(("route", "role", "expected"), list(matrix_cases()))
def test_permission_matrix(route, role, expected, role_client, objects):
    client = role_client(role, raise_request_exception=False)
    response = getattr(client, route.method.lower())(route.url(objects))
    check_status(response, expected)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", POST_ONLY, ids=lambda route: route.name)
def test_get_on_post_only_urls_is_refused(route, role, role_client, objects):
    response = role_client(role).get(route.url(objects))
    check_status(response, "L" if role == "anonymous" else 405)


def test_every_url_is_in_the_matrix():
    def names(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from names(pattern.url_patterns, prefix)
            else:
                yield prefix + pattern.name

    in_matrix = {route.name for route in MATRIX}
    assert set(names(article_urls.urlpatterns, "articles:")) - in_matrix == set()
    assert set(names(project_urls.accounts)) - in_matrix == set()


def test_anonymous_is_sent_back_to_the_page_after_login(client, make_article):
    url = make_article().get_absolute_url()
    response = client.get(url)
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_retry_queues_a_failed_article_again(role_client, make_article):
    article = make_article(status=Article.Status.FAILED, attempts=3, last_error="boom")
    response = role_client("reviewer").post(reverse("articles:retry", args=[article.pk]))
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.status, article.attempts, article.last_error) == ("queued", 0, "")


def test_retry_refused_to_an_editor_changes_nothing(role_client, make_article):
    article = make_article(status=Article.Status.FAILED, attempts=3, last_error="boom")
    response = role_client("editor").post(reverse("articles:retry", args=[article.pk]))
    assert response.status_code == 403
    article.refresh_from_db()
    assert (article.status, article.attempts) == ("failed", 3)


def test_retry_button_only_for_those_who_may_retry(role_client, make_article):
    article = make_article(status=Article.Status.FAILED, attempts=1, last_error="boom")
    retry_url = reverse("articles:retry", args=[article.pk])
    assert retry_url in role_client("reviewer").get(article.get_absolute_url()).text
    assert retry_url not in role_client("editor").get(article.get_absolute_url()).text


def test_upload_link_only_for_those_who_may_upload(role_client):
    upload_url = reverse("articles:upload")
    assert f'href="{upload_url}"' in role_client("editor").get("/").text
    assert f'href="{upload_url}"' not in role_client("reviewer").get("/").text


# --- CSRF ----------------------------------------------------------------------------------------

POST_ROUTES = [route for route in MATRIX if route.method == "POST"] + [
    Route("login", "POST", "200  200    200    200      200")
]


@pytest.fixture
def csrf_client(make_user):
    def make(role: str) -> tuple[Client, str]:
        """A client that enforces CSRF, and a token taken from a rendered page."""
        client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        if role != "anonymous":
            client.force_login(make_user(role, is_staff=role == "admin"))
        page = client.get(reverse("login")).text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return client, token

    return make


@pytest.mark.parametrize("route", POST_ROUTES, ids=lambda route: route.name)
def test_post_without_csrf_token_is_refused(route, csrf_client, objects):
    client, _token = csrf_client("admin")
    before = Article.objects.count(), Tag.objects.count(), Quote.objects.count()
    response = client.post(route.url(objects), {"text": "Headline\nBody.", "name": "New"})
    assert response.status_code == 403
    assert b"CSRF" in response.content
    assert (Article.objects.count(), Tag.objects.count(), Quote.objects.count()) == before


@pytest.mark.parametrize("via", ["form-field", "header"])
@pytest.mark.parametrize("route", POST_ROUTES, ids=lambda route: route.name)
def test_post_with_csrf_token_is_accepted(route, via, csrf_client, objects):
    client, token = csrf_client("admin")
    data = {"text": "Headline\nBody.", "name": "New"}
    if via == "header":
        response = client.post(route.url(objects), data, headers={"X-CSRFToken": token})
    else:
        response = client.post(route.url(objects), {**data, "csrfmiddlewaretoken": token})
    assert response.status_code != 403


def test_htmx_token_in_body_tag_is_accepted(csrf_client):
    # htmx sends the token from <body hx-headers=...>; it must be one the server accepts.
    client, _token = csrf_client("editor")
    page = client.get(reverse("articles:upload")).text
    headers = json.loads(html.unescape(re.search(r"hx-headers='([^']+)'", page).group(1)))
    response = client.post(
        reverse("articles:upload-text"),
        {"text": "Token check\nThe token from the body tag works."},
        headers={**headers, "HX-Request": "true"},
    )
    assert response.status_code == 200
    assert Article.objects.filter(title="Token check").exists()


# --- Upload --------------------------------------------------------------------------------------

MAX_UPLOAD_MB = 0.125  # 128 KiB: big enough for a .docx, small enough to test "too large"
STORY = "Harbour reopens\n\nThe harbour reopened on Monday after storms.\n\nFishing resumed."


def docx_bytes(title: str, *paragraphs: str) -> bytes:
    document = docx.Document()
    document.core_properties.title = title
    document.core_properties.author = "Desk Reporter"
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def mixed_batch() -> list[tuple[str, bytes]]:
    jsonl = "\n".join(
        [
            json.dumps({"id": "feed-1", "title": "Feed story", "text": "The feed had news."}),
            json.dumps({"title": "No text here"}),
        ]
    )
    page = (
        "<html><head><title>Market hall restored</title></head><body><article>"
        "<h1>Market hall restored</h1><p>The old market hall has been restored by volunteers "
        "over three summers, and it opens to traders again this weekend.</p>"
        "<p>Stallholders said they were delighted to be back under its iron roof.</p>"
        "</article></body></html>"
    )
    return [
        ("story.txt", STORY.encode()),
        ("market.html", page.encode()),
        ("budget.docx", docx_bytes("Budget approved", "The council approved the budget.")),
        ("feed.jsonl", jsonl.encode()),
        ("empty.txt", b""),
        ("binary.txt", bytes(range(256)) * 4),
        ("huge.txt", b"Too big\n" + b"word " * 40_000),
        ("scan.pdf", b"%PDF-1.7\n1 0 obj"),
    ]


EXPECTED_BATCH = {
    "story.txt": ("created", "Harbour reopens"),
    "market.html": ("created", "Market hall restored"),
    "budget.docx": ("created", "Budget approved"),
    "feed.jsonl line 1": ("created", "Feed story"),
    "feed.jsonl line 2": ("rejected", 'The "text" field is missing or empty'),
    "empty.txt": ("rejected", "The file is empty"),
    "binary.txt": ("rejected", "This is a binary file, not text"),
    "huge.txt": ("rejected", "The file is too large (0.2 MB; the limit is 0.125 MB)"),
    "scan.pdf": ("rejected", "“.pdf” files are not supported"),
}

ROW = re.compile(
    r'<tr class="result result--(?P<outcome>\w+)">\s*<td>(?P<label>.*?)</td>'
    r"\s*<td>.*?</td>\s*<td>(?P<details>.*?)</td>\s*</tr>",
    re.S,
)


def result_rows(page: str) -> dict[str, tuple[str, str]]:
    """{label: (outcome, details as text)} for each result row of the upload page."""
    rows = {}
    for match in ROW.finditer(page):
        details = html.unescape(re.sub(r"<[^>]+>", "", match["details"]))
        rows[html.unescape(match["label"])] = (match["outcome"], " ".join(details.split()))
    return rows


def files(batch: list[tuple[str, bytes]]) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(name, data) for name, data in batch]


def check_batch_outcome(rows: dict[str, tuple[str, str]], editor) -> None:
    assert set(rows) == set(EXPECTED_BATCH)
    for label, (outcome, text) in EXPECTED_BATCH.items():
        assert rows[label][0] == outcome, label
        assert text in rows[label][1], label
    created = Article.objects.order_by("title")
    assert [a.title for a in created] == [
        "Budget approved",
        "Feed story",
        "Harbour reopens",
        "Market hall restored",
    ]
    assert {a.status for a in created} == {Article.Status.QUEUED}
    assert all(a.uploaded_by == editor and a.next_attempt_at is not None for a in created)
    assert {a.original_filename for a in created} == {
        "budget.docx",
        "feed.jsonl",
        "story.txt",
        "market.html",
    }


@pytest.fixture
def editor_client(editor):
    client = Client()
    client.force_login(editor)
    return client


@pytest.fixture
def small_uploads(settings):
    settings.NEWSROOM_MAX_UPLOAD_MB = MAX_UPLOAD_MB


def test_upload_mixed_batch_without_javascript(editor_client, editor, small_uploads):
    response = editor_client.post(reverse("articles:upload"), {"files": files(mixed_batch())})
    assert response.status_code == 200
    assert "<html" in response.text
    rows = result_rows(response.text)
    check_batch_outcome(rows, editor)
    story = Article.objects.get(title="Harbour reopens")
    assert f'href="{story.get_absolute_url()}"' in response.text
    assert "Queued for extraction" in rows["story.txt"][1]
    feed = Article.objects.get(external_id="feed-1")
    assert feed.body == "The feed had news."
    assert Article.objects.get(title="Budget approved").byline == "Desk Reporter"


def test_upload_mixed_batch_one_file_per_htmx_request(editor_client, editor, small_uploads):
    rows = {}
    for upload in files(mixed_batch()):
        response = editor_client.post(
            reverse("articles:upload-file"), {"file": upload}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 200
        # A partial: only the rows, ready to replace the pending row in the table.
        assert response.text.lstrip().startswith("<tr")
        assert "<html" not in response.text
        assert "<table" not in response.text
        rows.update(result_rows(response.text))
    check_batch_outcome(rows, editor)


def test_upload_with_no_file_says_so(editor_client):
    response = editor_client.post(reverse("articles:upload"))
    assert result_rows(response.text) == {"Upload": ("rejected", "No file was chosen")}
    response = editor_client.post(reverse("articles:upload-file"), headers={"HX-Request": "true"})
    assert result_rows(response.text) == {"Upload": ("rejected", "No file was received")}
    assert not Article.objects.exists()


def test_rejected_files_create_nothing(editor_client, small_uploads):
    rejects = [item for item in mixed_batch() if item[0] in {"empty.txt", "binary.txt", "huge.txt"}]
    rejects.append(("scan.pdf", b"%PDF-1.7"))
    response = editor_client.post(reverse("articles:upload"), {"files": files(rejects)})
    assert {outcome for outcome, _ in result_rows(response.text).values()} == {"rejected"}
    assert not Article.objects.exists()


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_duplicate_upload_links_to_the_existing_article(editor_client, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    url = reverse("articles:upload-file")
    editor_client.post(url, {"file": SimpleUploadedFile("story.txt", STORY.encode())})
    original = Article.objects.get()
    # Same words, different spacing and case: the same article.
    again = STORY.upper().replace("\n\n", "\r\n \r\n").encode()
    response = editor_client.post(
        url, {"file": SimpleUploadedFile("copy.txt", again)}, headers=headers
    )
    rows = result_rows(response.text)
    assert rows["copy.txt"][0] == "duplicate"
    assert "Already in the archive" in rows["copy.txt"][1]
    assert f'<a href="{original.get_absolute_url()}">Harbour reopens</a>' in response.text
    assert Article.objects.count() == 1


def test_duplicates_within_one_batch_are_reported(editor_client):
    batch = [("a.txt", STORY.encode()), ("b.txt", STORY.encode())]
    rows = result_rows(editor_client.post(reverse("articles:upload"), {"files": files(batch)}).text)
    assert (rows["a.txt"][0], rows["b.txt"][0]) == ("created", "duplicate")
    assert Article.objects.count() == 1


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_pasted_text(editor_client, editor, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    response = editor_client.post(
        reverse("articles:upload-text"),
        {"title": "", "text": "Pasted headline\r\n\r\nIt was pasted.\x1b"},
        headers=headers,
    )
    assert response.status_code == 200
    assert ("<html" in response.text) is not htmx
    article = Article.objects.get()
    assert (article.title, article.body, article.status) == (
        "Pasted headline",
        "It was pasted.",
        Article.Status.QUEUED,
    )
    assert article.uploaded_by == editor
    assert result_rows(response.text)["Pasted text"][0] == "created"


def test_pasted_text_with_title_and_duplicate(editor_client):
    url = reverse("articles:upload-text")
    editor_client.post(url, {"title": "My title", "text": "Body of the paste."})
    assert Article.objects.get().title == "My title"
    response = editor_client.post(url, {"title": "Other", "text": "body  of the PASTE."})
    assert result_rows(response.text)["Other"][0] == "duplicate"
    assert Article.objects.count() == 1


def test_pasted_text_with_a_nul_character_is_cleaned_not_refused(editor_client):
    response = editor_client.post(
        reverse("articles:upload-text"), {"title": "From a PDF", "text": "Copied\x00 text."}
    )
    assert result_rows(response.text)["From a PDF"][0] == "created"
    assert Article.objects.get().body == "Copied text."


@pytest.mark.parametrize("text", ["", "   \n  "])
def test_pasted_text_empty_is_rejected(editor_client, text):
    response = editor_client.post(
        reverse("articles:upload-text"), {"title": "Nothing", "text": text}
    )
    assert result_rows(response.text) == {"Nothing": ("rejected", "There is no text to import")}
    assert not Article.objects.exists()


def test_pasted_text_over_the_limit_is_rejected(editor_client, settings):
    settings.NEWSROOM_MAX_ARTICLE_CHARS = 50
    response = editor_client.post(reverse("articles:upload-text"), {"text": "x" * 51})
    [(outcome, details)] = result_rows(response.text).values()
    assert outcome == "rejected"
    assert "too long" in details
    assert not Article.objects.exists()


# --- Article list --------------------------------------------------------------------------------


def row_ids(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr id="article-(\d+)">', page)]


@pytest.fixture
def thirty_articles(make_article):
    return [make_article(title=f"Story {n:02d}") for n in range(30)]


@pytest.fixture
def reader(role_client):
    return role_client("reviewer")


def test_list_is_paginated_newest_first(reader, thirty_articles):
    newest_first = [a.pk for a in reversed(thirty_articles)]
    first = reader.get(reverse("articles:list"))
    assert row_ids(first.text) == newest_first[:25]
    assert "30 articles" in first.text and 'rel="prev"' not in first.text
    older = f'href="?after={newest_first[24]}" rel="next"'
    assert older in first.text
    second = reader.get(reverse("articles:list"), {"after": newest_first[24]})
    assert row_ids(second.text) == newest_first[25:]
    assert f'href="?before={newest_first[25]}" rel="prev"' in second.text
    assert 'rel="next"' not in second.text
    back = reader.get(reverse("articles:list"), {"before": newest_first[25]})
    assert row_ids(back.text) == newest_first[:25]
    oldest = reader.get(reverse("articles:list"), {"sort": "oldest", "after": newest_first[5]})
    assert row_ids(oldest.text) == list(reversed(newest_first[:5]))
    # Page numbers still work (old links), and nonsense cursors are the first page.
    assert row_ids(reader.get("/", {"page": 2}).text) == newest_first[25:]
    assert row_ids(reader.get("/", {"page": 99}).text) == newest_first[25:]
    assert row_ids(reader.get("/", {"page": "x"}).text) == newest_first[:25]
    assert row_ids(reader.get("/", {"after": "x"}).text) == newest_first[:25]
    assert row_ids(reader.get("/", {"after": "99999999"}).text) == newest_first[:25]


def test_a_deep_page_costs_what_the_first_does(reader, thirty_articles):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def plan(params) -> str:
        with CaptureQueriesContext(connection) as queries:
            reader.get(reverse("articles:list"), params)
        page_sql = [q["sql"] for q in queries if "LIMIT 26" in q["sql"]]
        assert len(page_sql) == 1, page_sql
        return page_sql[0]

    assert "OFFSET" not in plan({"after": thirty_articles[10].pk})
    assert "OFFSET" not in plan({})


def test_list_shows_how_far_extraction_has_got(reader, make_article):
    make_article(status=Article.Status.EXTRACTED)
    waiting = make_article()
    make_article(status=Article.Status.EXTRACTED)
    page = reader.get(reverse("articles:list")).text
    assert "1 of 2</strong> extracted" in page
    Article.objects.filter(pk=waiting.pk).update(status=Article.Status.EXTRACTED)
    assert "extracted ·" not in reader.get(reverse("articles:list")).text


def test_list_empty(reader):
    assert "No articles match." in reader.get(reverse("articles:list")).text


def test_list_filters_by_status_and_outlet(reader, make_article):
    failed = make_article(status=Article.Status.FAILED, outlet="Gazette")
    extracted = make_article(status=Article.Status.EXTRACTED, outlet="Gazette")
    queued = make_article(outlet="Courier")
    url = reverse("articles:list")
    assert row_ids(reader.get(url, {"status": "failed"}).text) == [failed.pk]
    assert row_ids(reader.get(url, {"status": "queued"}).text) == [queued.pk]
    assert row_ids(reader.get(url, {"outlet": "Gazette"}).text) == [extracted.pk, failed.pk]
    both = reader.get(url, {"outlet": "Gazette", "status": "extracted"})
    assert row_ids(both.text) == [extracted.pk]
    assert '<option value="Gazette" selected>Gazette</option>' in both.text
    # An unknown status is ignored rather than showing nothing or failing.
    assert len(row_ids(reader.get(url, {"status": "bogus"}).text)) == 3


def test_list_filters_are_kept_across_pages(reader, make_article):
    for n in range(27):
        make_article(outlet="Gazette", title=f"G{n}")
    make_article(outlet="Courier")
    page = reader.get(reverse("articles:list"), {"outlet": "Gazette"}).text
    last = row_ids(page)[-1]
    assert f'href="?outlet=Gazette&amp;after={last}"' in page
    second = reader.get(reverse("articles:list"), {"outlet": "Gazette", "after": last})
    assert len(row_ids(second.text)) == 2


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("newest", ["Cedar", "Birch", "Alder"]),
        ("oldest", ["Alder", "Birch", "Cedar"]),
        ("title", ["Alder", "Birch", "Cedar"]),
        ("published", ["Birch", "Cedar", "Alder"]),
        ("", ["Cedar", "Birch", "Alder"]),
    ],
)
def test_list_sort(reader, make_article, sort, expected):
    import datetime as dt

    make_article(title="Alder", published=dt.date(2020, 1, 1))
    make_article(title="Birch", published=dt.date(2024, 1, 1))
    make_article(title="Cedar", published=dt.date(2022, 1, 1))
    page = reader.get(reverse("articles:list"), {"sort": sort}).text
    titles = re.findall(r'<td class="table__title"><a href="[^"]+">([^<]+)</a>', page)
    assert titles == expected


def test_list_htmx_request_gets_the_table_partial(reader, thirty_articles):
    response = reader.get(reverse("articles:list"), {"page": 2}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="article-table"')
    assert "<html" not in response.text
    assert 'class="filters"' not in response.text
    assert len(row_ids(response.text)) == 5
    assert "HX-Request" in response["Vary"]


def test_list_polls_only_while_something_is_pending(reader, make_article):
    url = reverse("articles:list")
    done = make_article(status=Article.Status.EXTRACTED)
    make_article(status=Article.Status.FAILED)
    for headers in ({}, {"HX-Request": "true"}):
        assert "hx-trigger" not in reader.get(url, headers=headers).text
    make_article(status=Article.Status.PROCESSING)
    for headers in ({}, {"HX-Request": "true"}):
        page = reader.get(url, {"status": ""}, headers=headers).text
        assert 'hx-trigger="every 3s"' in page
        assert 'hx-get="/?status="' in page
    # Polling follows what is on the page, not the whole archive.
    filtered = reader.get(url, {"status": "extracted"}).text
    assert row_ids(filtered) == [done.pk]
    assert "hx-trigger" not in filtered


@pytest.mark.parametrize(
    ("status", "polls"),
    [("queued", True), ("processing", True), ("extracted", False), ("failed", False)],
)
def test_article_page_polls_only_while_pending(reader, make_article, status, polls):
    article = make_article(status=status)
    page = reader.get(article.get_absolute_url()).text
    assert ('hx-trigger="every 3s"' in page) is polls
    partial = reader.get(article.get_absolute_url(), headers={"HX-Request": "true"})
    assert partial.text.lstrip().startswith('<div id="extraction-status"')
    assert "<html" not in partial.text
    assert ('hx-trigger="every 3s"' in partial.text) is polls


def test_missing_article_is_404(reader):
    assert reader.get(reverse("articles:detail", args=[987654])).status_code == 404


# --- Escaping ------------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
ESCAPED_IMG = "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"


@pytest.fixture
def hostile_article(make_article):
    return make_article(
        title=f"Title {SCRIPT} {IMG}",
        body=f"First {SCRIPT}\n\nSecond {IMG}",
        byline=f"By {SCRIPT}{IMG}",
        outlet=f"Outlet {IMG}{SCRIPT}",
        original_filename=f"{IMG}.txt",
    )


@pytest.mark.parametrize("page", ["detail", "list"])
def test_hostile_text_is_escaped(reader, hostile_article, page):
    url = hostile_article.get_absolute_url() if page == "detail" else reverse("articles:list")
    text = reader.get(url).text
    assert SCRIPT not in text
    assert "<img" not in text
    assert "onerror=alert(1)>" not in text
    assert ESCAPED_SCRIPT in text
    assert ESCAPED_IMG in text
    assert text.count("<script") == text.count('<script src="')  # only our own scripts


def test_hostile_file_names_are_escaped_in_upload_results(editor_client):
    response = editor_client.post(
        reverse("articles:upload"),
        {"files": [SimpleUploadedFile(f"{IMG}.txt", b"Headline\nBody.")]},
    )
    assert "<img" not in response.text
    assert ESCAPED_IMG in response.text


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("feed.jsonl", json.dumps({"text": "Linked.", "url": "javascript:alert(1)"}).encode()),
        ("feed.jsonl", json.dumps({"text": "Linked.", "url": " JavaScript:alert(1)"}).encode()),
        (
            "page.html",
            b'<html><head><link rel="canonical" href="javascript:alert(1)">'
            b'<meta property="og:url" content="javascript:alert(1)"></head><body><article>'
            b"<p>Linked from a page whose canonical address is a script, which must not become "
            b"the source link of the stored article.</p></article></body></html>",
        ),
    ],
    ids=["jsonl", "jsonl-mixed-case", "html"],
)
def test_javascript_urls_are_not_stored(editor_client, reader, name, data):
    editor_client.post(reverse("articles:upload"), {"files": [SimpleUploadedFile(name, data)]})
    article = Article.objects.get()
    assert article.source_url == ""
    assert "javascript:" not in reader.get(article.get_absolute_url()).text.lower()


def test_http_source_url_is_linked(editor_client, reader):
    data = json.dumps({"text": "Linked.", "url": "https://news.example/a?b=1&c=2"}).encode()
    editor_client.post(reverse("articles:upload"), {"files": [SimpleUploadedFile("f.jsonl", data)]})
    page = reader.get(Article.objects.get().get_absolute_url()).text
    assert 'href="https://news.example/a?b=1&amp;c=2" rel="noopener noreferrer nofollow"' in page


# --- Query counts --------------------------------------------------------------------------------


def list_queries(client: Client, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("articles:list"), params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("params", [{}, {"status": "queued", "sort": "title"}])
def test_list_queries_do_not_grow_with_articles(reader, make_article, make_user, params):
    tags = [Tag.objects.create(name=f"Tag {n}") for n in range(3)]

    def add(count: int) -> None:
        for n in range(count):
            article = make_article(outlet=f"Outlet {n % 7}", uploaded_by=make_user("editor"))
            article.tags.add(*tags[: n % 4])

    add(5)
    with_five = list_queries(reader, **params)
    add(25)
    with_thirty = list_queries(reader, **params)
    assert with_five == with_thirty
    # Session, user, permissions, count, page, outlets, tags: a small constant.
    assert with_thirty <= 10


def test_article_page_queries_do_not_grow_with_its_quotes_and_mentions(
    reader, make_article, editor
):
    body = " ".join(f"Speaker{n} said “statement number {n}.”" for n in range(8))

    def article_with(count: int) -> Article:
        article = make_article(
            body=f"{body} ({count})", uploaded_by=editor, status=Article.Status.EXTRACTED
        )
        for n in range(count):
            start = body.index(f"Speaker{n} ")
            entity = Entity.objects.create(name=f"Speaker{n}", label="PERSON", key=f"sp{n}")
            Mention.objects.create(
                article=article, entity=entity, label="PERSON", start=start, end=start + 8,
                text=f"Speaker{n}",
            )  # fmt: skip
            quote_start = body.index(f"statement number {n}")
            Quote.objects.create(
                article=article, start=quote_start, end=quote_start + 18, speaker=entity,
                text=body[quote_start : quote_start + 18], speaker_text=f"Speaker{n}",
            )  # fmt: skip
            article.tags.add(Tag.objects.create(name=f"Tag {article.pk}-{n}"))
        return article

    def queries(article: Article) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = reader.get(article.get_absolute_url())
        assert response.status_code == 200
        return len(captured)

    assert queries(article_with(1)) == queries(article_with(6))


# --- Content-Security-Policy ---------------------------------------------------------------------

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def csp(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.mark.parametrize("role", ["anonymous", "editor", "admin"])
@pytest.mark.parametrize(
    "route", [route for route in MATRIX if route.method == "GET"], ids=lambda route: route.name
)
def test_every_page_sends_the_content_security_policy(route, role, role_client, objects):
    response = role_client(role).get(route.url(objects))
    assert csp(response) == POLICY


@pytest.mark.parametrize(
    ("method", "url", "headers"),
    [
        ("get", "/articles/999999/", {}),  # 404
        ("get", "/search/?page=501", {}),  # 400, refused
        ("get", "/search/?tag=x", {"HX-Request": "true"}),
        ("post", "/upload/text/", {"HX-Request": "true"}),  # an htmx partial
        ("post", "/tags/new/", {}),  # 400, a form with an error
    ],
)
def test_errors_and_partials_send_it_too(role_client, method, url, headers):
    response = getattr(role_client("admin"), method)(url, headers=headers)
    assert csp(response) == POLICY


TEMPLATES = sorted((Path(__file__).resolve().parents[1] / "templates").rglob("*.html"))
# What the policy forbids, or htmx could only do with eval: inline scripts, event-handler and
# style attributes, hx-on, trigger filters ([...]) and hx-vals/hx-vars with JavaScript.
FORBIDDEN = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "event handler": re.compile(r"\son[a-z]+\s*=", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "style element": re.compile(r"<style\b", re.I),
    "hx-on": re.compile(r"\s(data-)?hx-on"),
    "trigger filter": re.compile(r"hx-trigger=\"[^\"]*\["),
    "evaluated values": re.compile(r"hx-vars|hx-vals=['\"]js:"),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_no_template_needs_what_the_policy_forbids(template):
    text = template.read_text()
    found = {name for name, pattern in FORBIDDEN.items() if pattern.search(text)}
    assert found == set()


@pytest.mark.parametrize(
    ("value", "setting"),
    [("", "CONTENT_SECURITY_POLICY"), ("1", "CONTENT_SECURITY_POLICY_REPORT_ONLY")],
)
def test_report_only_mode_is_an_environment_variable(value, setting):
    code = (
        "from django.conf import settings; "
        "print(' '.join(n for n in dir(settings) if n.startswith('CONTENT_SECURITY_POLICY')))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DATABASE_URL": "postgres://nobody@localhost/none",  # never connected to
        "NEWSROOM_CSP_REPORT_ONLY": value,
    }
    found = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert found == [setting]


def test_report_only_mode_sends_the_report_only_header(role_client, settings):
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = settings.CONTENT_SECURITY_POLICY
    del settings.CONTENT_SECURITY_POLICY
    response = role_client("editor").get(reverse("articles:list"))
    assert "Content-Security-Policy" not in response
    assert "default-src 'self'" in response["Content-Security-Policy-Report-Only"]
