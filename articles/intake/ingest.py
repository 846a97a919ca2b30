"""Turn uploaded bytes into clean article drafts, or a clear reason why not.

One code path for the browser and `import_articles`: decode, extract the text of HTML and
.docx files, normalise, and enforce limits. Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

import charset_normalizer

SUPPORTED_EXTENSIONS = (".txt", ".md", ".html", ".htm", ".docx", ".jsonl")

# Bounds for .docx files (zip containers): protect against zip bombs before unpacking.
DOCX_MAX_MEMBERS = 2_000
DOCX_MAX_UNCOMPRESSED = 100 * 1024 * 1024
DOCX_MAX_RATIO = 200

TITLE_MAX = 500
# Magic numbers of common binary formats someone may drop into the upload box by mistake.
BINARY_SIGNATURES = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a zip archive",
    b"\x7fELF": "a program",
    b"\xd0\xcf\x11\xe0": "an old Office document",
}
# Every C0/C1 control character except tab and newline, plus stray surrogates and U+FFFE/F.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")
_SENTENCE_END = re.compile(r"[.!?…:;,\"”’]$")


class IngestError(ValueError):
    """The input cannot become an article; the message says why, for a person."""


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


def content_hash(body: str) -> str:
    """The identity of an article's text: whitespace and case do not make a new article."""
    canonical = " ".join(body.split()).casefold()
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def normalise_text(text: str) -> str:
    """NFC, `\\n` line endings, no BOM or control characters, at most one blank line in a row."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    text = text.replace("\t", " ").replace("\u00a0", " ")
    text = _CONTROL.sub("", unicodedata.normalize("NFC", text))
    text = _TRAILING_SPACE.sub("\n", text)
    return _MANY_BLANK_LINES.sub("\n\n", text).strip()


def decode_bytes(data: bytes) -> str:
    """Decode text of unknown encoding; Windows-1252 punctuation survives."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Mostly-ASCII text with a few high bytes is nearly always Windows-1252 punctuation (curly
    # quotes, dashes); detectors guess DOS or Asian code pages from so little evidence.
    if sum(byte > 0x7F for byte in data) * 4 <= len(data):
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    best = charset_normalizer.from_bytes(data).best()
    encoding = best.encoding if best else None
    # Latin-1 guesses turn 0x93/0x94 into invisible C1 controls; real files with those
    # bytes are nearly always Windows-1252 (curly quotes, dashes).
    if encoding in {None, "ascii", "latin_1", "iso8859_15", "iso8859_2", "cp1250"}:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            if encoding is None:
                raise IngestError("the text encoding could not be recognised") from None
    return str(best)


def check_not_binary(data: bytes) -> None:
    for signature, kind in BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise IngestError(f"this looks like {kind}, not text")
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return
    if b"\x00" in head:
        raise IngestError("this is a binary file, not text")
    controls = sum(1 for byte in head if byte < 9 or 13 < byte < 32)
    if head and controls / len(head) > 0.05:
        raise IngestError("this is a binary file, not text")


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
    """Normalise every field and enforce the content limits."""
    draft.body = normalise_text(draft.body)
    if not draft.body:
        raise IngestError("there is no text in it")
    if len(draft.body) > max_chars:
        raise IngestError(
            f"the text is too long ({len(draft.body):,} characters; the limit is {max_chars:,})"
        )
    draft.title = " ".join(normalise_text(draft.title).split())[:TITLE_MAX] or "Untitled"
    draft.byline = " ".join(normalise_text(draft.byline).split())[:300]
    draft.outlet = " ".join(normalise_text(draft.outlet).split())[:200]
    draft.external_id = draft.external_id.strip()[:200]
    url = draft.source_url.strip()
    draft.source_url = url[:2000] if url.lower().startswith(("http://", "https://")) else ""
    return draft


def parse_plain(text: str, filename: str) -> ArticleDraft:
    title, body = title_and_body(normalise_text(text), title_from_filename(filename))
    return ArticleDraft(title=title, body=body)


def parse_html(html: str, filename: str) -> ArticleDraft:
    import trafilatura

    document = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=False
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
    members = archive.infolist()
    if len(members) > DOCX_MAX_MEMBERS:
        raise IngestError(f"this .docx file has too many parts ({len(members):,})")
    unpacked = sum(member.file_size for member in members)
    if unpacked > DOCX_MAX_UNCOMPRESSED or unpacked > DOCX_MAX_RATIO * max(len(data), 1):
        raise IngestError("this .docx file unpacks to an unsafe size (a zip bomb?)")

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


def parse_jsonl(text: str, filename: str, max_chars: int) -> list[ParsedItem]:
    items: list[ParsedItem] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        label = f"{filename} line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            items.append(ParsedItem(label, error=f"this line is not valid JSON ({error.msg})"))
            continue
        if not isinstance(record, dict):
            items.append(ParsedItem(label, error="this line is not a JSON object"))
            continue
        body = record.get("text")
        if not isinstance(body, str) or not body.strip():
            items.append(ParsedItem(label, error='the "text" field is missing or empty'))
            continue
        draft = ArticleDraft(
            title=str(record.get("title") or "") or title_and_body(body, "Untitled")[0],
            body=body,
            byline=str(record.get("byline") or ""),
            outlet=str(record.get("outlet") or ""),
            source_url=str(record.get("url") or ""),
            published=parse_date(record.get("published")),
            external_id=str(record.get("id") or ""),
            original_filename=filename,
        )
        items.append(_finished(label, draft, max_chars))
    if not items:
        items.append(ParsedItem(filename, error="there are no articles in this file"))
    return items


def _finished(label: str, draft: ArticleDraft, max_chars: int) -> ParsedItem:
    try:
        return ParsedItem(label, draft=finish(draft, max_chars))
    except IngestError as error:
        return ParsedItem(label, error=str(error))


def parse_upload(filename: str, data: bytes, *, max_bytes: int, max_chars: int) -> list[ParsedItem]:
    """Parse one uploaded file into one or more articles, each with its own verdict."""
    filename = PurePath(filename or "upload.txt").name[:255]
    extension = PurePath(filename).suffix.lower()
    try:
        if extension not in SUPPORTED_EXTENSIONS:
            raise IngestError(
                f"“{extension or 'no extension'}” files are not supported "
                f"(use {', '.join(SUPPORTED_EXTENSIONS)})"
            )
        if len(data) > max_bytes:
            raise IngestError(too_large_message(len(data), max_bytes))
        if not data.strip():
            raise IngestError("the file is empty")
        if extension == ".docx":
            draft = parse_docx(data, filename)
        else:
            check_not_binary(data)
            text = decode_bytes(data)
            if not text.strip():
                raise IngestError("the file is empty")
            if extension == ".jsonl":
                return parse_jsonl(text, filename, max_chars)
            if extension in {".html", ".htm"}:
                draft = parse_html(text, filename)
            else:
                draft = parse_plain(text, filename)
    except IngestError as error:
        return [ParsedItem(filename, error=str(error))]
    draft.original_filename = filename
    return [_finished(filename, draft, max_chars)]


def parse_pasted(title: str, text: str, *, max_chars: int) -> ParsedItem:
    """Parse text pasted into the upload form."""
    label = title.strip() or "Pasted text"
    if not text.strip():
        return ParsedItem(label, error="there is no text to import")
    if not title.strip():
        title, text = title_and_body(normalise_text(text), "Untitled")
    return _finished(label, ArticleDraft(title=title, body=text), max_chars)
