"""Kept items follow a change of an article's text: an editor's edit, or text repair.

The old and new texts are compared (their common start and end first, then the middle) and
every span of the old text is mapped to the same words in the new one. After a move every item
still satisfies `body[start:end] == item.text`:

- an item whose words are untouched moves, and nothing else changes;
- a standing item (accepted, corrected, added by a person) whose words were edited takes the
  new words, and is flagged: `edited_from` keeps the text a person saw, until a reviewer looks
  at it again;
- a standing item whose words were all deleted is kept, detached: an empty span where its words
  were, with `edited_from` saying what they said. It no longer stands (models.standing_q) until a
  reviewer selects its new text or deletes it;
- a rejected machine item only has to stop re-extraction finding it again: it takes the new
  words, or goes when they are gone;
- speaker and cue offsets move the same way, and are cleared when their words are gone.

Unreviewed machine items are not moved here: whoever changes the text drops them (the edit) or
replaces them (the extraction store).
"""

from __future__ import annotations

import bisect
import difflib
import re
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from articles.models import Mention, Origin, Quote, ReviewState

# Items a change of text must keep: everything but unreviewed machine output.
KEPT = ~Q(origin=Origin.MACHINE, status=ReviewState.UNREVIEWED)
# Character diffs cost the product of the two lengths; past this, a changed region is first
# compared by lines, then words (_diff).
CHAR_DIFF_MAX_CELLS = 250_000
# How a long changed region is cut before it is compared: into lines, then words; and the most
# pieces compared at once (a whole-text rewrite of 45,000 characters takes about 2 s).
PIECES = [re.compile(r"[^\n]*\n|[^\n]+"), re.compile(r"\w+|\s+|[^\w\s]+")]
MAX_PIECES = 50_000
# The offsets a model has besides its own span.
EXTRA_SPANS = {
    Mention: (),
    Quote: (("speaker_start", "speaker_end"), ("cue_start", "cue_end")),
}


def matching_blocks(old: str, new: str) -> list[tuple[int, int, int]]:
    """(old start, new start, size) of the runs the two texts share, in order.

    The common start and end are found directly, so a small edit of a long text costs little;
    the middle goes through difflib, by lines when it is long.
    """
    limit = min(len(old), len(new))
    prefix = 0
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    blocks = [(0, 0, prefix)] if prefix else []
    blocks += _diff(old, prefix, len(old) - suffix, new, prefix, len(new) - suffix)
    if suffix:
        blocks.append((len(old) - suffix, len(new) - suffix, suffix))
    return blocks


def _diff(
    old: str, a0: int, a1: int, new: str, b0: int, b1: int, level: int = 0
) -> list[tuple[int, int, int]]:
    """Matching runs of old[a0:a1] and new[b0:b1], in the offsets of the whole texts.

    By character when that is cheap; otherwise by lines, then the lines that changed by words,
    then the words that changed by character, each where it stays cheap.
    """
    if a0 == a1 or b0 == b1:
        return []
    if (a1 - a0) * (b1 - b0) <= CHAR_DIFF_MAX_CELLS or level == len(PIECES):
        if (a1 - a0) * (b1 - b0) > CHAR_DIFF_MAX_CELLS:
            return []  # too costly to compare: the region counts as rewritten
        matcher = difflib.SequenceMatcher(None, old[a0:a1], new[b0:b1], autojunk=False)
        return [(a0 + i, b0 + j, n) for i, j, n in matcher.get_matching_blocks() if n]
    old_pieces = PIECES[level].findall(old, a0, a1)
    new_pieces = PIECES[level].findall(new, b0, b1)
    if max(len(old_pieces), len(new_pieces)) > MAX_PIECES:
        return []  # a rewrite too large to compare in a request: it counts as rewritten
    old_at = _starts(old_pieces, a0)
    new_at = _starts(new_pieces, b0)
    blocks = []
    # Lines and words are many fewer than characters. The commonest ones (blank lines, "the")
    # are left out of the search for matches (autojunk): they match everywhere, and would make
    # the search quadratic; matches still grow over them.
    matcher = difflib.SequenceMatcher(None, old_pieces, new_pieces)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            blocks.append((old_at[i1], new_at[j1], old_at[i2] - old_at[i1]))
        elif tag == "replace":
            blocks += _diff(old, old_at[i1], old_at[i2], new, new_at[j1], new_at[j2], level + 1)
    return blocks


def _starts(pieces: list[str], offset: int) -> list[int]:
    """Where each piece starts, and where the last one ends."""
    starts = [offset]
    for piece in pieces:
        starts.append(starts[-1] + len(piece))
    return starts


