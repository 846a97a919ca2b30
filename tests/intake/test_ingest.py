"""Pure tests of intake/ingest.py and intake/text.py: bytes in, drafts or reasons out."""

from __future__ import annotations

import datetime as dt
import io
import json
import unicodedata
import zipfile

import docx
import pytest

from articles.intake import ingest
from articles.intake.ingest import parse_pasted, parse_upload
from articles.intake.text import content_hash, decode_bytes, normalise_text

MAX_BYTES = 1024 * 1024
MAX_CHARS = 20_000
BODY = (
    "The council met on Monday to discuss the new bridge.\n\n"
    "“We will build it this year,” said the mayor – and ‘soon’ — she added."
)
# Windows-1252 punctuation that Latin-1 guesses would turn into invisible C1 controls.
CP1252_PUNCTUATION = "“”‘’–—"


def parse(filename: str, data: bytes, **limits) -> list[ingest.ParsedItem]:
    limits = {"max_bytes": MAX_BYTES, "max_chars": MAX_CHARS, **limits}
    return parse_upload(filename, data, **limits)


def parse_one(filename: str, data: bytes, **limits) -> ingest.ArticleDraft:
    [item] = parse(filename, data, **limits)
    assert item.error == ""
    assert item.draft is not None
    return item.draft


def rejection(filename: str, data: bytes, **limits) -> str:
    [item] = parse(filename, data, **limits)
    assert item.draft is None, f"{filename} was accepted"
    assert item.error
    return item.error


# --- Plain text: encodings, line endings, normalisation ---------------------------------------


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param(("Bridge opens\n" + BODY).encode("utf-8"), id="utf-8"),
        pytest.param(b"\xef\xbb\xbf" + ("Bridge opens\n" + BODY).encode("utf-8"), id="utf-8-bom"),
        pytest.param(("Bridge opens\n" + BODY).encode("utf-16"), id="utf-16-bom"),
        pytest.param(
            b"\xfe\xff" + ("Bridge opens\n" + BODY).encode("utf-16-be"), id="utf-16-be-bom"
        ),
        pytest.param(("Bridge opens\n" + BODY).encode("cp1252"), id="windows-1252"),
    ],
)
def test_text_encodings_decode_to_the_same_article(encoded):
    draft = parse_one("bridge.txt", encoded)
    assert draft.title == "Bridge opens"
    assert draft.body == BODY
    assert "\ufeff" not in draft.title + draft.body


@pytest.mark.parametrize(
    "text",
    [
        "“Quoted,” she said – it’s ‘fine’ — really.",
        "He said “no” — twice.\nThen ‘maybe’ – once.",
        "The mayor’s office said the bridge would open next week.",
        "Residents complained about noise — and the council listened.",
        pytest.param("Budget — approved"),
        pytest.param("It’s here"),
        pytest.param("Café – open"),
        pytest.param(
            "Residents complained about traffic and noise in the town centre – the council "
            "will review its plans on Monday.",
            id="sentence-with-one-en-dash",
        ),
    ],
)
def test_windows_1252_curly_quotes_and_dashes_survive(text):
    decoded = decode_bytes(text.encode("cp1252"))
    assert decoded == text
    assert not any("\x80" <= char <= "\x9f" for char in decoded)


def test_windows_1252_file_keeps_every_punctuation_mark():
    text = "Bridge opens\n" + " ".join(f"{mark}word{mark}" for mark in CP1252_PUNCTUATION) + "."
    draft = parse_one("marks.txt", text.encode("cp1252"))
    assert all(mark in draft.body for mark in CP1252_PUNCTUATION)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("one\r\ntwo\r\n", "one\ntwo"),
        ("one\rtwo\r", "one\ntwo"),
        ("one\r\n\r\n\r\n\r\ntwo", "one\n\ntwo"),
        ("line   \nnext\t\n", "line\nnext"),
        ("a\u00a0b\tc", "a b c"),
        ("\ufeffstarts with a BOM", "starts with a BOM"),
    ],
    ids=["crlf", "cr", "blank-lines-collapse", "trailing-space", "nbsp-and-tab", "bom"],
)
def test_normalise_line_endings_and_spaces(raw, expected):
    assert normalise_text(raw) == expected


