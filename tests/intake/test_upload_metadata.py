"""Metadata given at upload: the paste form's details, and the file upload's defaults for
articles that give no outlet or date, all checked by ingest like the files' own fields."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from articles.intake import ingest, jobs
from articles.models import Article, ImportJob
from tests.test_views import result_rows

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def editor_client(editor):
    client = Client()
    client.force_login(editor)
    return client


def test_the_upload_page_asks_for_details_and_defaults(editor_client):
    page = editor_client.get(reverse("articles:upload")).content.decode()
    for name in ("outlet", "byline", "published", "source_url"):
        assert f'name="{name}"' in page
    assert page.count("data-upload-default") == 2


def test_pasted_text_with_its_details(editor_client):
    response = editor_client.post(
        reverse("articles:upload-text"),
        {
            "title": "Harbour reopens",
            "text": "The harbour reopened on Monday.",
            "outlet": "  The Harbour\tGazette ",
            "byline": "Ann Lee",
            "published": "2024-05-01",
            "source_url": "gazette.example/harbour",
        },
        headers=HTMX,
    )
    assert result_rows(response.text)["Harbour reopens"][0] == "created"
    article = Article.objects.get()
    assert (article.outlet, article.byline, article.published, article.source_url) == (
        "The Harbour Gazette",
        "Ann Lee",
        dt.date(2024, 5, 1),
        "https://gazette.example/harbour",
    )


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("source_url", "javascript:alert(1)", "The URL was refused"),
        ("published", "2024-02-30", "The date was refused"),
        ("outlet", "x" * 201, "The outlet was refused"),
        ("byline", "a\x00b", "The byline was refused"),
    ],
)
def test_a_bad_detail_refuses_the_paste_and_says_which(editor_client, field, value, said):
    response = editor_client.post(
        reverse("articles:upload-text"),
        {"title": "T", "text": "Some text.", field: value},
        headers=HTMX,
    )
    [(outcome, details)] = result_rows(response.text).values()
    assert outcome == "rejected" and details.startswith(said)
    assert not Article.objects.exists()


def test_file_defaults_fill_in_only_what_a_file_leaves_out(editor_client):
    url = reverse("articles:upload-file")
    defaults = {"outlet": "Wire Service", "published": "2024-06-01"}
    plain = SimpleUploadedFile("story.txt", b"Harbour reopens\n\nThe harbour reopened.")
    editor_client.post(url, {"file": plain, **defaults}, headers=HTMX)
    lines = [
        {"title": "Own outlet", "text": "A story with an outlet.", "outlet": "Own Paper"},
        {"title": "Own date", "text": "A story with a date.", "published": "2020-01-02"},
    ]
    feed = SimpleUploadedFile("feed.jsonl", "\n".join(map(json.dumps, lines)).encode())
    editor_client.post(url, {"file": feed, **defaults}, headers=HTMX)
    found = {a.title: (a.outlet, a.published) for a in Article.objects.all()}
    assert found == {
        "Harbour reopens": ("Wire Service", dt.date(2024, 6, 1)),
        "Own outlet": ("Own Paper", dt.date(2024, 6, 1)),
        "Own date": ("Wire Service", dt.date(2020, 1, 2)),
    }


def test_file_defaults_without_javascript(editor_client):
    plain = SimpleUploadedFile("story.txt", b"Harbour reopens\n\nThe harbour reopened.")
    response = editor_client.post(
        reverse("articles:upload"), {"files": [plain], "outlet": "Wire Service"}
    )
    assert result_rows(response.text)["story.txt"][0] == "created"
    assert Article.objects.get().outlet == "Wire Service"
    assert 'value="Wire Service"' in response.text  # kept for the next files


def test_a_bad_default_stores_nothing(editor_client):
    plain = SimpleUploadedFile("story.txt", b"Harbour reopens\n\nThe harbour reopened.")
    response = editor_client.post(
        reverse("articles:upload-file"),
        {"file": plain, "published": "someday"},
        headers=HTMX,
    )
    [(outcome, details)] = result_rows(response.text).values()
    assert outcome == "rejected" and "default date was refused" in details
    assert not Article.objects.exists()


def test_background_imports_keep_the_defaults(editor):
    lines = [json.dumps({"title": f"Story {n}", "text": f"Story number {n}."}) for n in range(3)]
    defaults = ingest.Defaults("Wire Service", dt.date(2024, 6, 1))
    job = jobs.queue_import("feed.jsonl", "\n".join(lines).encode(), editor, defaults=defaults)
    assert (job.default_outlet, job.default_published) == ("Wire Service", dt.date(2024, 6, 1))
    assert jobs.claim("w1", 60) == job.pk
    assert jobs.run(job.pk, "w1", 60) == "done"
    assert ImportJob.objects.get(pk=job.pk).created == 3
    assert set(Article.objects.values_list("outlet", "published")) == {
        ("Wire Service", dt.date(2024, 6, 1))
    }
