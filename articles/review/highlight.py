"""The article text marked up with its quotes and entity mentions, escaped, as paragraphs.

Spans may overlap or nest (a direct quote inside an indirect one, two mentions over the same
words), so the text is cut at every span boundary and each piece is wrapped in every span that
covers it. The innermost element of each piece carries `data-s`, its offset in the body, and
holds exactly the body's characters, so the browser can turn a selection back into offsets.

An item an edit detached (its words gone: an empty span) is a pin where its words were, outside
the text's characters like the speaker tags.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from articles.models import Mention, Quote

# A paragraph is a run of text without a blank line in it (the body's paragraph separator).
PARAGRAPH = re.compile(r"(?:(?!\n\n)[\s\S])+")
# Types with a colour of their own; the rest share the "other" colour.
COLOURED = {"PERSON", "ORG", "GPE", "LOC", "NORP"}


@dataclass(frozen=True, slots=True)
class Paragraph:
    start: int
    html: SafeString


def entity_class(label: str) -> str:
    return f"ent--{label.lower()}" if label in COLOURED else "ent--other"


def paragraphs(body: str, quotes: Sequence[Quote], mentions: Sequence[Mention]) -> list[Paragraph]:
    """Marked-up paragraphs of `body`; only standing mentions are marked (not rejected ones),
    and detached items are pins."""
    pins = [item for item in (*quotes, *mentions) if item.is_detached]
    quotes = sorted((q for q in quotes if not q.is_detached), key=lambda q: (q.start, -q.end))
    mentions = sorted((m for m in mentions if m.is_standing), key=lambda m: (m.start, -m.end))
    result = []
    for match in PARAGRAPH.finditer(body):
        text = match.group()
        if not text.strip():
            continue
        start = match.start() + len(text) - len(text.lstrip())
        end = match.end() - (len(text) - len(text.rstrip()))
        here = [pin for pin in pins if start <= pin.start <= end]
        result.append(Paragraph(start, _mark(body, start, end, quotes, mentions, here)))
    return result


def _covering(items: Iterable, start: int, end: int) -> list:
    return [item for item in items if item.start <= start and item.end >= end]


def _mark(body: str, start: int, end: int, quotes, mentions, pins=()) -> SafeString:
    # Only the spans touching this paragraph are looked at for its pieces.
    quotes = [q for q in quotes if q.start < end and q.end > start]
    mentions = [m for m in mentions if m.start < end and m.end > start]
    cuts = {start, end}
    for item in (*quotes, *mentions, *pins):
        cuts.update(c for c in (item.start, item.end) if start < c < end)
    points = sorted(cuts)
    parts: list[str] = []
    for a, b in zip(points, points[1:], strict=False):
        parts.extend(_pin(pin) for pin in pins if pin.start == a)
        html = format_html('<span data-s="{}">{}</span>', a, body[a:b])
        for mention in reversed(_covering(mentions, a, b)):
            html = format_html(
                '<span class="ent {}" data-mention="{}" data-entity="{}"{}>{}</span>',
                entity_class(mention.label),
                mention.pk,
                mention.entity_id,
                mark_safe(f' id="m-{mention.pk}"') if mention.start == a else "",
                html,
            )
        covering_quotes = _covering(quotes, a, b)
        for quote in reversed(covering_quotes):
            html = format_html(
                '<mark class="q q--{}{}" data-quote="{}"{}>{}{}</mark>',
                quote.status,
                " q--attribution" if quote.category == "attribution" else "",
                quote.pk,
                mark_safe(f' id="q-{quote.pk}"') if quote.start == a else "",
                _speaker_tag(quote) if quote.start == a else "",
                html,
            )
        parts.append(html)
    parts.extend(_pin(pin) for pin in pins if pin.start == end)
    return mark_safe("".join(conditional_escape(p) for p in parts))


def _pin(item: Quote | Mention) -> SafeString:
    """Where a detached item's words were: a mark outside the text's characters."""
    noun, prefix = ("quote", "q") if isinstance(item, Quote) else ("mention", "m")
    return format_html(
        '<span class="pin" id="{}-{}" data-pin="{}{}" contenteditable="false" '
        'title="An edit removed the words of this {}: “{}”">⚠</span>',
        prefix,
        item.pk,
        prefix,
        item.pk,
        noun,
        item.edited_from,
    )


def _speaker_tag(quote: Quote) -> SafeString:
    name = quote.speaker.name if quote.speaker_id and quote.speaker else quote.speaker_text
    return format_html(
        '<span class="q-who" contenteditable="false" aria-label="Quote by {}">{}</span>',
        name or "unknown speaker",
        name or "?",
    )


def paragraph_of(body: str, quote: Quote) -> Paragraph | None:
    """The paragraph a quote starts in, with only that quote marked (the review queue's view)."""
    for match in PARAGRAPH.finditer(body):
        text = match.group()
        start = match.start() + len(text) - len(text.lstrip())
        end = match.end() - (len(text) - len(text.rstrip()))
        if start <= quote.start <= end and text.strip():
            quotes = [] if quote.is_detached else [quote]
            pins = [quote] if quote.is_detached else []
            return Paragraph(start, _mark(body, start, end, quotes, [], pins))
    return None