def test_normalise_composes_to_nfc():
    decomposed = "Cafe\u0301 in Zu\u0308rich"
    assert unicodedata.is_normalized("NFD", decomposed)
    result = normalise_text(decomposed)
    assert result == "Café in Zürich"
    assert unicodedata.is_normalized("NFC", result)


@pytest.mark.parametrize(
    "control",
    ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9d", "\ufffe"],
)
def test_normalise_removes_nul_and_control_characters(control):
    assert normalise_text(f"before{control}after") == "beforeafter"


def test_control_characters_are_removed_from_an_uploaded_file():
    # A few stray controls (below the binary threshold) are cleaned, not a reason to refuse.
    data = ("Heading\n" + BODY.replace("council", "coun\x1bcil", 1) + "\x0c").encode()
    draft = parse_one("form-feed.txt", data)
    assert draft.body == BODY


def test_paragraphs_are_kept_and_tidied():
    data = b"Title line\r\n\r\nFirst paragraph.\r\n\r\n\r\n\r\nSecond paragraph.\r\nSame para.\r\n"
    draft = parse_one("paras.txt", data)
    assert draft.body == "First paragraph.\n\nSecond paragraph.\nSame para."


@pytest.mark.parametrize(
    ("text", "filename", "title", "body_starts"),
    [
        ("Bridge opens\nThe mayor spoke.", "a.txt", "Bridge opens", "The mayor spoke."),
        ("# Markdown heading\n\nThe mayor spoke.", "a.md", "Markdown heading", "The mayor spoke."),
        ("The mayor spoke.\nMore text.", "city_news-2024.txt", "City news 2024", "The mayor"),
        ("“Quote,” she said,\nmore", "quote.txt", "Quote", "“Quote,”"),
        ("Only one line without end", "single.txt", "Single", "Only one line"),
        ("Headline\n" + "x" * 50, "long.txt", "Headline", "x" * 50),
        ("H" * 201 + "\nbody text", "toolong.txt", "Toolong", "HHH"),
    ],
    ids=["first-line", "markdown", "sentence-uses-filename", "ends-in-comma", "one-line", "ok",
         "over-200"],
)  # fmt: skip
def test_title_detection(text, filename, title, body_starts):
    draft = parse_one(filename, text.encode())
    assert draft.title == title
    assert draft.body.startswith(body_starts)
    assert draft.original_filename == filename


def test_file_name_is_reduced_to_its_base_name():
    [item] = parse("../../etc/passwd/../story.txt", b"Heading\nBody text.")
    assert item.label == "story.txt"
    assert item.draft.original_filename == "story.txt"


def test_content_hash_ignores_whitespace_and_case():
    assert content_hash("The  Mayor\nsaid") == content_hash("the mayor said ")
    assert content_hash("The mayor said") != content_hash("The mayor sad")


# --- HTML ---------------------------------------------------------------------------------------

HTML_PAGE = """<!doctype html>
<html><head><title>Mayor opens new bridge - City Gazette</title>
<meta name="author" content="Jane Smith">
<meta property="og:site_name" content="City Gazette">
<meta property="og:title" content="Mayor opens new bridge">
<meta property="og:url" content="https://gazette.example/bridge">
<meta property="article:published_time" content="2024-03-05">
<script>var tracker = "head-script-secret";</script>
</head><body><nav>Home | News | Sport</nav>
<article><h1>Mayor opens new bridge</h1>
<p>The mayor opened the new river bridge on Tuesday morning, cutting a red ribbon in front of
hundreds of residents who had gathered since dawn.</p>
<script>alert("body-script-secret")</script>
<p>“It is a great day for the city,” she said, adding that the bridge had been finished two
months early and under budget.</p>
<p>Traffic is expected to flow from Wednesday, when the old ferry service will stop running
after ninety years.</p>
</article><footer>Copyright City Gazette</footer></body></html>
"""


