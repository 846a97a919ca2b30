"""Lookups built once per document so quote finding stays linear in its length."""

from __future__ import annotations

from spacy.tokens import Doc, Span

from articles.nlp.lexicon import BOILERPLATE_LABELS
from articles.nlp.quotemarks import QuotedSpan

_TEXT_KEY = "newsroom.text"


def doc_text(doc: Doc) -> str:
    """The document's text, built once: spaCy rebuilds Doc.text from every token per access."""
    text = doc.user_data.get(_TEXT_KEY)
    if text is None:
        text = doc.user_data[_TEXT_KEY] = doc.text
    return text


class Sentences:
    """Sentence of each token, computed once: Token.sent rescans the document per call."""

    def __init__(self, doc: Doc, text: str) -> None:
        self.doc = doc
        self.text = text
        self.spans = list(doc.sents)
        self.index = [0] * len(doc)
        for n, sent in enumerate(self.spans):
            for i in range(sent.start, sent.end):
                self.index[i] = n
        self._boilerplate: dict[int, bool] = {}

    def of(self, i: int) -> Span:
        return self.spans[self.index[i]]

    def is_boilerplate(self, i: int) -> bool:
        """True for link and video lines ("READ MORE: ...") holding token i."""
        line = self.text.rfind("\n", 0, self.doc[i].idx) + 1
        if line not in self._boilerplate:
            head = self.text[line : line + 20].split(":", 1)
            self._boilerplate[line] = (
                len(head) == 2 and head[0].strip().lower() in BOILERPLATE_LABELS
            )
        return self._boilerplate[line]


def index_quotes(doc: Doc, quoted: list[QuotedSpan]) -> tuple[list[int], list[tuple[int, int]]]:
    """Map every token to the quoted span containing it (-1 outside); token range per span."""
    inside = [-1] * len(doc)
    ranges: list[tuple[int, int]] = []
    for k, q in enumerate(quoted):
        span = doc.char_span(q.start, q.end, alignment_mode="expand")
        if span is None or not len(span):
            ranges.append((0, -1))
            continue
        ranges.append((span.start, span.end - 1))
        for i in range(span.start, span.end):
            inside[i] = k
    return inside, ranges


def paragraph_pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split a quotation running over several paragraphs into one piece per paragraph.

    Annotators (and reviewers) treat each paragraph of a long quotation as its own quote; the
    pieces share the cue and speaker found for the whole quotation.
    """
    pieces = []
    pos = start
    while True:
        brk = text.find("\n", pos, end)
        if brk == -1:
            pieces.append((pos, end))
            break
        pieces.append((pos, brk))
        pos = brk
        while pos < end and text[pos].isspace():
            pos += 1
    return [(s, trim_space(text, s, e)) for s, e in pieces if trim_space(text, s, e) > s]


def trim_space(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end
