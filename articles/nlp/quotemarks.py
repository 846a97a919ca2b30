"""Spans of text between quotation marks, found in one linear scan over the marks."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from articles.nlp.lexicon import (
    DOUBLE_CLOSE,
    DOUBLE_OPEN,
    QUOTE_CHARS,
    SINGLE_CLOSE,
    SINGLE_OPEN,
)

# Double marks and line breaks are the only characters the scanner has to look at. Two
# apostrophes in a row stand for a straight double mark in some wire copy (''Yes,'' he said).
_DOUBLE_EVENTS = re.compile(r'["“”„«»‟]|\'\'|\n')

# A single-quoted passage: the opening mark follows a space or line start and precedes a
# word; the passage runs, within its line, to the first opening mark or the first other
# single mark not followed by a word character, which closes it if a word ends there. This
# keeps apostrophes ("don't", "students' union") out, since those are either inside a word or
# follow one. Openers and stops are found by two linear scans and paired by bisection: one
# pattern doing both would rescan the rest of the line from every opener that never closes.
_SINGLE_OPENER = re.compile(r"(?:(?<=^)|(?<=[\s(\[—–-]))['‘](?=[^\W_])", re.M)
_SINGLE_STOP = re.compile(r"\n|‘|['’](?!\w)")
_SINGLE_MARKS = "'‘’"

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

_PARAGRAPH_OPENERS = frozenset('"“„«')


@dataclass(frozen=True, slots=True)
class QuotedSpan:
    """Text between quotation marks, marks included; `closed` is False for a runaway quote."""

    start: int
    end: int
    closed: bool = True
    single: bool = False

    def word_count(self, text: str) -> int:
        return len(_WORD.findall(text, self.start, self.end))


def _straight_role(text: str, pos: int, end: int, is_open: bool) -> bool:
    """Decide whether a straight double mark at [pos, end) opens a quote (True) or closes one."""
    before = text[pos - 1] if pos > 0 else " "
    after = text[end] if end < len(text) else " "
    if (before.isspace() or before in "([{—–-") and not after.isspace():
        return True
    if after.isspace() or after in ".,;:!?)]}—–-":
        return False
    # No spacing clue ("said"him): alternate with the current state.
    return not is_open


def _next_paragraph_opens_quote(text: str, pos: int) -> bool:
    """True when the text after the line break at `pos` starts with an opening mark."""
    n = len(text)
    while pos < n and text[pos].isspace():
        pos += 1
    return pos < n and (text[pos] in _PARAGRAPH_OPENERS or text.startswith("''", pos))


def _trim_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def find_double_quoted(text: str) -> list[QuotedSpan]:
    """Return double-quoted spans, joining paragraphs that continue a quotation.

    A quotation that runs over several paragraphs leaves the earlier paragraphs unclosed and
    reopens each later one with a mark. An unclosed quotation not followed by such a paragraph
    ends at its paragraph break, so one stray mark never swallows the rest of the article.
    """
    spans: list[QuotedSpan] = []
    open_at: int | None = None
    skip_reopen = False  # the next opening mark continues the quotation already open
    for match in _DOUBLE_EVENTS.finditer(text):
        pos = match.start()
        mark = match.group()
        if mark == "\n":
            if open_at is not None and not skip_reopen:
                if _next_paragraph_opens_quote(text, pos):
                    skip_reopen = True
                else:
                    end = _trim_end(text, open_at, pos)
                    spans.append(QuotedSpan(open_at, end, closed=False))
                    open_at = None
            continue
        if mark in DOUBLE_OPEN:
            opens = True
        elif mark in DOUBLE_CLOSE:
            opens = False
        else:
            opens = _straight_role(text, pos, match.end(), open_at is not None and not skip_reopen)
        if skip_reopen:
            skip_reopen = False
            if opens:
                continue
        if opens:
            if open_at is not None:
                # A second opener with the first still open: the first lost its closing mark.
                end = _trim_end(text, open_at, pos)
                if end > open_at + 1:
                    spans.append(QuotedSpan(open_at, end, closed=False))
            open_at = pos
        elif open_at is not None:
            spans.append(QuotedSpan(open_at, match.end()))
            open_at = None
        # A closing mark with nothing open is stray: ignore it.
    if open_at is not None:
        spans.append(QuotedSpan(open_at, _trim_end(text, open_at, len(text)), closed=False))
    return spans


def find_quoted_spans(text: str) -> list[QuotedSpan]:
    """Return quoted spans in text order: double marks first, single marks where none enclose."""
    spans = find_double_quoted(text)
    if "'" in text or "‘" in text:
        doubles = spans
        singles: list[QuotedSpan] = []
        j = 0
        for start, end in single_quoted(text):
            if text[start] in SINGLE_CLOSE or text[end - 1] in SINGLE_OPEN:
                continue
            while j < len(doubles) and doubles[j].end <= start:
                j += 1
            # Nested in a double quotation (or overlapping one): a quote within a quote.
            if j < len(doubles) and doubles[j].start < end:
                continue
            singles.append(QuotedSpan(start, end, single=True))
        if singles:
            spans = sorted(doubles + singles, key=lambda s: s.start)
    return spans


def single_quoted(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each single-quoted passage, marks included, in text order."""
    stops = [match.start() for match in _SINGLE_STOP.finditer(text)]
    resume = 0
    for opener in _SINGLE_OPENER.finditer(text):
        start = opener.start()
        if start < resume:
            continue
        # The first stop after the word that opens the passage decides it.
        index = bisect_right(stops, start + 1)
        if index == len(stops):
            continue
        close = stops[index]
        before = text[close - 1]
        if (
            text[close] in "’'"
            and close >= start + 3
            and not before.isspace()
            and before not in _SINGLE_MARKS
        ):
            resume = close + 1
            yield start, resume


# What edges of a quote are not its words: marks, spaces and punctuation.
_EDGE = frozenset(QUOTE_CHARS) | frozenset(".,;:!?()[]{}—–-…")


def trim_edges(text: str, start: int, end: int) -> tuple[int, int]:
    """A span without the quote marks, spaces and punctuation at either end."""
    while start < end and (text[start].isspace() or text[start] in _EDGE):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in _EDGE):
        end -= 1
    return start, end
