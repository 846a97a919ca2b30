"""The audit history of an article, read from django-pghistory's event tables, and undo.

A change set is one pghistory context: every row a request (or one correction) changed. Undo
reverts a whole change set, and refuses if any of its rows has changed since.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, models, transaction
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.timezone import localtime
from pghistory.models import Context

from articles.models import (
    Article,
    ArticleReviewEvent,
    ArticleTagEvent,
    Entity,
    EntityAlias,
    EntityAliasEvent,
    EntityEvent,
    Mention,
    MentionEvent,
    Origin,
    Quote,
    QuoteEvent,
    ReviewState,
    Tag,
    TagEvent,
)
from articles.review.corrections import CorrectionError, _context

# Event models in the order their rows are recreated; deletes go in the reverse order.
EVENT_MODELS: list[type[models.Model]] = [
    TagEvent,
    EntityEvent,
    EntityAliasEvent,
    ArticleReviewEvent,
    MentionEvent,
    QuoteEvent,
    ArticleTagEvent,
]
NOUNS = {
    Tag: "tag",
    Entity: "entity",
    EntityAlias: "alias",
    Article: "article",
    Mention: "mention",
    Quote: "quote",
    Article.tags.through: "tagging",
}
# Shown in "before → after" lines; bookkeeping columns are left out.
HIDDEN = {"id", "created_at", "version", "run_id", "key", "article_id"}
NAMES = {
    "speaker_id": "speaker",
    "entity_id": "entity",
    "tag_id": "tag",
    "speaker_text": "speaker as written",
    "review_status": "review status",
    "reviewed_at": "reviewed at",
    "reviewed_by_id": "reviewed by",
}


@dataclass
class Change:
    noun: str
    label: str  # insert, update, delete, tag.add, tag.remove
    obj_id: str
    summary: str
    fields: list[tuple[str, Any, Any]] = field(default_factory=list)


@dataclass
class ChangeSet:
    id: str
    at: Any
    user: Any
    action: str
    changes: list[Change]
    undone: bool = False
    is_undo: bool = False


def _union(where: str) -> str:
    parts = []
    for event_model in EVENT_MODELS:
        table = event_model._meta.db_table
        parts.append(
            f"""SELECT '{event_model._meta.label}', e.pgh_id, e.pgh_label, e.pgh_obj_id::text,
                e.pgh_context_id, row_to_json(e)::text,
                (SELECT row_to_json(p)::text FROM "{table}" p
                 WHERE p.pgh_obj_id = e.pgh_obj_id AND p.pgh_id < e.pgh_id
                 ORDER BY p.pgh_id DESC LIMIT 1)
            FROM "{table}" e WHERE {where}"""
        )
    return " UNION ALL ".join(parts) + " ORDER BY 2"


@dataclass
class Event:
    model: type[models.Model]  # the event model
    pgh_id: int
    label: str
    obj_id: int
    context_id: Any
    after: dict
    before: dict | None

    @property
    def tracked(self) -> type[models.Model]:
        return self.model.pgh_tracked_model


def _events(context_ids: list) -> list[Event]:
    if not context_ids:
        return []
    by_label = {m._meta.label: m for m in EVENT_MODELS}
    with connection.cursor() as cursor:
        cursor.execute(_union("e.pgh_context_id = ANY(%s)"), [context_ids] * len(EVENT_MODELS))
        rows = cursor.fetchall()
    events = []
    for label, pgh_id, pgh_label, obj_id, context_id, data, prev in rows:
        events.append(
            Event(
                by_label[label],
                pgh_id,
                pgh_label,
                int(obj_id),
                context_id,
                _strip(json.loads(data)),
                _strip(json.loads(prev)) if prev else None,
            )
        )
    return events


def _strip(data: dict) -> dict:
    return {k: v for k, v in data.items() if not k.startswith("pgh_")}


def change_sets(article: Article, limit: int = 30) -> list[ChangeSet]:
    """The latest human change sets touching an article, newest first, in five queries."""
    pk = article.pk
    sql = """
        SELECT c.id FROM pghistory_context c
        WHERE c.metadata->>'article' = %s OR c.id IN (
            SELECT pgh_context_id FROM articles_quoteevent WHERE article_id = %s
            UNION SELECT pgh_context_id FROM articles_mentionevent WHERE article_id = %s
            UNION SELECT pgh_context_id FROM articles_articletagevent WHERE article_id = %s
            UNION SELECT pgh_context_id FROM articles_articlereviewevent WHERE pgh_obj_id = %s)
        ORDER BY c.created_at DESC, (c.metadata->>'at')::float DESC NULLS LAST LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [str(pk), pk, pk, pk, pk, limit])
        ids = [row[0] for row in cursor.fetchall()]
    contexts = Context.objects.in_bulk(ids)
    events = _events(ids)
    user_ids = {c.metadata.get("user") for c in contexts.values()}
    entity_ids, tag_ids = set(), set()
    for event in events:
        for snapshot in (event.after, event.before or {}):
            entity_ids.update(v for k, v in snapshot.items() if k in ("entity_id", "speaker_id"))
            tag_ids.update(v for k, v in snapshot.items() if k == "tag_id")
            user_ids.add(snapshot.get("reviewed_by_id"))
    user_ids.discard(None)
    users = get_user_model().objects.in_bulk(list(user_ids)) if user_ids else {}
    entity_ids.discard(None)
    names = dict(Entity.objects.filter(pk__in=entity_ids).values_list("pk", "name"))
    names.update(
        {pk: name for pk, name in _deleted_entity_names(events).items() if pk not in names}
    )
    tags = dict(Tag.objects.filter(pk__in=tag_ids).values_list("pk", "name")) if tag_ids else {}
    grouped: dict[Any, list[Change]] = defaultdict(list)
    for event in events:
        grouped[event.context_id].append(_describe(event, names, tags, users))
    result = []
    for context_id in ids:
        context = contexts[context_id]
        meta = context.metadata
        result.append(
            ChangeSet(
                id=str(context_id),
                at=context.created_at,
                user=users.get(meta.get("user")),
                action=meta.get("action") or _guess_action(grouped[context_id]),
                changes=grouped[context_id],
                undone="undone_by" in meta,
                is_undo="undoes" in meta,
            )
        )
    return result