@pytest.fixture(scope="module")
def html_draft() -> ingest.ArticleDraft:
    return parse_one("bridge.html", HTML_PAGE.encode("utf-8"))


def test_html_title_byline_and_outlet(html_draft):
    assert html_draft.title == "Mayor opens new bridge"
    assert html_draft.byline == "Jane Smith"
    assert html_draft.outlet == "City Gazette"
    assert html_draft.source_url == "https://gazette.example/bridge"
    assert html_draft.published == dt.date(2024, 3, 5)


def test_html_paragraphs_are_kept(html_draft):
    paragraphs = html_draft.body.split("\n\n")
    assert len(paragraphs) == 3
    assert paragraphs[0].startswith("The mayor opened the new river bridge")
    assert paragraphs[1].startswith("“It is a great day for the city,”")
    assert paragraphs[2].endswith("after ninety years.")
    # The title is not repeated as the first line of the body.
    assert not html_draft.body.startswith("Mayor opens new bridge")


def test_html_scripts_and_page_chrome_are_dropped(html_draft):
    for unwanted in ("head-script-secret", "body-script-secret", "alert(", "<p>", "Sport"):
        assert unwanted not in html_draft.body


def test_html_without_article_text_is_rejected():
    page = b"<html><head><script>var x = 1;</script></head><body></body></html>"
    assert "no article text" in rejection("empty.html", page)


def test_html_in_windows_1252():
    page = (
        "<html><body><article><h1>Ferry ends</h1><p>“The ferry – after ninety years – stops "
        "today,” the captain said to the crowd of passengers on the quay.</p>"
        "<p>It will be missed by many in the town.</p></article></body></html>"
    ).encode("cp1252")
    draft = parse_one("ferry.htm", page)
    assert "“The ferry – after ninety years – stops today,”" in draft.body


# --- .docx --------------------------------------------------------------------------------------


def make_docx(
    paragraphs: list[str],
    *,
    title: str = "",
    author: str = "",
    heading: str = "",
) -> bytes:
    document = docx.Document()
    document.core_properties.title = title
    document.core_properties.author = author
    if heading:
        document.add_heading(heading, level=0)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_title_author_and_paragraphs_from_properties():
    data = make_docx(
        ["First paragraph of the story.", "", "Second paragraph."],
        title="Council approves budget",
        author="Sam Reporter",
    )
    draft = parse_one("budget.docx", data)
    assert draft.title == "Council approves budget"
    assert draft.byline == "Sam Reporter"
    assert draft.body == "First paragraph of the story.\n\nSecond paragraph."
    assert draft.original_filename == "budget.docx"


def test_docx_title_from_title_style_paragraph():
    data = make_docx(["The vote was close.", "It passed 5–4."], heading="Budget passes")
    draft = parse_one("vote.docx", data)
    assert draft.title == "Budget passes"
    assert draft.body == "The vote was close.\n\nIt passed 5–4."


def test_docx_without_title_uses_first_short_line_or_file_name():
    draft = parse_one("short-line.docx", make_docx(["Budget passes", "The vote was close."]))
    assert (draft.title, draft.body) == ("Budget passes", "The vote was close.")
    draft = parse_one("council_vote.docx", make_docx(["The vote was close.", "Then lunch."]))
    assert draft.title == "Council vote"
    assert draft.body == "The vote was close.\n\nThen lunch."


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_docx_zip_bomb_with_too_many_members_is_rejected():
    members = {f"word/media/part{n}.xml": b"" for n in range(ingest.DOCX_MAX_MEMBERS + 1)}
    message = rejection("many.docx", zip_bytes(members))
    assert "too many parts" in message


