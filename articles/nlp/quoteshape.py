"""The shape of a quotation in the text: run into a sentence, standing alone as a heading,
naming a title, or reading as something said."""

from __future__ import annotations

from articles.nlp.lexicon import TITLE_SMALL_WORDS
from articles.nlp.quotemarks import QuotedSpan


def is_embedded(text: str, q: QuotedSpan) -> bool:
    """True when a quotation continues a sentence mid-flow: a word right before the mark."""
    i = q.start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i >= 0 and (text[i].isalnum() or text[i] in "%$)")


def is_heading(text: str, q: QuotedSpan) -> bool:
    """True for a quotation standing alone on its line with no closing punctuation: a
    subheading that pulls a phrase from the article ('Life was hard'), not a quote of its own."""
    line_start = text.rfind("\n", 0, q.start) + 1
    line_end = text.find("\n", q.end)
    line_end = len(text) if line_end == -1 else line_end
    if text[line_start : q.start].strip() or text[q.end : line_end].strip():
        return False
    inner = text[q.start : q.end].rstrip("\"'”’»").rstrip()
    return bool(inner) and (inner[-1] not in ".,!?…" or _title_cased(inner))


def _title_cased(quoted: str) -> bool:
    """A few words, every one capitalised but the small ones: 'Coal Is Not the Villain.'"""
    words = quoted.strip("\"'“”‘’«» ,.!?").split()
    return 2 <= len(words) <= 8 and all(
        w[:1].isupper() or w.lower() in TITLE_SMALL_WORDS for w in words
    )


def is_title(text: str, q: QuotedSpan) -> bool:
    """True for the name of a show, book or film ('on CNN's "State of the Union"'): a few
    words, each capitalised, after a possessive or a preposition."""
    if not _title_cased(text[q.start : q.end]):
        return False
    before = text[max(0, q.start - 12) : q.start].split()
    return bool(before) and (
        before[-1].lower() in TITLE_SMALL_WORDS or before[-1].endswith(("'s", "’s"))
    )


def is_utterance(text: str, q: QuotedSpan) -> bool:
    """True when a short quotation reads as something said ('"No," he said'), not a title."""
    inner = text[q.start : q.end].rstrip("\"'”’»").rstrip()
    return bool(inner) and inner[-1] in ",.!?"
