"""The History tab: an article's change sets, described for people.

What a change set is, where it belongs, who may undo it and undo itself are in `changes`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.timezone import localtime
from pghistory.models import Context

from articles.editing.offsets import matching_blocks
from articles.models import (
    Article,
    ArticleEditEvent,
    Entity,
    EntityEvent,
    MentionEvent,
    Origin,
    Quote,
    QuoteEvent,
    ReviewState,
    Tag,
    TagEvent,
)
from articles.review import changes
from articles.review.snapshots import NOUNS, Event, Tagging

# Shown in "before → after" lines; bookkeeping columns are left out.
HIDDEN = {"id", "created_at", "version", "run_id", "key", "article_id", "content_hash"}
OFFSETS = {"start", "end", "speaker_start", "speaker_end", "cue_start", "cue_end"}
# Of an edited text, this many characters either side of the change are shown.
TEXT_CONTEXT = 40
NAMES = {
    "body": "text",
    "source_url": "URL",
    "published": "date",
    "deleted_at": "in the trash since",
    "deleted_by_id": "deleted by",
    "edited_from": "before the edit",
    "speaker_id": "speaker",
    "entity_id": "entity",
    "tag_id": "tag",
    "speaker_text": "speaker as written",
    "speaker_evidence": "why this speaker",
    "review_status": "review status",
    "reviewed_at": "reviewed at",
    "reviewed_by_id": "reviewed by",
}
VERBS = {"insert": "Added", "delete": "Removed", "update": "Changed", "edit": "Edited"}


@dataclass
class Change:
    """One row of a change set, in words: "Changed quote", "Tagged"."""

    noun: str
    label: str  # insert, update, delete, tag.add, tag.remove
    obj_id: str
    summary: str
    fields: list[tuple[str, Any, Any]] = field(default_factory=list)
    text: str = ""  # a line of its own instead of verb and summary ("3 items moved …")

    @property
    def verb(self) -> str:
        if self.noun == "tagging":
            return "Tagged" if self.label == "tag.add" else "Untagged"
        return f"{VERBS.get(self.label, 'Changed')} {self.noun}"


@dataclass
class ChangeSet:
    id: str
    at: Any
    user: Any
    action: str
    changes: list[Change]
    undone: bool = False  # undone whole, or (a bulk change) on this article
    is_undo: bool = False
    bulk: int = 0  # a bulk change: how many articles it changed
    added: bool = False  # the article (or another) was added to the archive
    undo: bool = False  # the user may undo it from this article (a bulk change: here)
    undo_all: bool = False  # the user may undo a bulk change for all its articles


def change_sets(article: Article, user=None, limit: int = 30) -> list[ChangeSet]:
    """The latest change sets touching an article, newest first, in at most six queries.

    Each shows the article's own rows and the global ones (tags, entities, aliases), never
    another article's; `undo`/`undo_all` say which undos `user` may make from this article.
    """
    ids = changes.touching(article.pk, limit)
    contexts = Context.objects.in_bulk(ids)
    found = changes.events(ids)
    heads = {pk: changes.header(context) for pk, context in contexts.items()}
    user_ids = {head.user_id for head in heads.values()}
    entity_ids, tag_ids = set(), set()
    for event in found:
        for snapshot in (event.after, event.before or {}):
            entity_ids.update(v for k, v in snapshot.items() if k in ("entity_id", "speaker_id"))
            tag_ids.update(v for k, v in snapshot.items() if k == "tag_id")
            user_ids.add(snapshot.get("reviewed_by_id"))
            user_ids.add(snapshot.get("deleted_by_id"))
    user_ids.discard(None)
    users = get_user_model().objects.in_bulk(list(user_ids)) if user_ids else {}
    entity_ids.discard(None)
    names = _snapshot_names(found, EntityEvent)
    names.update(Entity.objects.filter(pk__in=entity_ids).values_list("pk", "name"))
    tags = _snapshot_names(found, TagEvent)
    if tag_ids:
        tags.update(Tag.objects.filter(pk__in=tag_ids).values_list("pk", "name"))
    grouped: dict[Any, list[Event]] = defaultdict(list)
    for event in found:
        grouped[event.context_id].append(event)
    result = []
    for context_id in ids:
        head, rows = heads[context_id], grouped[context_id]
        added = changes.adds_an_article(rows)
        shown = [] if added else [e for e in rows if e.article_id in (None, article.pk)]
        offer = changes.choices(head, rows, article.pk, user)
        # Of an edit of the text, the offsets it moved say nothing a person needs.
        hidden = HIDDEN | OFFSETS if _is_text_edit(shown) else HIDDEN
        described = [_describe(event, names, tags, users, hidden) for event in _worth_a_line(shown)]
        result.append(
            ChangeSet(
                id=str(context_id),
                at=head.at,
                user=users.get(head.user_id),
                action=changes.action_of(head, rows, tags),
                changes=described + _edit_summary(shown),
                undone=head.undone_for(article.pk),
                is_undo=head.undoes is not None,
                bulk=head.bulk,
                added=added,
                undo=offer.undo,
                undo_all=offer.undo_all,
            )
        )
    return result


def _is_text_edit(found: list[Event]) -> bool:
    return any(
        e.model is ArticleEditEvent and (e.before or {}).get("body") != e.after.get("body")
        for e in found
    )


def _moved_only(event: Event) -> bool:
    """An item row an edit of the text only moved (its words untouched), or dropped."""
    if event.model not in (QuoteEvent, MentionEvent):
        return False
    if event.label == "delete":
        return True
    before = event.before or {}
    return event.label == "update" and before.get("text") == event.after.get("text")


def _worth_a_line(found: list[Event]) -> list[Event]:
    """The rows shown one by one: of an edit of the text, not the items it only moved or
    dropped (_edit_summary counts them), so that one edit is not a hundred lines."""
    if not _is_text_edit(found):
        return found
    return [e for e in found if not _moved_only(e)]


def _edit_summary(found: list[Event]) -> list[Change]:
    if not _is_text_edit(found):
        return []
    moved = sum(1 for e in found if _moved_only(e) and e.label == "update")
    dropped = sum(1 for e in found if _moved_only(e) and e.label == "delete")
    lines = []
    if moved:
        lines.append(f"{moved} reviewed item{'s' if moved != 1 else ''} moved with their words")
    if dropped:
        lines.append(
            f"{dropped} unreviewed or rejected item{'s' if dropped != 1 else ''} dropped with "
            "the old text (extraction runs again)"
        )
    return [Change("items", "update", "", "", text=line) for line in lines]


def text_change(before: str, after: str) -> tuple[str, str]:
    """The changed part of a text, before and after, with a little context either side."""
    blocks = matching_blocks(before, after)
    prefix = blocks[0][2] if blocks and blocks[0][:2] == (0, 0) else 0
    last = blocks[-1] if blocks else None
    suffix = last[2] if last and last[0] + last[2] == len(before) else 0
    suffix = min(suffix, len(before) - prefix, len(after) - prefix)

    def clip(text: str) -> str:
        start = max(0, prefix - TEXT_CONTEXT)
        end = min(len(text), len(text) - suffix + TEXT_CONTEXT)
        middle = text[start:end]
        return ("…" if start else "") + middle + ("…" if end < len(text) else "")

    return clip(before), clip(after)


def _snapshot_names(found: list[Event], model) -> dict[int, str]:
    """Names of rows as their snapshots have them (for rows deleted since)."""
    return {e.obj_id: e.after.get("name", "") for e in found if e.model is model}


def last_undoable(sets: list[ChangeSet], user) -> ChangeSet | None:
    """What "u" undoes: the user's latest change they may still undo here (undos are
    skipped, so pressing it again walks further back)."""
    for change in sets:
        if change.user == user and change.undo and not change.is_undo:
            return change
    return None


# Stored choice values shown as their labels ("needs_review" as "Needs review").
CHOICE_LABELS = {
    key: dict(choices)
    for key, choices in {
        "status": ReviewState.choices,
        "review_status": Article.ReviewStatus.choices,
        "kind": Quote.Kind.choices,
        "category": Quote.Category.choices,
        "origin": Origin.choices,
    }.items()
}


def _show(key: str, value: Any, names: dict, tags: dict, users: dict) -> Any:
    if value is None or value == "":
        return "—"
    if key in ("reviewed_by_id", "deleted_by_id"):
        user = users.get(value)
        return user.get_username() if user else f"#{value}"
    if key.endswith("_at"):
        moment = parse_datetime(str(value))
        return date_format(localtime(moment), "j M Y, H:i") if moment else value
    if key in CHOICE_LABELS:
        return CHOICE_LABELS[key].get(value, value)
    if key in ("speaker_id", "entity_id"):
        return names.get(value, f"#{value}")
    if key == "tag_id":
        return tags.get(value, f"#{value}")
    return value


def _describe(
    event: Event, names: dict, tags: dict, users: dict, hidden: set[str] = HIDDEN
) -> Change:
    noun = NOUNS.get(event.tracked, event.tracked._meta.verbose_name)
    after = event.after
    summary = after.get("text") or after.get("name") or ""
    if event.model is ArticleEditEvent:
        summary = ""  # its fields say what changed
    if event.tracked is Tagging:
        summary = str(tags.get(after.get("tag_id"), ""))
    # The page puts its own quotation marks around the summary; a quote's own would double them.
    summary = str(summary).strip().strip("\"“”'‘’«»").strip()
    change = Change(noun, event.label, str(event.obj_id), Truncator(summary).chars(90))
    if event.label in ("update", "edit"):
        before = event.before or {}
        for key, value in after.items():
            if key in hidden or key not in before or before[key] == value:
                continue
            if key == "body":
                was, now = text_change(before[key] or "", value or "")
                change.fields.append((NAMES[key], was or "—", now or "—"))
                continue
            change.fields.append(
                (
                    NAMES.get(key, key.replace("_", " ")),
                    _show(key, before[key], names, tags, users),
                    _show(key, value, names, tags, users),
                )
            )
    return change
