"""Turn uploaded bytes into clean article drafts, or a clear reason why not.

One code path for the browser and `import_articles`: decode, extract the text of HTML and
.docx files, normalise, and enforce limits. Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePath

from articles.intake.text import (
    CONTROL,
    IngestError,
    check_not_binary,
    content_hash,
    decode_bytes,
    normalise_text,
)

SUPPORTED_EXTENSIONS = (".txt", ".md", ".html", ".htm", ".docx", ".jsonl")
# The fields a .jsonl line may give besides "text"; each must be text, a number or null.
JSONL_TEXT_FIELDS = ("title", "byline", "outlet", "url", "published", "id")

# Bounds for .docx files (zip containers), checked against the bytes really inflated, in
# chunks, before python-docx reads anything: the sizes a zip declares can be forged.
DOCX_MAX_MEMBERS = 2_000
DOCX_MAX_UNCOMPRESSED = 40 * 1024 * 1024
DOCX_MAX_RATIO = 200
ZIP_CHUNK = 64 * 1024
# Bounds for HTML, checked before it is parsed: a page of a few megabytes can still hold
# hundreds of thousands of elements, which the parser turns into gigabytes.
HTML_MAX_CHARS = 5_000_000
HTML_MAX_ELEMENTS = 60_000

TITLE_MAX = 500
BYLINE_MAX = 300
OUTLET_MAX = 200
EXTERNAL_ID_MAX = 200
URL_MAX = 2000
_SENTENCE_END = re.compile(r"[.!?…:;,\"”’]$")
_ELEMENT = re.compile(r"<[A-Za-z]")


@dataclass(slots=True)
class ArticleDraft:
    """A clean article ready to be stored."""

    title: str
    body: str
    byline: str = ""
    outlet: str = ""
    source_url: str = ""
    published: dt.date | None = None
    external_id: str = ""
    original_filename: str = ""

    @property
    def content_hash(self) -> str:
        return content_hash(self.body)


@dataclass(slots=True)
class ParsedItem:
    """One article found in an upload, or the reason it was refused."""

    label: str  # what to call it in messages: the file name, or "name.jsonl line 3"
    draft: ArticleDraft | None = None
    error: str = ""


@dataclass(frozen=True, slots=True)
class Defaults:
    """What an upload form gives for the articles that do not say: an outlet and a date.

    Applied before finish(), so they are checked like any field of the file.
    """

    outlet: str = ""
    published: dt.date | None = None

    def apply(self, draft: ArticleDraft) -> ArticleDraft:
        if not draft.outlet.strip():
            draft.outlet = self.outlet
        if draft.published is None:
            draft.published = self.published
        return draft


NO_DEFAULTS = Defaults()


def too_large_message(size: int, max_bytes: int) -> str:
    size_mb, limit_mb = size / 1048576, max_bytes / 1048576
    return f"the file is too large ({size_mb:.1f} MB; the limit is {limit_mb:.3g} MB)"


def title_and_body(text: str, fallback_title: str) -> tuple[str, str]:
    """Take a short first line that is not a sentence as the title; otherwise keep all as body."""
    first, _, rest = text.partition("\n")
    heading = first.lstrip("#").strip()
    if rest.strip() and 0 < len(heading) <= 200 and not _SENTENCE_END.search(heading):
        return heading, rest.strip()
    return fallback_title, text


def title_from_filename(filename: str) -> str:
    stem = PurePath(filename).stem
    words = re.sub(r"[_\-]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else "Untitled"


def parse_date(value: object) -> dt.date | None:
    if not value:
        return None
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def finish(draft: ArticleDraft, max_chars: int) -> ArticleDraft:
    """Normalise every field and enforce every limit, so that storing the draft cannot fail.

    Free text (body, title, byline, outlet) loses control characters and broken Unicode;
    identifiers (the id, the URL) that carry them are refused, as are over-long ones.
    """
    draft.body = normalise_text(draft.body)
    if not draft.body:
        raise IngestError("there is no text in it")
    if len(draft.body) > max_chars:
        raise IngestError(
            f"the text is too long ({len(draft.body):,} characters; the limit is {max_chars:,})"
        )
    draft.title = _one_line(draft.title)[:TITLE_MAX] or "Untitled"
    draft.byline = _one_line(draft.byline)[:BYLINE_MAX]
    draft.outlet = _one_line(draft.outlet)[:OUTLET_MAX]
    draft.original_filename = _one_line(draft.original_filename)[:255]
    draft.external_id = _identifier(draft.external_id, "id", EXTERNAL_ID_MAX)
    url = _identifier(draft.source_url, "url", URL_MAX)
    draft.source_url = url if url.lower().startswith(("http://", "https://")) else ""
    return draft


def _one_line(text: str) -> str:
    return " ".join(normalise_text(text).split())


def _identifier(value: str, name: str, limit: int) -> str:
    value = value.strip()
    if CONTROL.search(value):
        raise IngestError(f'the "{name}" field holds control characters or broken Unicode')
    if len(value) > limit:
        raise IngestError(
            f'the "{name}" field is too long ({len(value):,} characters; the limit is {limit:,})'
        )
    return value


def parse_plain(text: str, filename: str) -> ArticleDraft:
    title, body = title_and_body(normalise_text(text), title_from_filename(filename))
    return ArticleDraft(title=title, body=body)


def parse_html(html: str, filename: str) -> ArticleDraft:
    if len(html) > HTML_MAX_CHARS:
        raise IngestError(
            f"this HTML page is too large to read ({len(html):,} characters; "
            f"the limit is {HTML_MAX_CHARS:,})"
        )
    elements = sum(1 for _ in itertools.islice(_ELEMENT.finditer(html), HTML_MAX_ELEMENTS + 1))
    if elements > HTML_MAX_ELEMENTS:
        raise IngestError(
            f"this HTML page has too many elements to read (over {HTML_MAX_ELEMENTS:,})"
        )
    import trafilatura

    document = trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        # Dates from the page's metadata and date markup only: the wider search takes a
        # "Copyright 2026" footer for a publication date.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if document is None or not (document.text or "").strip():
        raise IngestError("no article text was found in this HTML page")
    title = (document.title or "").strip() or title_from_filename(filename)
    lines = [line.strip() for line in document.text.split("\n") if line.strip()]
    if lines and lines[0] == title:
        lines = lines[1:]
    return ArticleDraft(
        title=title,
        body="\n\n".join(lines),
        byline=document.author or "",
        outlet=document.sitename or "",
        source_url=document.url or "",
        published=parse_date(document.date),
    )


def parse_docx(data: bytes, filename: str) -> ArticleDraft:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise IngestError("this .docx file is damaged or is not a Word document") from None
    _check_unpacked_size(archive, len(data))

    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # python-docx raises many types for a bad package
        raise IngestError("this .docx file is damaged or is not a Word document") from None
    paragraphs = [p for p in document.paragraphs if p.text.strip()]
    title = (document.core_properties.title or "").strip()
    if not title and paragraphs and paragraphs[0].style.name.lower().startswith(("title", "head")):
        title = paragraphs.pop(0).text.strip()
    body = "\n\n".join(p.text.strip() for p in paragraphs)
    if not title:
        title, body = title_and_body(body, title_from_filename(filename))
    author = (document.core_properties.author or "").strip()
    if author.lower() == "python-docx":  # the library's default, not a person
        author = ""
    return ArticleDraft(title=title, body=body, byline=author)


def _check_unpacked_size(archive: zipfile.ZipFile, packed: int) -> None:
    """Refuse a zip that has too many members or inflates too far (a zip bomb).

    The declared sizes are a cheap first check; then every member is inflated for real, a
    chunk at a time, counting its bytes, so forged sizes cannot get past and memory stays
    at one chunk. A member that does not match its checksum is damage.
    """
    members = archive.infolist()
    if len(members) > DOCX_MAX_MEMBERS:
        raise IngestError(f"this .docx file has too many parts ({len(members):,})")
    limit = min(DOCX_MAX_UNCOMPRESSED, DOCX_MAX_RATIO * max(packed, 1))
    unsafe = "this .docx file unpacks to an unsafe size (a zip bomb?)"
    if sum(member.file_size for member in members) > limit:
        raise IngestError(unsafe)
    unpacked = 0
    try:
        for member in members:
            with archive.open(member) as stream:
                while chunk := stream.read(ZIP_CHUNK):
                    unpacked += len(chunk)
                    if unpacked > limit:
                        raise IngestError(unsafe)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
        raise IngestError("this .docx file is damaged or is not a Word document") from None


def parse_jsonl(
    text: str, filename: str, max_chars: int, defaults: Defaults = NO_DEFAULTS
) -> list[ParsedItem]:
    lines = io.StringIO(text)
    items = [item for _, item in iter_jsonl(lines, filename, max_chars, defaults=defaults)]
    if not items:
        items.append(ParsedItem(filename, error="there are no articles in this file"))
    return items


def iter_jsonl(
    lines: Iterable[str],
    filename: str,
    max_chars: int,
    *,
    skip: int = 0,
    defaults: Defaults = NO_DEFAULTS,
) -> Iterator[tuple[int, ParsedItem]]:
    """(line number, item) for every non-blank line after the first `skip` lines, lazily."""
    for number, line in enumerate(lines, start=1):
        if number <= skip or not line.strip():
            continue
        label = f"{filename} line {number}"
        yield number, parse_jsonl_line(line, label, filename, max_chars, defaults)


def parse_jsonl_line(
    line: str, label: str, filename: str, max_chars: int, defaults: Defaults = NO_DEFAULTS
) -> ParsedItem:
    """One .jsonl line: an article with "text" and optional text fields, or why not."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        return ParsedItem(label, error=f"this line is not valid JSON ({error.msg})")
    except (ValueError, RecursionError):
        # Numbers of thousands of digits, or arrays nested thousands deep.
        return ParsedItem(label, error="this line is not JSON that can be read")
    if not isinstance(record, dict):
        return ParsedItem(label, error="this line is not a JSON object")
    body = record.get("text")
    if not isinstance(body, str) or not body.strip():
        return ParsedItem(label, error='the "text" field is missing or empty')
    fields = {name: record.get(name) for name in JSONL_TEXT_FIELDS}
    wrong = [name for name, value in fields.items() if not _scalar(value)]
    if wrong:
        return ParsedItem(label, error=f'the "{wrong[0]}" field must be text')
    fields = {name: "" if value is None else str(value) for name, value in fields.items()}
    draft = ArticleDraft(
        title=fields["title"] or title_and_body(body, "Untitled")[0],
        body=body,
        byline=fields["byline"],
        outlet=fields["outlet"],
        source_url=fields["url"],
        published=parse_date(fields["published"]),
        external_id=fields["id"],
        original_filename=filename,
    )
    return _finished(label, defaults.apply(draft), max_chars)