class OffsetMap:
    """Maps spans of an old text to the same words in a new one.

    Text inserted at either edge of a span stays outside it; text that replaced part of a span
    is inside it.
    """

    def __init__(self, old: str, new: str) -> None:
        self.blocks = matching_blocks(old, new)
        self._old_starts = [old_start for old_start, _, _ in self.blocks]
        self._new_length = len(new)

    def start(self, offset: int) -> int:
        """Where a span starting at `offset` starts in the new text."""
        index = bisect.bisect_right(self._old_starts, offset) - 1
        if index < 0:
            return 0  # in text changed at the very start
        old_start, new_start, size = self.blocks[index]
        if offset < old_start + size:
            return new_start + offset - old_start
        return new_start + size  # in changed text: where its replacement starts

    def end(self, offset: int) -> int:
        """Where a span ending at `offset` ends in the new text."""
        index = bisect.bisect_left(self._old_starts, offset) - 1
        if index >= 0:
            old_start, new_start, size = self.blocks[index]
            if offset <= old_start + size:
                return new_start + offset - old_start
        # In changed text: where its replacement ends, at the next shared run.
        following = index + 1
        return self.blocks[following][1] if following < len(self.blocks) else self._new_length

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The new (start, end) of a span; empty (start == end) when its words are gone."""
        if end <= start:  # a detached item stays a point
            point = self.start(start)
            return point, point
        new_start = self.start(start)
        return new_start, max(new_start, self.end(end))


@dataclass
class Moved:
    """What a change of text did to an article's kept items."""

    moved: int = 0
    flagged: list[Quote | Mention] = field(default_factory=list)  # their words were edited
    detached: list[Quote | Mention] = field(default_factory=list)  # their words are gone
    removed: int = 0  # rejected items whose words are gone

    @property
    def needs_review(self) -> bool:
        return bool(self.flagged or self.detached)


def move_kept_items(
    article_id: int, old_text: str, new_text: str, *, exclude: frozenset[tuple] = frozenset()
) -> Moved:
    """The stored text of an article changes from `old_text` to `new_text`: move its kept
    items to match (see the module docstring) and say what happened to them.

    Call inside atomic() with the article row locked. Every item that changes gets a new
    version, so a reviewer's form loaded before the change is refused as stale. `exclude`:
    (model, pk) of items the caller puts back itself.
    """
    result = Moved()
    if old_text == new_text:
        return result
    kept = {
        model: [
            item
            for item in model.objects.filter(article_id=article_id).filter(KEPT)
            if (model, item.pk) not in exclude
        ]
        for model in EXTRA_SPANS
    }
    if not any(kept.values()):
        return result  # the usual case, and the diff below is the costly part
    remap = OffsetMap(old_text, new_text)
    now = timezone.now()
    for model, items in kept.items():
        changed, gone = [], []
        for item in items:
            outcome = _move(item, remap, new_text, result)
            if outcome is GONE:
                gone.append(item.pk)
            elif outcome is CHANGED:
                item.version += 1
                item.updated_at = now
                changed.append(item)
        if gone:
            result.removed += len(gone)
            model.objects.filter(pk__in=gone).delete()
        if changed:
            result.moved += len(changed)
            fields = ["start", "end", "text", "edited_from", "version", "updated_at"]
            fields += [name for pair in EXTRA_SPANS[model] for name in pair]
            model.objects.bulk_update(changed, fields)
    return result


def drop_machine_items(article_id: int, *, exclude: frozenset[tuple] = frozenset()) -> int:
    """Delete an article's unreviewed machine items, whose text is changing (extraction will
    find them again); return how many. `exclude`: (model, pk) of items to leave alone."""
    unreviewed = Q(article_id=article_id, origin=Origin.MACHINE, status=ReviewState.UNREVIEWED)
    dropped = 0
    for model in EXTRA_SPANS:
        kept = [pk for other, pk in exclude if other is model]
        dropped += model.objects.filter(unreviewed).exclude(pk__in=kept).delete()[0]
    return dropped


CHANGED, UNCHANGED, GONE = "changed", "unchanged", "gone"


def _move(item: Quote | Mention, remap: OffsetMap, new_text: str, result: Moved) -> str:
    """Move one item in memory: CHANGED, UNCHANGED, or GONE (a rejected item lost its words)."""
    before = _state(item)
    start, end = remap.span(item.start, item.end)
    words = new_text[start:end]
    if item.status == ReviewState.REJECTED:
        if not words:
            return GONE
    elif words and words == item.edited_from:
        item.edited_from = ""  # edited back to the words a person saw
    elif words != item.text:
        # The words a person saw: the first edit's, if several edits changed them.
        item.edited_from = item.edited_from or item.text
        (result.flagged if words else result.detached).append(item)
    item.start, item.end, item.text = start, end, words
    for first, last in EXTRA_SPANS[type(item)]:
        a, b = getattr(item, first), getattr(item, last)
        if a is not None and b is not None:
            a, b = remap.span(a, b)
            setattr(item, first, a if b > a else None)
            setattr(item, last, b if b > a else None)
    return CHANGED if _state(item) != before else UNCHANGED


def _state(item: Quote | Mention) -> tuple:
    names = ["start", "end", "text", "edited_from"]
    names += [name for pair in EXTRA_SPANS[type(item)] for name in pair]
    return tuple(getattr(item, name) for name in names)
