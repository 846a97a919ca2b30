"""Hostile and broken uploads: each gets a clear refusal; nothing else is lost or half-written."""

from __future__ import annotations

import io
import json
import time
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from articles.intake import ingest
from articles.models import Article
from tests.intake.samples import forged_docx_bomb

MAX_BYTES, MAX_CHARS = 10 * 1024 * 1024, 400_000


def parse(filename: str, data: bytes) -> list[ingest.ParsedItem]:
    return ingest.parse_upload(filename, data, max_bytes=MAX_BYTES, max_chars=MAX_CHARS)


def verdicts(filename: str, data: bytes) -> dict[str, str]:
    return {
        i.label: (i.draft.title if i.draft else "refused: " + i.error)
        for i in parse(filename, data)
    }


def jsonl(*records) -> bytes:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in records).encode()


GOOD_1 = {"title": "First", "text": "The first article."}
GOOD_3 = {"title": "Third", "text": "The third article."}


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        pytest.param({"id": "a\u0000b", "text": "T."}, '"id" field holds control', id="nul-id"),
        pytest.param(
            {"url": "https://x.example/a\u0000b", "text": "T."},
            '"url" field holds control',
            id="nul-url",
        ),
        pytest.param('{"id": "\\ud800", "text": "T."}', '"id" field holds control', id="surrogate"),
        pytest.param({"id": "x" * 201, "text": "T."}, '"id" field is too long', id="long-id"),
        pytest.param({"url": "https://x/" + "a" * 2000, "text": "T."}, "too long", id="long-url"),
        pytest.param(
            {"title": ["a", "list"], "text": "T."}, '"title" field must be text', id="list"
        ),
        pytest.param(
            '{"text": "T.", "n": ' + "9" * 5000 + "}", "not JSON that can be read", id="digits"
        ),
        pytest.param("[" * 200_000, "not JSON that can be read", id="nested"),
    ],
)
def test_a_bad_jsonl_line_is_refused_alone(bad, reason):
    found = verdicts("feed.jsonl", jsonl(GOOD_1, bad, GOOD_3))
    assert found["feed.jsonl line 1"] == "First"
    assert found["feed.jsonl line 3"] == "Third"
    assert found["feed.jsonl line 2"].startswith("refused: ")
    assert reason in found["feed.jsonl line 2"]


def test_surrogates_and_controls_in_free_text_are_cleaned_not_refused():
    [item] = parse("feed.jsonl", b'{"title": "A\\ud800B\\u0000C", "text": "Body\\udfff text."}')
    assert item.draft is not None
    assert (item.draft.title, item.draft.body) == ("ABC", "Body text.")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param("\ufeffHeading\nBody.".encode("utf-16-le") + b"x", "cut short", id="odd"),
        pytest.param(b"\xff\xfe" + b"A\x00" + b"\x00\xd8" + b"B\x00", "damaged", id="lone"),
        pytest.param(
            "Heading\nBody text.".encode("utf-16-le") + b"\x00\xd8",
            "without a byte-order",
            id="nobom",
        ),
    ],
)
def test_broken_utf16_is_refused_with_a_reason(data, reason):
    [item] = parse("wide.txt", data)
    assert item.draft is None and reason in item.error and "UTF-16" in item.error


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_read(encoding):
    [item] = parse("wide.txt", "Storm warning\nThe coast braces for “gales”.".encode(encoding))
    assert item.draft is not None
    assert (item.draft.title, item.draft.body) == ("Storm warning", "The coast braces for “gales”.")


def test_a_docx_with_forged_sizes_is_refused_without_being_inflated():
    data = forged_docx_bomb(300 * 1024 * 1024)
    assert len(data) < 1024 * 1024  # a small upload that would inflate 300 MB
    tracemalloc.start()
    try:
        [item] = parse("bomb.docx", data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert item.draft is None and "damaged" in item.error
    assert peak < 20 * 1024 * 1024


def test_a_docx_that_really_inflates_too_far_is_refused_in_chunks(monkeypatch):
    monkeypatch.setattr(ingest, "DOCX_MAX_RATIO", 10**9)
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/document.xml", "w") as member,
    ):
        for _ in range(60):
            member.write(bytes(1024 * 1024))
    tracemalloc.start()
    try:
        [item] = parse("big.docx", buffer.getvalue())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "unsafe size" in item.error
    assert peak < 20 * 1024 * 1024


def test_html_too_large_is_refused_before_parsing():
    [item] = parse("huge.html", b"<p>" + b"x" * (ingest.HTML_MAX_CHARS + 1) + b"</p>")
    assert item.draft is None and "too large to read" in item.error


def test_html_with_too_many_elements_is_refused_before_parsing():
    html = "<html><body><p>" + "<span>x</span>" * 300_000 + "</p></body></html>"
    started = time.monotonic()
    [item] = parse("spans.html", html.encode())
    assert item.draft is None and "too many elements" in item.error
    assert time.monotonic() - started < 5


# --- Through the upload views ------------------------------------------------------------------


@pytest.fixture
def editor_client(client_for):
    return client_for("editor")


def test_a_bad_file_in_a_batch_loses_nothing_else(editor_client):
    batch = [
        SimpleUploadedFile("good.txt", b"Good story\n\nThe first good story."),
        SimpleUploadedFile("feed.jsonl", jsonl(GOOD_1, {"id": "a\u0000b", "text": "X."}, GOOD_3)),
        SimpleUploadedFile("last.txt", b"Last story\n\nThe last good story."),
    ]
    response = editor_client.post(reverse("articles:upload"), {"files": batch})
    assert response.status_code == 200
    titles = set(Article.objects.values_list("title", flat=True))
    assert titles == {"Good story", "First", "Third", "Last story"}
    assert "holds control characters" in response.text


@override_settings(DATA_UPLOAD_MAX_NUMBER_FILES=5)
def test_too_many_files_in_one_post_get_a_message_on_the_upload_page(editor_client):
    batch = [SimpleUploadedFile(f"s{n}.txt", f"Story {n}\n\nText {n}.".encode()) for n in range(6)]
    response = editor_client.post(reverse("articles:upload"), {"files": batch})
    assert response.status_code == 400
    assert "Upload articles" in response.text  # the upload page, not a bare error
    assert "too many files in one upload (the limit is 5)" in response.text.lower()
    assert not Article.objects.exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100_000)
def test_a_paste_too_large_to_read_gets_a_verdict_row(editor_client):
    response = editor_client.post(
        reverse("articles:upload-text"),
        {"title": "", "text": "word " * 50_000},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'class="result result--rejected"' in response.text
    assert "the text is too large to read" in response.text.lower()
    assert not Article.objects.exists()


def test_an_unreadable_multipart_request_gets_a_verdict(editor_client):
    # A file name whose encoded part headers exceed what Django's parser accepts.
    name = "\U0001f4f0" * 1000 + ".txt"
    upload = SimpleUploadedFile(name, b"Story\n\nText.")
    response = editor_client.post(
        reverse("articles:upload-file"), {"file": upload}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert 'class="result result--' in response.text
    assert Article.objects.count() <= 1  # stored under a shortened name, or refused: no 500