def _scalar(value: object) -> bool:
    return value is None or (isinstance(value, str | int | float) and not isinstance(value, bool))


def _finished(label: str, draft: ArticleDraft, max_chars: int) -> ParsedItem:
    try:
        return ParsedItem(label, draft=finish(draft, max_chars))
    except IngestError as error:
        return ParsedItem(label, error=str(error))


def upload_name(filename: str) -> str:
    """The file's base name, as stored and shown (no directories, at most 255 characters)."""
    return PurePath(filename or "upload.txt").name[:255]


def check_upload(filename: str, data: bytes, max_bytes: int) -> None:
    """The checks every upload passes before it is read: type, size, not empty."""
    extension = PurePath(filename).suffix.lower()
    if extension not in SUPPORTED_EXTENSIONS:
        raise IngestError(
            f"“{extension or 'no extension'}” files are not supported "
            f"(use {', '.join(SUPPORTED_EXTENSIONS)})"
        )
    if len(data) > max_bytes:
        raise IngestError(too_large_message(len(data), max_bytes))
    if not data.strip():
        raise IngestError("the file is empty")


def read_text(data: bytes) -> str:
    """The text of a text upload (not .docx): refused if binary, undecodable or empty."""
    check_not_binary(data)
    text = decode_bytes(data)
    if not text.strip():
        raise IngestError("the file is empty")
    return text


