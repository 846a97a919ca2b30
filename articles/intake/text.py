"""Bytes of unknown encoding to clean text: decoding, the binary check, normalisation, and the
content hash that says when two texts are the same article. Nothing here touches the database.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import charset_normalizer

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
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")


class IngestError(ValueError):
    """The input cannot become an article; the message says why, for a person."""


def content_hash(body: str) -> str:
    """The identity of an article's text: whitespace and case do not make a new article."""
    canonical = " ".join(body.split()).casefold()
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def normalise_text(text: str) -> str:
    """NFC, `\\n` line endings, no BOM or control characters, at most one blank line in a row."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    text = text.replace("\t", " ").replace("\u00a0", " ")
    text = CONTROL.sub("", unicodedata.normalize("NFC", text))
    text = _TRAILING_SPACE.sub("\n", text)
    return _MANY_BLANK_LINES.sub("\n\n", text).strip()


def decode_bytes(data: bytes) -> str:
    """Decode text of unknown encoding; Windows-1252 punctuation survives."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode_utf16(data, "utf-16", "")
    wide = utf16_without_bom(data)
    if wide:
        return _decode_utf16(data, wide, " without a byte-order mark")
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


def utf16_without_bom(data: bytes) -> str | None:
    """ "utf-16-le" or "utf-16-be" when the bytes look like UTF-16 text with no byte-order mark.

    Text in Latin script has a zero byte in every other place: on odd offsets in little-endian
    UTF-16, on even ones in big-endian; binary files do not keep to one side.
    """
    head = data[:8192]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    even_zeros, odd_zeros = even.count(0) / len(even), odd.count(0) / len(odd)
    if odd_zeros > 0.4 and even_zeros < 0.1:
        encoding = "utf-16-le"
    elif even_zeros > 0.4 and odd_zeros < 0.1:
        encoding = "utf-16-be"
    else:
        return None
    # And what it decodes to must read as text, not as control codes.
    sample = head[: len(head) - len(head) % 2].decode(encoding, errors="replace")
    readable = sum(char.isprintable() or char in "\n\r\t" for char in sample)
    return encoding if readable >= 0.95 * len(sample) else None


def _decode_utf16(data: bytes, encoding: str, how: str) -> str:
    if len(data) % 2:
        raise IngestError(f"this UTF-16 text{how} is cut short (an odd number of bytes)")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise IngestError(
            f"this UTF-16 text{how} is damaged (a broken character at byte "
            f"{_decode_error_offset(data, encoding):,})"
        ) from None


def _decode_error_offset(data: bytes, encoding: str) -> int:
    try:
        data.decode(encoding)
    except UnicodeDecodeError as error:
        return error.start
    return 0


def check_not_binary(data: bytes) -> None:
    for signature, kind in BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise IngestError(f"this looks like {kind}, not text")
    head = data[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or utf16_without_bom(head):
        return
    if b"\x00" in head:
        raise IngestError("this is a binary file, not text")
    controls = sum(1 for byte in head if byte < 9 or 13 < byte < 32)
    if head and controls / len(head) > 0.05:
        raise IngestError("this is a binary file, not text")