def test_docx_zip_bomb_with_huge_uncompressed_size_is_rejected(monkeypatch):
    # Scaled down: a 4 MB member of zeros against a 2 MB limit (ratio check switched off,
    # so the absolute limit alone must catch it).
    monkeypatch.setattr(ingest, "DOCX_MAX_UNCOMPRESSED", 2 * 1024 * 1024)
    monkeypatch.setattr(ingest, "DOCX_MAX_RATIO", 10**9)
    data = zip_bytes({"word/document.xml": bytes(4 * 1024 * 1024)})
    assert len(data) < 50_000
    assert "unsafe size" in rejection("bomb.docx", data)


def test_docx_zip_bomb_with_extreme_compression_ratio_is_rejected():
    data = zip_bytes({"word/document.xml": bytes(8 * 1024 * 1024)})
    assert len(data) * ingest.DOCX_MAX_RATIO < 8 * 1024 * 1024 < ingest.DOCX_MAX_UNCOMPRESSED
    assert "unsafe size" in rejection("ratio.docx", data)


def test_docx_limits_apply_to_real_documents(monkeypatch):
    data = make_docx(["A perfectly ordinary paragraph."], title="Ordinary")
    assert parse_one("ordinary.docx", data).title == "Ordinary"
    monkeypatch.setattr(ingest, "DOCX_MAX_MEMBERS", 5)
    assert "too many parts" in rejection("ordinary.docx", data)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"this is not a zip file at all", id="text"),
        pytest.param(b"PK\x03\x04" + b"\x00" * 60, id="truncated-zip"),
        pytest.param(zip_bytes({"hello.txt": b"a zip, but not a Word document"}), id="plain-zip"),
    ],
)
def test_damaged_docx_is_rejected(data):
    assert "damaged or is not a Word document" in rejection("broken.docx", data)


def test_truncated_real_docx_is_rejected():
    data = make_docx(["Some text."], title="Cut short")
    assert "damaged" in rejection("cut.docx", data[: len(data) // 2])


# --- .jsonl -------------------------------------------------------------------------------------


def test_jsonl_fields_map_onto_the_draft():
    record = {
        "id": "wn-42",
        "title": "Storm closes port",
        "text": "The port closed on Friday.\n\nShips waited offshore.",
        "url": "https://news.example/storm",
        "published": "2023-11-02T08:00:00Z",
        "byline": "Ana Ruiz",
        "outlet": "Coast News",
    }
    draft = parse_one("feed.jsonl", json.dumps(record).encode())
    assert draft.external_id == "wn-42"
    assert draft.title == "Storm closes port"
    assert draft.body == "The port closed on Friday.\n\nShips waited offshore."
    assert draft.source_url == "https://news.example/storm"
    assert draft.published == dt.date(2023, 11, 2)
    assert draft.byline == "Ana Ruiz"
    assert draft.outlet == "Coast News"
    assert draft.original_filename == "feed.jsonl"


def test_jsonl_title_falls_back_to_the_first_line_and_bad_values_are_dropped():
    record = {"text": "Port closes\nThe port closed.", "published": "soon", "url": "ftp://x/y"}
    draft = parse_one("feed.jsonl", json.dumps(record).encode())
    assert draft.title == "Port closes"
    assert draft.published is None
    assert draft.source_url == ""


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        ("https://news.example/a", "https://news.example/a"),
        ("  HTTP://news.example/b ", "HTTP://news.example/b"),
        ("javascript:alert(1)", ""),
        (" JavaScript:alert(document.cookie)", ""),
        ("data:text/html,<script>alert(1)</script>", ""),
        ("//news.example/protocol-relative", ""),
        ("vbscript:msgbox", ""),
    ],
)
def test_only_http_source_urls_are_kept(url, stored):
    draft = parse_one("feed.jsonl", json.dumps({"text": "Body.", "url": url}).encode())
    assert draft.source_url == stored