def parse_upload(
    filename: str,
    data: bytes,
    *,
    max_bytes: int,
    max_chars: int,
    defaults: Defaults = NO_DEFAULTS,
) -> list[ParsedItem]:
    """Parse one uploaded file into one or more articles, each with its own verdict;
    `defaults` fill in an outlet and a date where the file gives none."""
    filename = upload_name(filename)
    extension = PurePath(filename).suffix.lower()
    try:
        check_upload(filename, data, max_bytes)
        if extension == ".docx":
            draft = parse_docx(data, filename)
        else:
            text = read_text(data)
            if extension == ".jsonl":
                return parse_jsonl(text, filename, max_chars, defaults)
            if extension in {".html", ".htm"}:
                draft = parse_html(text, filename)
            else:
                draft = parse_plain(text, filename)
    except IngestError as error:
        return [ParsedItem(filename, error=str(error))]
    draft.original_filename = filename
    return [_finished(filename, defaults.apply(draft), max_chars)]


def parse_pasted(
    title: str,
    text: str,
    *,
    max_chars: int,
    byline: str = "",
    outlet: str = "",
    published: dt.date | None = None,
    source_url: str = "",
    external_id: str = "",
) -> ParsedItem:
    """Parse text pasted into the upload form (or sent to the API), with the details given."""
    label = title.strip() or "Pasted text"
    if not text.strip():
        return ParsedItem(label, error="there is no text to import")
    if not title.strip():
        # The form promises the first line as the title. A heading-like line leaves the body;
        # a sentence is the title and stays the first sentence of the body too.
        text = normalise_text(text)
        heading, body = title_and_body(text, "")
        title, text = (heading, body) if heading else (_first_line(text), text)
    draft = ArticleDraft(
        title=title,
        body=text,
        byline=byline,
        outlet=outlet,
        published=published,
        source_url=source_url,
        external_id=external_id,
    )
    return _finished(label, draft, max_chars)


def _first_line(text: str, limit: int = 200) -> str:
    line = text.partition("\n")[0].lstrip("#").strip()
    if len(line) <= limit:
        return line
    return line[:limit].rsplit(" ", 1)[0] + " …"