def _deleted_entity_names(events: list[Event]) -> dict[int, str]:
    return {e.obj_id: e.after.get("name", "") for e in events if e.model is EntityEvent}


def last_undoable(changes: list[ChangeSet], user) -> ChangeSet | None:
    """What "u" undoes: the user's latest change still in force (undos are skipped, so
    pressing it again walks further back)."""
    for change in changes:
        if change.user == user and not change.undone and not change.is_undo:
            return change
    return None


def _guess_action(changes: list[Change]) -> str:
    if not changes:
        return "Change"
    first = changes[0]
    if first.label.startswith("tag."):
        return "Tag article" if first.label == "tag.add" else "Untag article"
    return f"{first.label.capitalize()} {first.noun}"


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
    if key == "reviewed_by_id":
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


def _describe(event: Event, names: dict, tags: dict, users: dict) -> Change:
    noun = NOUNS.get(event.tracked, event.tracked._meta.verbose_name)
    after = event.after
    summary = after.get("text") or after.get("name") or ""
    if event.tracked is Article.tags.through:
        summary = str(tags.get(after.get("tag_id"), ""))
    change = Change(noun, event.label, str(event.obj_id), Truncator(str(summary)).chars(90))
    if event.label == "update":
        before = event.before or {}
        for key, value in after.items():
            if key in HIDDEN or key not in before or before[key] == value:
                continue
            change.fields.append(
                (
                    NAMES.get(key, key.replace("_", " ")),
                    _show(key, before[key], names, tags, users),
                    _show(key, value, names, tags, users),
                )
            )
    return change


# Undo --------------------------------------------------------------------------------------


