"""The rows of change sets: their snapshots, and putting rows back as a snapshot had them.

django-pghistory's triggers snapshot every insert, update and delete of a tracked row into its
event table: updates and inserts store the new row, deletes the old one, and the state before
an update is the previous event of the same row. This module reads those snapshots (for the
History and for undo) and writes rows back to an earlier snapshot. It knows nothing of a
change set's metadata: that, and who may undo what, is `changes`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, models

from articles.models import (
    Article,
    ArticleEditEvent,
    ArticleReviewEvent,
    ArticleTagEvent,
    Entity,
    EntityAlias,
    EntityAliasEvent,
    EntityEvent,
    Mention,
    MentionEvent,
    Quote,
    QuoteEvent,
    Tag,
    TagEvent,
)

Tagging = Article.tags.through
# Event models in the order their rows are recreated; deletes go in the reverse order.
EVENT_MODELS: list[type[models.Model]] = [
    TagEvent,
    EntityEvent,
    EntityAliasEvent,
    ArticleEditEvent,
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
    Tagging: "tagging",
}
INSERTS = ("insert", "tag.add")
DELETES = ("delete", "tag.remove")
# A row's state recorded just before its first change, by a tracker with no insert event.
BASELINE = "baseline"

# What putting a row back does to it.
CREATE, RESTORE, DELETE = "create", "restore", "delete"


class Unrestorable(Exception):
    """A row that cannot be put back: changed since, or with no earlier state recorded."""


@dataclass
class Event:
    """One row's snapshot in a change set, with the row's snapshot just before it."""

    model: type[models.Model]  # the event model
    pgh_id: int
    label: str  # insert, update, delete, tag.add, tag.remove
    obj_id: int
    context_id: Any
    after: dict
    before: dict | None

    @property
    def tracked(self) -> type[models.Model]:
        return self.model.pgh_tracked_model

    @property
    def article_id(self) -> int | None:
        """The article this row is part of; None for global rows (tags, entities, aliases)."""
        if self.tracked is Article:
            return self.obj_id
        if self.tracked in (Quote, Mention, Tagging):
            return self.after.get("article_id")
        return None

    @property
    def adds_or_removes_an_article(self) -> bool:
        return self.tracked is Article and self.label in ("insert", "delete")


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


def events(context_ids: Iterable) -> list[Event]:
    """Every row snapshot of these change sets, oldest first, in one query."""
    context_ids = list(context_ids)
    if not context_ids:
        return []
    by_label = {m._meta.label: m for m in EVENT_MODELS}
    with connection.cursor() as cursor:
        cursor.execute(_union("e.pgh_context_id = ANY(%s)"), [context_ids] * len(EVENT_MODELS))
        rows = cursor.fetchall()
    return [
        Event(
            by_label[label],
            pgh_id,
            pgh_label,
            int(obj_id),
            context_id,
            _strip(json.loads(data)),
            _strip(json.loads(prev)) if prev else None,
        )
        for label, pgh_id, pgh_label, obj_id, context_id, data, prev in rows
    ]


def record_baseline(event_model: type[models.Model], pk: int) -> None:
    """Snapshot a row as it is now, unless its tracker has recorded it already.

    For trackers without an insert event (ArticleEditEvent): the state before a row's first
    change would be unknown, and that change could be neither shown nor undone. The snapshot
    belongs to no change set. Call before changing the row, with the row locked.
    """
    table = event_model._meta.db_table
    tracked = event_model.pgh_tracked_model._meta.db_table
    columns = [f.column for f in event_model._meta.concrete_fields if not f.name.startswith("pgh_")]
    quoted = ", ".join(f'"{column}"' for column in columns)
    selected = ", ".join(f't."{column}"' for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" (pgh_created_at, pgh_label, pgh_obj_id, {quoted}) '
            f'SELECT NOW(), %s, t.id, {selected} FROM "{tracked}" t WHERE t.id = %s '
            f'AND NOT EXISTS (SELECT 1 FROM "{table}" e WHERE e.pgh_obj_id = t.id)',
            [BASELINE, pk],
        )


def _strip(data: dict) -> dict:
    return {k: v for k, v in data.items() if not k.startswith("pgh_")}


@dataclass
class Row:
    """One row an undo puts back: what it should be now, and what it becomes."""

    model: type[models.Model]  # the tracked model
    pk: int
    expected: dict | None  # its state after the change set (None: it should not exist)
    target: dict | None  # its state before the change set (None: it goes)
    op: str
    source: type[models.Model] | None = None  # the event model (Article has two)


def plan(found: list[Event]) -> list[Row]:
    """What putting back the rows of these snapshots means, row by row. No queries."""
    first: dict[tuple, Event] = {}
    last: dict[tuple, Event] = {}
    for event in found:
        key = (event.model, event.obj_id)
        first.setdefault(key, event)
        last[key] = event
    rows = []
    for key, event in first.items():
        existed = event.label not in INSERTS
        exists = last[key].label not in DELETES
        if not existed and not exists:
            continue  # made and removed within the change set: nothing to put back
        if existed and event.label not in DELETES and event.before is None:
            raise Unrestorable("No earlier state of this item was recorded.")
        target = (event.after if event.label in DELETES else event.before) if existed else None
        expected = last[key].after if exists else None
        op = RESTORE if existed and exists else CREATE if existed else DELETE
        rows.append(Row(event.tracked, event.obj_id, expected, target, op, event.model))
    return rows


def lock_unchanged(rows: list[Row]) -> None:
    """Lock every row FOR UPDATE (one query per model) and refuse if any changed since."""
    by_model: dict[type[models.Model], list[int]] = {}
    for row in rows:
        by_model.setdefault(row.model, []).append(row.pk)
    current = {model: _current_rows(model, pks) for model, pks in by_model.items()}
    for row in rows:
        if not _matches(current[row.model].get(row.pk), row.expected):
            raise Unrestorable(
                f"This {NOUNS.get(row.model, 'item')} was changed again since; "
                "undo the later change first."
            )


def _current_rows(model: type[models.Model], pks: list[int]) -> dict[int, dict]:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT row_to_json(t)::text FROM "{table}" t WHERE t.id = ANY(%s) FOR UPDATE', [pks]
        )
        rows = [json.loads(row[0]) for row in cursor.fetchall()]
    return {row["id"]: row for row in rows}


def _matches(current: dict | None, expected: dict | None) -> bool:
    if current is None or expected is None:
        return current is None and expected is None
    return all(current.get(k) == v for k, v in expected.items() if k in current)


def _values(model: type[models.Model], snapshot: dict) -> dict:
    fields = {f.attname: f for f in model._meta.concrete_fields}
    return {
        name: fields[name].to_python(value)
        for name, value in snapshot.items()
        if name in fields and name != "id" and not fields[name].generated
    }


def put_back(rows: list[Row]) -> None:
    """Recreate, then restore, then delete (children first), each row as it was before.

    Call inside atomic() after lock_unchanged(). Deletes bypass Django's cascades, so a row
    made since that refers to a deleted one fails the foreign-key check (IntegrityError) when
    the caller checks constraints.
    """
    order = [m.pgh_tracked_model for m in EVENT_MODELS]
    rows = sorted(rows, key=lambda row: order.index(row.model))
    # The base manager: the default one of Article leaves out the trash, which undo restores.
    for row in rows:
        if row.op == CREATE:
            values = _values(row.model, row.target)
            if "version" in values:
                values["version"] += 1
            row.model._base_manager.create(pk=row.pk, **values)
    for row in rows:
        if row.op == RESTORE:
            values = _values(row.model, row.target)
            if "version" in values:
                values["version"] = row.expected["version"] + 1
            row.model._base_manager.filter(pk=row.pk).update(**values)
    for row in reversed(rows):
        if row.op == DELETE:
            # Not Model.delete(): its cascades would silently take rows made since with it.
            with connection.cursor() as cursor:
                cursor.execute(f'DELETE FROM "{row.model._meta.db_table}" WHERE id = %s', [row.pk])