def test_jsonl_bad_lines_are_rejected_one_by_one_with_line_numbers():
    lines = [
        json.dumps({"title": "Good one", "text": "First good article."}),
        "{not json",
        "",
        json.dumps(["a", "list"]),
        json.dumps({"title": "No text"}),
        json.dumps({"text": "   "}),
        json.dumps({"text": "x" * (MAX_CHARS + 1)}),
        json.dumps({"title": "Good two", "text": "Second good article."}),
    ]
    items = parse("feed.jsonl", "\n".join(lines).encode())
    verdicts = {item.label: (item.draft.title if item.draft else item.error) for item in items}
    assert verdicts == {
        "feed.jsonl line 1": "Good one",
        "feed.jsonl line 2": verdicts["feed.jsonl line 2"],
        "feed.jsonl line 4": "this line is not a JSON object",
        "feed.jsonl line 5": 'the "text" field is missing or empty',
        "feed.jsonl line 6": 'the "text" field is missing or empty',
        "feed.jsonl line 7": verdicts["feed.jsonl line 7"],
        "feed.jsonl line 8": "Good two",
    }
    assert verdicts["feed.jsonl line 2"].startswith("this line is not valid JSON")
    assert verdicts["feed.jsonl line 7"].startswith("the text is too long")


def test_jsonl_with_only_blank_lines_has_no_articles():
    assert rejection("blank.jsonl", b"\n  \n\n ") == "the file is empty"
    assert rejection("nulls.jsonl", b"null\n") == "this line is not a JSON object"


# --- Rejections: every one says why, and yields no draft -----------------------------------------