def _current_rows(model: type[models.Model], pks: list[int]) -> dict[int, dict]:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT row_to_json(t)::text FROM "{table}" t WHERE t.id = ANY(%s) FOR UPDATE', [pks]
        )
        rows = [json.loads(row[0]) for row in cursor.fetchall()]
    return {row["id"]: row for row in rows}


def _values(model: type[models.Model], snapshot: dict) -> dict:
    fields = {f.attname: f for f in model._meta.concrete_fields}
    return {
        name: fields[name].to_python(value)
        for name, value in snapshot.items()
        if name in fields and name != "id" and not fields[name].generated
    }


def undo(context_id, user, article_id: int | None = None) -> str:
    """Revert every row a change set touched to its state before it; return what was undone.

    Locks each touched row FOR UPDATE. Refuses, writing nothing, if any of them changed since
    (compared field by field with the change set's own snapshots). Versions move forward, so
    edits made against the undone state are refused as stale.
    """
    try:
        with transaction.atomic():
            return _undo(context_id, user, article_id)
    except IntegrityError as error:
        raise CorrectionError(f"This change cannot be undone: {error}") from error


def _undo(context_id, user, article_id: int | None) -> str:
    context = Context.objects.select_for_update().filter(pk=context_id).first()
    if context is None:
        raise CorrectionError("There is no such change.")
    if "undone_by" in context.metadata:
        raise CorrectionError("This change was already undone.")
    events = _events([context.pk])
    if not events:
        raise CorrectionError("This change has nothing to undo.")
    first: dict[tuple, Event] = {}
    last: dict[tuple, Event] = {}
    for event in events:
        key = (event.model, event.obj_id)
        first.setdefault(key, event)
        last[key] = event
    # What each row should look like afterwards (None: it should not exist), checked first.
    plan = []
    for key, event in first.items():
        model = event.tracked
        current = _current_rows(model, [event.obj_id]).get(event.obj_id)
        final = last[key]
        expected = None if final.label in ("delete", "tag.remove") else final.after
        if not _matches(current, expected):
            raise CorrectionError(
                f"This {NOUNS.get(model, 'item')} was changed again since; "
                "undo the later change first."
            )
        if event.label in ("insert", "tag.add"):
            target = None
        elif event.label in ("delete", "tag.remove"):
            target = event.after
        elif event.before is not None:
            target = event.before
        else:
            raise CorrectionError("No earlier state of this item was recorded.")
        plan.append((model, event.obj_id, current, target))
    action = context.metadata.get("action") or "change"
    article_id = article_id or context.metadata.get("article")
    with _context(user, article_id, f"Undo: {action}", undoes=str(context.pk)) as undo_context:
        order = [m.pgh_tracked_model for m in EVENT_MODELS]
        plan.sort(key=lambda item: order.index(item[0]))
        for model, pk, current, target in plan:
            if target is not None and current is None:
                values = _values(model, target)
                if "version" in values:
                    values["version"] += 1
                model.objects.create(pk=pk, **values)
        for model, pk, current, target in plan:
            if target is not None and current is not None:
                values = _values(model, target)
                if "version" in values:
                    values["version"] = current["version"] + 1
                model.objects.filter(pk=pk).update(**values)
        for model, pk, current, target in reversed(plan):
            if target is None and current is not None:
                model.objects.filter(pk=pk).delete()
        context.metadata["undone_by"] = str(undo_context.id)
        Context.objects.filter(pk=context.pk).update(metadata=context.metadata)
        split_of = context.metadata.get("split_of")
        if split_of:
            merge = Context.objects.filter(pk=split_of).first()
            if merge is not None:
                merge.metadata.pop("split", None)
                Context.objects.filter(pk=merge.pk).update(metadata=merge.metadata)
    return action


def _matches(current: dict | None, expected: dict | None) -> bool:
    if current is None or expected is None:
        return current is None and expected is None
    return all(current.get(k) == v for k, v in expected.items() if k in current)
