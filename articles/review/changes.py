"""Change sets: how every audited write is grouped, described, scoped and undone.

A change set is one pghistory `Context`: the rows one correction, tagging or request changed,
snapshotted by the database triggers of articles/models.py. Writers open one with
`change_set()`. Inside a web request pghistory's middleware has already opened the request's
context, so everything one request writes is one change set and `change_set()` adds its
metadata to it (keys it leaves out keep the value an earlier call gave them).

Metadata keys, named here and read or written nowhere else:

    user         pk of who made the change (the middleware sets it too)
    url          the request's path (set by the middleware; not read)
    action       what was done, in words: "Accepted quote", "Tagged Politics"
    at           time.time(): orders change sets of one transaction, whose created_at is equal
    article      pk of the article the change was made on; absent when it was made for no one
                 article (bulk tagging, renaming or deleting a tag)
    quote        pk of the quote a correction edited (mention: of the mention)
    bulk         on a bulk change: how many articles it changed
    entity       pk of the entity an entity correction was about
    merged       on a merge: pk of the entity merged away (merged_name: its name)
    split        on a merge: set once the merge has been split again
    split_of     on a split: the id of the merge it split
    undoes       on an undo: the id of the change set it undid
    undone_by    on a change set undone whole: the undo's id
    undone_on    on a bulk change: {article pk: undo id} for articles it was undone on alone
    purged       on a purge of the trash: the pks of the articles deleted for good

Where a change set belongs: to its `article`; when it has none, to every article whose rows
(quotes, mentions, taggings, review status) it changed. It is listed in the History of every
article whose rows it changed, showing that article's rows and the global ones (tags,
entities, aliases), never another article's. It can be undone only from an article it belongs
to, and the undo belongs where the undone change did (undone on one article: to that one). A
change set that names no article and
changed no article's rows (creating or renaming a tag) is in no article's History.

Undo reverts every row the change set touched to its state before it, and refuses, writing
nothing, if any of those rows changed since or if other rows made since depend on a row it
would delete. A bulk change (bulk tagging: one tagging per article) can be undone two ways
from any article it touched:

    here  only that article's rows; global rows (a tag created on the way) stay. The article
          is recorded in `undone_on`: there the change reads as undone and cannot be undone
          again (neither here nor for all); on the other articles it stays in force.
    all   every row not yet undone on its own article, global rows included.

Every other change set is undone whole. Adding an article to the archive (inserting, or
deleting, an Article row) is never undone here. Editing an article (editing/edits.py) is: its
metadata and text go back; when the text goes back, the items the edit moved or dropped are
put back as they were, and items made since (the re-extraction's) follow the text back
(editing/offsets.py), or are dropped if unreviewed machine output; the article is queued for
extraction again. Undoing a move to the trash restores the article; undoing a restore puts it
back in the trash.

Who may undo: whoever may make every change the undo makes, row by row (`PERMISSIONS`); an
article edit needs change_article, and a move to or from the trash delete_article, which cover
the items the edit moved;
quotes, mentions and review status need review rights and the model's add, change or delete
permission; entities and aliases need change_entity, and recreating an entity add_entity (as
a split does), deleting one delete_mention (as a merge does); taggings need tag_article; tags
need add_tag to recreate one, change_tag to undo a rename, delete_tag to delete one.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pghistory
from django.db import IntegrityError, connection, models, transaction
from pghistory.models import Context

from articles.editing import offsets
from articles.extraction import queue
from articles.models import (
    Article,
    ArticleEditEvent,
    ArticleReviewEvent,
    ArticleTagEvent,
    Entity,
    EntityAlias,
    Mention,
    MentionEvent,
    Quote,
    QuoteEvent,
    Tag,
)
from articles.review.snapshots import (
    CREATE,
    DELETE,
    NOUNS,
    RESTORE,
    Event,
    Row,
    Tagging,
    Unrestorable,
    events,
    lock_unchanged,
    plan,
    put_back,
)

USER = "user"
ACTION = "action"
AT = "at"
ARTICLE = "article"
BULK = "bulk"
ENTITY = "entity"
MERGED = "merged"
MERGED_NAME = "merged_name"
SPLIT = "split"
SPLIT_OF = "split_of"
UNDOES = "undoes"
UNDONE_BY = "undone_by"
UNDONE_ON = "undone_on"
PURGED = "purged"
ITEM_KEYS = {Quote: "quote", Mention: "mention"}

# What undo does to a row (snapshots.CREATE, RESTORE, DELETE), and what that needs of the user.
REVIEW = "articles.review_article"
PERMISSIONS: dict[type[models.Model], dict[str, tuple[str, ...]]] = {
    Quote: {
        CREATE: (REVIEW, "articles.add_quote"),
        RESTORE: (REVIEW, "articles.change_quote"),
        DELETE: (REVIEW, "articles.delete_quote"),
    },
    Mention: {
        CREATE: (REVIEW, "articles.add_mention"),
        RESTORE: (REVIEW, "articles.change_mention"),
        DELETE: (REVIEW, "articles.delete_mention"),
    },
    # Only review-status rows: an article's own insert is never undone (see NotUndoable).
    # Its edits are another event model's rows (ARTICLE_EDITS).
    Article: {RESTORE: (REVIEW,)},
    Entity: {
        CREATE: ("articles.change_entity", "articles.add_entity"),
        RESTORE: ("articles.change_entity",),
        DELETE: ("articles.change_entity", "articles.delete_mention"),
    },
    EntityAlias: dict.fromkeys((CREATE, RESTORE, DELETE), ("articles.change_entity",)),
    Tagging: dict.fromkeys((CREATE, RESTORE, DELETE), ("articles.tag_article",)),
    Tag: {
        CREATE: ("articles.add_tag",),
        RESTORE: ("articles.change_tag",),
        DELETE: ("articles.delete_tag",),
    },
}
# How a refusal names what the user may not do.
DOINGS = {
    Quote: "correct quotes",
    Mention: "correct mentions",
    Article: "review articles",
    Entity: "edit entities",
    EntityAlias: "edit entities",
    Tagging: "tag articles",
    Tag: "manage tags",
}
HERE, ALL = "here", "all"
# Undoing an article edit: editing it again, or moving it to or from the trash.
EDIT_ARTICLE = ("articles.change_article",)
TRASH_ARTICLE = ("articles.delete_article",)


class Refused(Exception):
    """An undo (or a split) that cannot be made; the message is shown, `status` answered."""

    status = 409


class BadChange(Refused):
    """The id of a change set is not one at all."""

    status = 400


class NoSuchChange(Refused):
    status = 404


class MayNotUndo(Refused):
    status = 403


class NotUndoable(Refused):
    """Already undone, changed since, or a kind of change never undone here."""

    status = 409


def parse_id(value: Any) -> uuid.UUID:
    """The change set id a form sent; BadChange if it is not a UUID."""
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        raise BadChange("That is not the id of a change.") from None


# Opening -----------------------------------------------------------------------------------


@contextmanager
def change_set(
    user,
    action: str,
    *,
    article: int | None = None,
    item: Quote | Mention | None = None,
    entity: int | None = None,
    merged: Entity | None = None,
    split_of: uuid.UUID | None = None,
    bulk: int | None = None,
    undoes: uuid.UUID | None = None,
    purged: list[int] | None = None,
) -> Iterator[uuid.UUID]:
    """Group the writes made inside into one change set described by these marks; yield its id.

    Takes no locks. Keys given None are left out, so an enclosing change set (the request's)
    keeps its own; the last `action` set wins.
    """
    metadata: dict[str, Any] = {
        USER: user.pk if user is not None else None,
        ACTION: action,
        AT: time.time(),
        ARTICLE: article,
        ENTITY: entity,
        MERGED: merged.pk if merged is not None else None,
        MERGED_NAME: merged.name if merged is not None else None,
        SPLIT_OF: str(split_of) if split_of is not None else None,
        BULK: bulk,
        UNDOES: str(undoes) if undoes is not None else None,
        PURGED: purged,
    }
    if item is not None:
        metadata[ITEM_KEYS[type(item)]] = item.pk
    with pghistory.context(**{k: v for k, v in metadata.items() if v is not None}) as context:
        yield context.id


def describe(action: str) -> None:
    """Say in words what the open change set did, once that is known ("Changed speaker from
    X to Y"); the last description wins. Outside a change set it does nothing."""
    pghistory.context(**{ACTION: action})


# Reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """What a change set says about itself."""

    id: uuid.UUID
    at: datetime
    user_id: int | None
    action: str
    article_id: int | None
    bulk: int
    undoes: str | None
    undone_by: str | None
    undone_on: frozenset[int]

    def undone_for(self, article_id: int) -> bool:
        return self.undone_by is not None or article_id in self.undone_on


def header(context: Context) -> Header:
    meta = context.metadata
    return Header(
        id=context.pk,
        at=context.created_at,
        user_id=meta.get(USER),
        action=meta.get(ACTION) or "",
        article_id=meta.get(ARTICLE),
        bulk=int(meta.get(BULK) or 0),
        undoes=meta.get(UNDOES),
        undone_by=meta.get(UNDONE_BY),
        undone_on=frozenset(int(pk) for pk in meta.get(UNDONE_ON, {})),
    )


def touching(article_id: int, limit: int = 30) -> list[uuid.UUID]:
    """Ids of the latest change sets made on an article or changing its rows, newest first."""
    sql = f"""
        SELECT c.id FROM pghistory_context c
        WHERE c.metadata->>'{ARTICLE}' = %s OR c.id IN (
            SELECT pgh_context_id FROM {QuoteEvent._meta.db_table} WHERE article_id = %s
            UNION SELECT pgh_context_id FROM {MentionEvent._meta.db_table} WHERE article_id = %s
            UNION SELECT pgh_context_id FROM {ArticleTagEvent._meta.db_table}
                WHERE article_id = %s
            UNION SELECT pgh_context_id FROM {ArticleReviewEvent._meta.db_table}
                WHERE pgh_obj_id = %s)
        ORDER BY c.created_at DESC, (c.metadata->>'{AT}')::float DESC NULLS LAST LIMIT %s
    """
    pk = article_id
    with connection.cursor() as cursor:
        cursor.execute(sql, [str(pk), pk, pk, pk, pk, limit])
        return [row[0] for row in cursor.fetchall()]


def adds_an_article(found: list[Event]) -> bool:
    """Whether these are the rows of adding an article to the archive (or deleting one)."""
    return any(event.adds_or_removes_an_article for event in found)


def action_of(head: Header, found: list[Event], tag_names: dict[int, str]) -> str:
    """The change set's action in words, worked out from its rows when it named none."""
    if head.action:
        return head.action
    if adds_an_article(found):
        return "Added to the archive"
    if not found:
        return "Change"
    first = found[0]
    if first.tracked is Tagging:
        verb = "Tagged" if first.label == "tag.add" else "Untagged"
        return f"{verb} {tag_names.get(first.after.get('tag_id'), 'an article')}"
    verb = {"insert": "Added", "delete": "Removed"}.get(first.label, "Changed")
    return f"{verb} {NOUNS.get(first.tracked, 'item')}"


# Who may undo what -------------------------------------------------------------------------


def _is_edit(row: Row) -> bool:
    return row.source is ArticleEditEvent


def _moves_trash(row: Row) -> bool:
    return (row.expected or {}).get("deleted_at") != (row.target or {}).get("deleted_at")


def _missing(user, rows: list[Row]) -> list[str]:
    """What the user may not do of what undoing these rows does, in words.

    An article edit's own permission covers the rows of its article it moved along.
    """
    edited = {row.pk for row in rows if _is_edit(row)}
    missing = []
    for row in rows:
        if _is_edit(row):
            trash = _moves_trash(row)
            perms = TRASH_ARTICLE if trash else EDIT_ARTICLE
            doing = "delete and restore articles" if trash else "edit articles"
        elif _row_article(row) in edited:
            continue
        else:
            perms = PERMISSIONS.get(row.model, {}).get(row.op)
            doing = DOINGS.get(row.model, "change this")
        if (perms is None or not user.has_perms(perms)) and doing not in missing:
            missing.append(doing)
    return missing


def _row_article(row: Row) -> int | None:
    """The article a row of a quote, mention or review status is part of."""
    if row.model is Article:
        return row.pk
    if row.model in (Quote, Mention):
        return (row.expected or row.target or {}).get("article_id")
    return None


def _selected(head: Header, found: list[Event], article_id: int, scope: str) -> list[Event]:
    """The rows an undo from this article in this scope reverts (see the module docstring)."""
    if head.bulk and scope == HERE:
        return [e for e in found if e.article_id == article_id]
    return [e for e in found if e.article_id not in head.undone_on]


def belongs_to(head: Header, found: list[Event], article_id: int) -> bool:
    """Whether the change set may be undone from this article."""
    if head.article_id is not None:
        return head.article_id == article_id
    return any(event.article_id == article_id for event in found)


@dataclass(frozen=True)
class Choices:
    """The undo buttons a user gets for a change set on an article's page."""

    undo: bool = False  # the change set; for a bulk change of several articles, this one's part
    undo_all: bool = False  # a bulk change of several articles, for all of them


def choices(head: Header, found: list[Event], article_id: int, user) -> Choices:
    """Which undos the user may make of a change set from this article. No queries.

    Whether its rows changed since is found out only on undoing.
    """
    if (
        user is None
        or not found
        or adds_an_article(found)
        or head.undone_for(article_id)
        or not belongs_to(head, found, article_id)
    ):
        return Choices()

    def may(scope: str) -> bool:
        try:
            rows = plan(_selected(head, found, article_id, scope))
        except Unrestorable:
            return False
        return bool(rows) and not _missing(user, rows)

    if head.bulk > 1:
        return Choices(undo=may(HERE), undo_all=may(ALL))
    return Choices(undo=may(ALL))


# Undo --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Undone:
    action: str  # what was undone
    notice: str  # what to tell the user
    tags: bool  # whether tags or taggings changed


def undo(change_id: Any, user, article_id: int, *, scope: str = ALL) -> Undone:
    """Revert a change set, from this article, to the state before it; say what was undone.

    `scope` matters for bulk changes only (HERE or ALL, see the module docstring). Locks the
    change set's context row FOR UPDATE, then each row it reverts FOR UPDATE. Refuses, writing
    nothing: BadChange (not an id), NoSuchChange (unknown, or not this article's), NotUndoable
    (adds an article, already undone, or rows changed since), MayNotUndo (the user may not
    make every change the undo makes). Versions move forward, so edits made against the
    undone state are refused as stale.
    """
    change_id = parse_id(change_id)
    if scope not in (HERE, ALL):
        raise BadChange("Undo here or for all, nothing else.")
    try:
        with transaction.atomic():
            return _undo(change_id, user, article_id, scope)
    except IntegrityError as error:
        raise NotUndoable(
            "This change cannot be undone: what was made since depends on it. "
            "Undo the later changes first."
        ) from error


def _undo(change_id: uuid.UUID, user, article_id: int, scope: str) -> Undone:
    context = Context.objects.select_for_update().filter(pk=change_id).first()
    if context is None:
        raise NoSuchChange("There is no such change.")
    head = header(context)
    found = events([context.pk])
    if not belongs_to(head, found, article_id):
        raise NoSuchChange("There is no such change on this article.")
    if adds_an_article(found):
        raise NotUndoable(
            "Adding an article to the archive cannot be undone here; "
            "deleting an article is an action of its own."
        )
    if head.undone_by is not None:
        raise NotUndoable("This change was already undone.")
    if article_id in head.undone_on:
        raise NotUndoable("This change was already undone on this article.")
    here = bool(head.bulk) and scope == HERE
    selected = _selected(head, found, article_id, scope)
    try:
        rows = plan(selected)
    except Unrestorable as refused:
        raise NotUndoable(str(refused)) from None
    if not rows:
        raise NotUndoable("This change has nothing left to undo.")
    missing = _missing(user, rows)
    if missing:
        raise MayNotUndo(
            f"You may not undo this change: undoing it needs the right to {_and(missing)}, "
            "which your role does not have. Nothing was changed."
        )
    try:
        lock_unchanged(rows)
    except Unrestorable as refused:
        raise NotUndoable(str(refused)) from None
    action = action_of(head, found, _tag_names(found))
    articles = {e.article_id for e in selected} - {None}
    with change_set(
        user,
        f"Undo: {action}",
        article=article_id if here else head.article_id,
        bulk=len(articles) if head.bulk and not here else None,
        undoes=context.pk,
    ) as undo_id:
        text = _text_change(rows)
        if text is not None:
            _follow_text_back(rows, *text)
        put_back(rows)
        if text is not None:
            queue.requeue(text[0], take_over=True)
        # put_back() bypasses Django's cascades: a row made since that refers to a row it
        # deleted is a foreign-key violation here, and the undo is refused.
        connection.check_constraints()
        if here:
            context.metadata.setdefault(UNDONE_ON, {})[str(article_id)] = str(undo_id)
        else:
            context.metadata[UNDONE_BY] = str(undo_id)
        Context.objects.filter(pk=context.pk).update(metadata=context.metadata)
        split_of = context.metadata.get(SPLIT_OF)
        if split_of:
            _unmark_split(split_of)
    if here:
        notice = f"Undone on this article: {action}."
    elif head.bulk > 1:
        notice = f"Undone for all {len(articles)} articles: {action}."
    else:
        notice = f"Undone: {action}."
    return Undone(action, notice, any(row.model in (Tag, Tagging) for row in rows))


def on_entity(entity_id: int, limit: int = 10) -> list[tuple[Header, list[Event]]]:
    """The latest change sets made on an entity's own page (naming the entity and no
    article), newest first, with their rows. Two queries."""
    contexts = list(
        Context.objects.filter(metadata__entity=entity_id)
        .exclude(metadata__has_key=ARTICLE)
        .order_by("-created_at")[:limit]
    )
    found = events([context.pk for context in contexts]) if contexts else []
    by_context: dict[Any, list[Event]] = {}
    for event in found:
        by_context.setdefault(event.context_id, []).append(event)
    return [(header(context), by_context.get(context.pk, [])) for context in contexts]


def _only_entity(found: list[Event], entity_id: int) -> bool:
    return bool(found) and all(
        event.tracked is Entity and int(event.obj_id) == entity_id for event in found
    )


def may_undo_on_entity(head: Header, found: list[Event], entity_id: int, user) -> bool:
    """Whether the user may undo, from the entity's page, a change set made there. No
    queries; whether its rows changed since is found out only on undoing."""
    if head.undone_by is not None or head.article_id is not None:
        return False
    if not _only_entity(found, entity_id):
        return False
    try:
        rows = plan(found)
    except Unrestorable:
        return False
    return bool(rows) and not _missing(user, rows)


def undo_on_entity(change_id: Any, user, entity_id: int) -> Undone:
    """Undo, from an entity's page, a change set made there: one that names the entity and
    no article and changed that entity's row alone. Refuses and locks as `undo`."""
    change_id = parse_id(change_id)
    with transaction.atomic():
        context = (
            Context.objects.select_for_update()
            .filter(pk=change_id, metadata__entity=entity_id)
            .exclude(metadata__has_key=ARTICLE)
            .first()
        )
        if context is None or not _only_entity(events([context.pk]), entity_id):
            raise NoSuchChange("There is no such change on this page.")
        return _undo(change_id, user, None, ALL)


def _text_change(rows: list[Row]) -> tuple[int, str, str] | None:
    """(article, its text now, its text before) if undoing these rows changes an article's
    text; None otherwise."""
    for row in rows:
        if _is_edit(row) and row.expected["body"] != row.target["body"]:
            return row.pk, row.expected["body"], row.target["body"]
    return None


def _follow_text_back(rows: list[Row], article_id: int, now: str, before: str) -> None:
    """Ready an article's items for its text going back: the rows the undo puts back are left
    alone; kept items made since follow the text, and unreviewed machine output made since
    (the re-extraction's) is dropped. Call with the rows locked."""
    own = frozenset((row.model, row.pk) for row in rows if row.model in (Quote, Mention))
    offsets.move_kept_items(article_id, now, before, exclude=own)
    offsets.drop_machine_items(article_id, exclude=own)


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _tag_names(found: list[Event]) -> dict[int, str]:
    tag_ids = {e.after.get("tag_id") for e in found if e.tracked is Tagging}
    if not tag_ids:
        return {}
    names = {e.obj_id: e.after.get("name", "") for e in found if e.tracked is Tag}
    names.update(Tag.objects.filter(pk__in=tag_ids).values_list("pk", "name"))
    return names


# Merge and split markers -------------------------------------------------------------------


@dataclass(frozen=True)
class Merge:
    """A merge of one entity into another that can still be split."""

    id: uuid.UUID
    entity_id: int  # the entity kept
    merged_id: int  # the entity merged away
    merged_name: str
    at: datetime


def _splittable() -> models.QuerySet[Context]:
    return (
        Context.objects.filter(metadata__has_key=MERGED)
        .exclude(metadata__has_key=SPLIT)
        .exclude(metadata__has_key=UNDONE_BY)
    )


def _merge(context: Context) -> Merge:
    meta = context.metadata
    return Merge(
        context.pk, meta[ENTITY], meta[MERGED], meta.get(MERGED_NAME, ""), context.created_at
    )


def merges_into(entity_ids: Iterable[int]) -> list[Merge]:
    """The merges into these entities that can still be split, newest first, in one query."""
    contexts = _splittable().filter(metadata__entity__in=list(entity_ids))
    return [_merge(context) for context in contexts.order_by("-created_at")]


def merge_to_split(change_id: Any, entity_id: int) -> Merge | None:
    """The merge into this entity with this id, if it can still be split.

    Locks its context row FOR UPDATE; call inside atomic(). BadChange if the id is no id.
    """
    context = (
        _splittable()
        .select_for_update()
        .filter(pk=parse_id(change_id), metadata__entity=entity_id)
        .first()
    )
    return _merge(context) if context is not None else None


def merged_into(entity_id: int, hops: int = 10) -> tuple[int, str] | None:
    """The entity a merged-away entity lives on in (the one it was merged into, or, if that
    was merged away too, the one that one joined, and so on), with the merged entity's name.

    None if no merge took it (or the merge was undone or split), or if the trail ends at no
    entity. Two queries per hop.
    """
    seen = {entity_id}
    name = ""
    for _ in range(hops):
        merge = (
            _splittable()
            .filter(metadata__merged=entity_id)
            .order_by("-created_at")
            .values_list("metadata", flat=True)
            .first()
        )
        if merge is None or merge[ENTITY] in seen:
            return None
        name = name or merge.get(MERGED_NAME, "")
        entity_id = merge[ENTITY]
        seen.add(entity_id)
        if Entity.objects.filter(pk=entity_id).exists():
            return entity_id, name
    return None


def mark_split(merge: Merge) -> None:
    """Mark a merge as split again. Call with its context row locked (merge_to_split)."""
    context = Context.objects.get(pk=merge.id)
    context.metadata[SPLIT] = True
    Context.objects.filter(pk=merge.id).update(metadata=context.metadata)


def _unmark_split(change_id: str) -> None:
    merge = Context.objects.select_for_update().filter(pk=change_id).first()
    if merge is not None:
        merge.metadata.pop(SPLIT, None)
        Context.objects.filter(pk=merge.pk).update(metadata=merge.metadata)