@pytest.mark.parametrize(
    ("filename", "data", "reason"),
    [
        ("empty.txt", b"", "the file is empty"),
        ("blank.txt", b"  \n\t\r\n  ", "the file is empty"),
        ("bom-only.txt", b"\xef\xbb\xbf  ", "the file is empty"),
        ("empty.docx", b"", "the file is empty"),
        ("empty.html", b"", "the file is empty"),
        ("nul.txt", b"Looks like text\x00\x00\x00\x01\x02 but is not", "binary file"),
        ("controls.txt", bytes(range(1, 9)) * 40, "binary file"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
        ("paper.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document"),
        ("photo.html", b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG image"),
        ("archive.jsonl", zip_bytes({"a.txt": b"hi"}), "a zip archive"),
        ("scan.pdf", b"%PDF-1.7\n", "“.pdf” files are not supported"),
        ("picture.png", b"\x89PNG\r\n", "“.png” files are not supported"),
        ("README", b"Some text", "“no extension” files are not supported"),
        ("legacy.doc", b"\xd0\xcf\x11\xe0", "“.doc” files are not supported"),
    ],
)
def test_rejections_have_a_clear_reason(filename, data, reason):
    assert reason in rejection(filename, data)


def test_unsupported_extension_message_lists_what_is_supported():
    message = rejection("scan.pdf", b"%PDF")
    for extension in ingest.SUPPORTED_EXTENSIONS:
        assert extension in message


def test_extension_check_ignores_case():
    assert parse_one("LOUD.TXT", b"Heading\nBody.").title == "Heading"


def test_file_over_the_size_limit_is_rejected():
    data = b"Heading\n" + b"word " * 500
    assert parse_one("fits.txt", data, max_bytes=len(data)).title == "Heading"
    message = rejection("big.txt", data, max_bytes=len(data) - 1)
    assert message.startswith("the file is too large")


def test_size_limit_is_checked_before_anything_is_unpacked():
    data = zip_bytes({f"p{n}": b"" for n in range(ingest.DOCX_MAX_MEMBERS + 1)})
    assert rejection("big.docx", data, max_bytes=100).startswith("the file is too large")


def test_text_over_max_chars_is_rejected():
    text = "Heading\n" + "a" * 100
    assert parse_one("ok.txt", text.encode(), max_chars=100).body == "a" * 100
    message = rejection("long.txt", text.encode(), max_chars=99)
    assert message == "the text is too long (100 characters; the limit is 99)"


def test_utf16_text_is_not_mistaken_for_binary():
    # UTF-16 is full of NUL bytes; the BOM must exempt it from the binary check.
    assert parse_one("wide.txt", "Heading\nBody.".encode("utf-16")).body == "Body."


# --- Pasted text --------------------------------------------------------------------------------


def test_pasted_text_with_title():
    item = parse_pasted("  Pasted headline ", "Body one.\r\n\r\nBody two.", max_chars=MAX_CHARS)
    assert item.label == "Pasted headline"
    assert item.draft.title == "Pasted headline"
    assert item.draft.body == "Body one.\n\nBody two."


def test_pasted_text_without_title_takes_the_first_line():
    item = parse_pasted("", "Short headline\nThe body.\x00", max_chars=MAX_CHARS)
    assert item.label == "Pasted text"
    assert (item.draft.title, item.draft.body) == ("Short headline", "The body.")


def test_pasted_text_that_starts_with_a_sentence_takes_it_as_title_and_keeps_it():
    item = parse_pasted("", "Just one sentence of text.", max_chars=MAX_CHARS)
    assert (item.draft.title, item.draft.body) == (
        "Just one sentence of text.",
        "Just one sentence of text.",
    )
    item = parse_pasted("", "The mayor resigned today.\nMore followed.", max_chars=MAX_CHARS)
    assert item.draft.title == "The mayor resigned today."
    assert item.draft.body == "The mayor resigned today.\nMore followed."


def test_a_pasted_first_line_too_long_for_a_title_is_cut_at_a_word():
    line = "word " * 100
    item = parse_pasted("", line + "\nBody.", max_chars=MAX_CHARS)
    assert item.draft.title.endswith(" …") and len(item.draft.title) <= 202
    assert item.draft.body.startswith("word word")


@pytest.mark.parametrize(
    ("title", "text", "reason"),
    [
        ("", "", "there is no text to import"),
        ("Title only", " \n\t ", "there is no text to import"),
        ("Controls", "\x00\x01\x02", "there is no text in it"),
        ("Too long", "b" * 101, "the text is too long"),
    ],
)
def test_pasted_text_rejections(title, text, reason):
    item = parse_pasted(title, text, max_chars=100)
    assert item.draft is None
    assert reason in item.error


# --- Publication dates -----------------------------------------------------------------------

ARTICLE_BODY = "<p>" + "The council met on Tuesday and agreed the budget after a long debate. " * 6
FOOTER = "<footer>Copyright 2026 The Ledger. All rights reserved.</footer>"


@pytest.mark.parametrize(
    ("head", "article", "published"),
    [
        pytest.param("", "", None, id="copyright-footer-only"),
        pytest.param("", "<p>Published 4 May 2021</p>", None, id="date-in-prose-only"),
        pytest.param(
            '<meta property="article:published_time" content="2024-03-05T10:00:00Z">',
            "",
            dt.date(2024, 3, 5),
            id="open-graph",
        ),
        pytest.param(
            "", '<time datetime="2023-11-02">2 Nov</time>', dt.date(2023, 11, 2), id="time"
        ),
        pytest.param(
            '<script type="application/ld+json">'
            '{"@type": "NewsArticle", "datePublished": "2022-07-09"}</script>',
            "",
            dt.date(2022, 7, 9),
            id="json-ld",
        ),
        pytest.param(
            '<meta name="date" content="2020-02-29">', "", dt.date(2020, 2, 29), id="meta-date"
        ),
    ],
)
def test_html_dates_come_from_metadata_and_markup_never_from_a_footer(head, article, published):
    html = (
        f"<html><head><title>Budget agreed</title>{head}</head><body><article>"
        f"<h1>Budget agreed</h1>{article}{ARTICLE_BODY}</article>{FOOTER}</body></html>"
    )
    assert parse_one("budget.html", html.encode()).published == published
