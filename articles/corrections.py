"""Reviewers' corrections: quotes, mentions, entities and the article's review status.

Every function here is one change a reviewer makes, written in one transaction and grouped in
one pghistory context (so the audit history shows it as one change and undo reverts it whole).

Concurrency: an edit carries the `version` the reviewer saw. The function locks the article row
FOR NO KEY UPDATE (which serialises it with the extraction worker's apply_extraction), then the
item row FOR UPDATE, and compares versions; if someone changed the item since, it raises
Conflict with the current item and writes nothing. Every write bumps the version.

Machine items are never deleted: a removed machine quote or mention is kept as REJECTED, or
re-extraction would find it again. Items a human added are deleted outright.
"""

from __future__ import annotations

import time
from typing import Any

import pghistory
from django.db import transaction
from django.db.models import F, Model
from django.utils import timezone

from articles.models import Article, Entity, EntityAlias, Mention, Origin, Quote, ReviewState
from articles.nlp.entities import entity_key

PERSON = "PERSON"
ENTITY_LABELS = {
    "PERSON": "Person",
    "ORG": "Organisation",
    "GPE": "Place",
    "LOC": "Location",
    "NORP": "Group",
    "FAC": "Facility",
    "EVENT": "Event",
    "WORK_OF_ART": "Work",
    "LAW": "Law",
    "PRODUCT": "Product",
    "LANGUAGE": "Language",
}


class CorrectionError(Exception):
    """A correction that cannot be made; the message is shown to the reviewer."""


class Conflict(CorrectionError):
    """Someone else changed the item since the reviewer loaded it."""

    def __init__(self, current: Model | None, message: str = "") -> None:
        self.current = current
        super().__init__(
            message
            or "Someone else changed this since you opened it. Nothing was saved; "
            "this is the current version."
        )


def _context(user, article_id: int | None, action: str, **extra: Any) -> pghistory.context:
    # "at" orders change sets made in one transaction, whose created_at (NOW()) is the same.
    return pghistory.context(
        user=user.pk if user is not None else None,
        article=article_id,
        action=action,
        at=time.time(),
        **extra,
    )


def _lock_article(article_id: int) -> Article:
    return Article.objects.select_for_update(no_key=True).only("id", "body").get(pk=article_id)


def _lock_item(model: type[Quote] | type[Mention], pk: int, version: int | None):
    """Lock an item of an article (after its article) and check the version the reviewer saw."""
    article_id = model.objects.filter(pk=pk).values_list("article_id", flat=True).first()
    if article_id is None:
        raise Conflict(None, "This item no longer exists: someone removed it.")
    article = _lock_article(article_id)
    item = model.objects.select_for_update(of=("self",)).get(pk=pk)
    if version is not None and item.version != int(version):
        raise Conflict(item)
    return article, item


def _span(article: Article, start: int | None, end: int | None) -> tuple[int, int, str]:
    if start is None or end is None:
        raise CorrectionError("Select the text in the article first.")
    start, end = int(start), int(end)
    if not 0 <= start < end <= len(article.body):
        raise CorrectionError("The selection is outside the article text.")
    text = article.body[start:end]
    # Selections often catch a space at either end; the span should not.
    stripped = text.strip()
    if not stripped:
        raise CorrectionError("The selection is empty.")
    start += len(text) - len(text.lstrip())
    end = start + len(stripped)
    return start, end, stripped


def _save(item, user, fields: list[str]) -> None:
    item.version += 1
    item.reviewed_by = user
    item.save(update_fields=[*fields, "version", "reviewed_by", "updated_at"])


def _remove(item: Quote | Mention, user) -> None:
    """Delete a human item; keep a machine one as rejected, so re-extraction cannot revive it."""
    if item.origin == Origin.HUMAN:
        item.delete()
    else:
        item.status = ReviewState.REJECTED
        _save(item, user, ["status"])


def find_or_create_entity(name: str, label: str) -> Entity:
    """The global entity with this name (or alias) and label, created if there is none."""
    name = " ".join(name.split())[:300]
    if not name:
        raise CorrectionError("A name is needed.")
    if label not in ENTITY_LABELS:
        raise CorrectionError("Unknown entity type.")
    key = entity_key(name, label)[:300] or name.lower()
    entity = Entity.objects.filter(label=label, key=key).order_by("pk").first()
    if entity is None:
        alias = (
            EntityAlias.objects.filter(entity__label=label, key=key)
            .select_related("entity")
            .first()
        )
        entity = alias.entity if alias else Entity.objects.create(name=name, label=label, key=key)
    return entity


# Quotes ------------------------------------------------------------------------------------


def review_quote(quote_id: int, version: int | None, user, status: str) -> Quote:
    """Accept or reject a quote. Locks its article FOR NO KEY UPDATE and the quote FOR UPDATE."""
    if status not in (ReviewState.ACCEPTED, ReviewState.REJECTED):
        raise CorrectionError("A quote can only be accepted or rejected here.")
    with transaction.atomic():
        article, quote = _lock_item(Quote, quote_id, version)
        with _context(user, article.pk, f"{ReviewState(status).label} quote", quote=quote.pk):
            quote.status = status
            _save(quote, user, ["status"])
            _start_review(article.pk, user)
    return quote


def correct_quote(
    quote_id: int,
    version: int | None,
    user,
    *,
    kind: str | None = None,
    start: int | None = None,
    end: int | None = None,
) -> Quote:
    """Change a quote's type or boundaries. Same locks as review_quote."""
    with transaction.atomic():
        article, quote = _lock_item(Quote, quote_id, version)
        fields = ["status"]
        if kind is not None:
            if kind not in Quote.Kind.values:
                raise CorrectionError("Unknown quote type.")
            quote.kind = kind
            fields.append("kind")
        if start is not None and end is not None:
            quote.start, quote.end, quote.text = _span(article, start, end)
            fields += ["start", "end", "text"]
        with _context(user, article.pk, "Correct quote", quote=quote.pk):
            quote.status = ReviewState.CORRECTED
            _save(quote, user, fields)
            _start_review(article.pk, user)
    return quote


def set_speaker(
    quote_id: int,
    version: int | None,
    user,
    *,
    entity_id: int | None = None,
    new_name: str = "",
) -> Quote:
    """Attribute a quote to an existing entity or to a new person. Same locks as review_quote."""
    with transaction.atomic():
        article, quote = _lock_item(Quote, quote_id, version)
        with _context(user, article.pk, "Change speaker", quote=quote.pk):
            speaker = _speaker(entity_id, new_name)
            quote.speaker = speaker
            quote.speaker_text = speaker.name
            quote.status = ReviewState.CORRECTED
            _save(quote, user, ["speaker", "speaker_text", "status"])
            _start_review(article.pk, user)
    return quote


def _speaker(entity_id: int | None, new_name: str) -> Entity:
    if entity_id:
        speaker = Entity.objects.filter(pk=entity_id).first()
        if speaker is None:
            raise CorrectionError("That person no longer exists (merged or removed).")
        return speaker
    return find_or_create_entity(new_name, PERSON)


def add_quote(
    article_id: int,
    user,
    start: int,
    end: int,
    *,
    entity_id: int | None = None,
    new_name: str = "",
    kind: str = Quote.Kind.DIRECT,
) -> Quote:
    """Add a quote the extraction missed. Locks the article FOR NO KEY UPDATE."""
    if kind not in Quote.Kind.values:
        raise CorrectionError("Unknown quote type.")
    with transaction.atomic():
        article = _lock_article(article_id)
        start, end, text = _span(article, start, end)
        with _context(user, article.pk, "Add quote"):
            speaker = _speaker(entity_id, new_name) if (entity_id or new_name.strip()) else None
            quote = Quote.objects.create(
                article=article,
                start=start,
                end=end,
                text=text,
                kind=kind,
                speaker=speaker,
                speaker_text=speaker.name if speaker else "",
                origin=Origin.HUMAN,
                status=ReviewState.ACCEPTED,
                confidence=1.0,
                reviewed_by=user,
            )
            _start_review(article.pk, user)
    return quote


def delete_quote(quote_id: int, version: int | None, user) -> None:
    """Remove a quote: a human one is deleted, a machine one kept as rejected. Same locks."""
    with transaction.atomic():
        article, quote = _lock_item(Quote, quote_id, version)
        with _context(user, article.pk, "Delete quote", quote=quote.pk):
            _remove(quote, user)
            _start_review(article.pk, user)


# Mentions ----------------------------------------------------------------------------------


def relabel_mention(mention_id: int, version: int | None, user, label: str) -> Mention:
    """Give a mention another type; it moves to the entity of that name and type. Same locks."""
    with transaction.atomic():
        article, mention = _lock_item(Mention, mention_id, version)
        with _context(user, article.pk, "Relabel mention", mention=mention.pk):
            entity = find_or_create_entity(mention.entity.name, label)
            mention.label = label
            mention.entity = entity
            mention.status = ReviewState.CORRECTED
            _save(mention, user, ["label", "entity", "status"])
            _start_review(article.pk, user)
    return mention


def set_mention_span(mention_id: int, version: int | None, user, start: int, end: int) -> Mention:
    """Fix a mention's boundaries. Same locks as relabel_mention."""
    with transaction.atomic():
        article, mention = _lock_item(Mention, mention_id, version)
        with _context(user, article.pk, "Fix mention span", mention=mention.pk):
            mention.start, mention.end, mention.text = _span(article, start, end)
            mention.status = ReviewState.CORRECTED
            _save(mention, user, ["start", "end", "text", "status"])
            _start_review(article.pk, user)
    return mention


def link_mention(mention_id: int, version: int | None, user, entity_id: int) -> Mention:
    """Point a mention at another entity (and that entity's type). Same locks."""
    with transaction.atomic():
        article, mention = _lock_item(Mention, mention_id, version)
        entity = Entity.objects.filter(pk=entity_id).first()
        if entity is None:
            raise CorrectionError("That entity no longer exists.")
        with _context(user, article.pk, "Link mention", mention=mention.pk):
            mention.entity = entity
            mention.label = entity.label
            mention.status = ReviewState.CORRECTED
            _save(mention, user, ["entity", "label", "status"])
            _start_review(article.pk, user)
    return mention


def reject_mention(mention_id: int, version: int | None, user) -> None:
    """Remove a false positive: a human mention is deleted, a machine one kept as rejected."""
    with transaction.atomic():
        article, mention = _lock_item(Mention, mention_id, version)
        with _context(user, article.pk, "Remove mention", mention=mention.pk):
            _remove(mention, user)
            _start_review(article.pk, user)


def add_mention(
    article_id: int,
    user,
    start: int,
    end: int,
    label: str,
    *,
    entity_id: int | None = None,
    new_name: str = "",
) -> Mention:
    """Add a mention the extraction missed. Locks the article FOR NO KEY UPDATE."""
    with transaction.atomic():
        article = _lock_article(article_id)
        start, end, text = _span(article, start, end)
        with _context(user, article.pk, "Add mention"):
            if entity_id:
                entity = Entity.objects.filter(pk=entity_id).first()
                if entity is None:
                    raise CorrectionError("That entity no longer exists.")
            else:
                entity = find_or_create_entity(new_name or text, label)
            mention = Mention.objects.create(
                article=article,
                start=start,
                end=end,
                text=text,
                label=entity.label,
                entity=entity,
                origin=Origin.HUMAN,
                status=ReviewState.ACCEPTED,
                reviewed_by=user,
            )
            _start_review(article.pk, user)
    return mention


# Entities ----------------------------------------------------------------------------------


def _lock_entity(pk: int, version: int | None, *, deleting: bool = False) -> Entity:
    # FOR NO KEY UPDATE unless the row goes: the worker may keep inserting mentions that point
    # at the entity (their foreign-key checks take KEY SHARE locks, which this does not block).
    entities = Entity.objects.select_for_update(no_key=not deleting)
    entity = entities.filter(pk=pk).first()
    if entity is None:
        raise Conflict(None, "This entity no longer exists: it was merged or removed.")
    if version is not None and entity.version != int(version):
        raise Conflict(entity)
    return entity


def _bump(entity: Entity, fields: list[str]) -> None:
    entity.version += 1
    entity.save(update_fields=[*fields, "version", "updated_at"])


def rename_entity(
    entity_id: int, version: int | None, user, name: str, *, article_id: int | None = None
) -> Entity:
    """Change an entity's canonical name; the old one stays as an alias.

    Locks the entity row FOR NO KEY UPDATE (as do the other entity edits below).
    """
    name = " ".join(name.split())[:300]
    if not name:
        raise CorrectionError("A name is needed.")
    with transaction.atomic():
        entity = _lock_entity(entity_id, version)
        with _context(user, article_id, "Rename entity", entity=entity.pk):
            old_name = entity.name
            entity.name = name
            entity.key = entity_key(name, entity.label)[:300] or name.lower()
            _bump(entity, ["name", "key"])
            _add_alias(entity, old_name)
            EntityAlias.objects.filter(entity=entity, key=entity.key).delete()
    return entity


def _add_alias(entity: Entity, name: str) -> None:
    key = entity_key(name, entity.label)[:300]
    if key and key != entity.key:
        EntityAlias.objects.get_or_create(entity=entity, key=key, defaults={"name": name[:300]})


def add_alias(
    entity_id: int, version: int | None, user, name: str, *, article_id: int | None = None
) -> Entity:
    """Add another name this entity goes by. Locks the entity FOR NO KEY UPDATE."""
    if not name.strip():
        raise CorrectionError("A name is needed.")
    with transaction.atomic():
        entity = _lock_entity(entity_id, version)
        with _context(user, article_id, "Add alias", entity=entity.pk):
            _add_alias(entity, " ".join(name.split()))
            _bump(entity, [])
    return entity


def remove_alias(
    entity_id: int, version: int | None, user, alias_id: int, *, article_id: int | None = None
) -> Entity:
    """Remove one of an entity's aliases. Locks the entity FOR NO KEY UPDATE."""
    with transaction.atomic():
        entity = _lock_entity(entity_id, version)
        with _context(user, article_id, "Remove alias", entity=entity.pk):
            EntityAlias.objects.filter(entity=entity, pk=alias_id).delete()
            _bump(entity, [])
    return entity


def merge_entities(
    keep_id: int,
    keep_version: int | None,
    other_id: int,
    other_version: int | None,
    user,
    *,
    article_id: int | None = None,
) -> Entity:
    """Merge `other` into `keep` everywhere: mentions, quotes' speakers and aliases move over.

    Locks both entity rows, lower id first (so two merges cannot deadlock): the kept one FOR NO
    KEY UPDATE, the merged one FOR UPDATE since it is deleted. The
    merge is recorded in one history context, which split_entity uses to undo it later.
    """
    if int(keep_id) == int(other_id):
        raise CorrectionError("An entity cannot be merged with itself.")
    with transaction.atomic():
        locked = {}
        for pk, version in sorted([(int(keep_id), keep_version), (int(other_id), other_version)]):
            locked[pk] = _lock_entity(pk, version, deleting=pk == int(other_id))
        keep, other = locked[int(keep_id)], locked[int(other_id)]
        with _context(
            user,
            article_id,
            f"Merge {other.name} into {keep.name}",
            entity=keep.pk,
            merged=other.pk,
            merged_name=other.name,
        ):
            now = timezone.now()
            bump = {"version": F("version") + 1, "updated_at": now}
            Mention.objects.filter(entity=other).update(entity=keep, **bump)
            Quote.objects.filter(speaker=other).update(speaker=keep, **bump)
            taken = set(EntityAlias.objects.filter(entity=keep).values_list("key", flat=True))
            EntityAlias.objects.filter(entity=other, key__in=taken | {keep.key}).delete()
            EntityAlias.objects.filter(entity=other).update(entity=keep)
            _add_alias(keep, other.name)
            other.delete()
            _bump(keep, [])
    return keep


def merges_into(entity_ids) -> dict[int, list[dict]]:
    """The merges into these entities that can still be split, newest first, in one query."""
    from pghistory.models import Context

    found: dict[int, list[dict]] = {}
    contexts = (
        Context.objects.filter(metadata__entity__in=list(entity_ids), metadata__has_key="merged")
        .exclude(metadata__has_key="split")
        .order_by("-created_at")
    )
    for context in contexts:
        meta = context.metadata
        found.setdefault(meta["entity"], []).append(
            {"context": context.pk, "name": meta.get("merged_name", ""), "at": context.created_at}
        )
    return found


def split_entity(
    keep_id: int,
    keep_version: int | None,
    user,
    merge_context,
    *,
    article_id: int | None = None,
) -> Entity:
    """Undo one merge into an entity: the merged entity comes back with its own mentions.

    Only what the merge moved, and still points at the kept entity, moves back. Locks the kept
    entity FOR NO KEY UPDATE and the merge's history context row, which is marked as split.
    """
    from pghistory.models import Context

    from articles.models import EntityAliasEvent, EntityEvent, MentionEvent, QuoteEvent

    with transaction.atomic():
        keep = _lock_entity(keep_id, keep_version)
        context = Context.objects.select_for_update().filter(pk=merge_context).first()
        if (
            context is None
            or context.metadata.get("entity") != keep.pk
            or "merged" not in context.metadata
            or "split" in context.metadata
        ):
            raise CorrectionError("There is no merge to split here.")
        snapshot = EntityEvent.objects.filter(
            pgh_context_id=context.pk, pgh_label="delete", pgh_obj_id=context.metadata["merged"]
        ).first()
        if snapshot is None:
            raise CorrectionError("The merged entity's history is missing.")
        with _context(
            user,
            article_id,
            f"Split {snapshot.name} from {keep.name}",
            entity=keep.pk,
            split_of=str(context.pk),
        ):
            pk_free = not Entity.objects.filter(pk=snapshot.id).exists()
            other = Entity.objects.create(
                **({"pk": snapshot.id} if pk_free else {}),
                name=snapshot.name,
                label=snapshot.label,
                key=snapshot.key,
                version=snapshot.version + 1,
            )
            bump = {"version": F("version") + 1, "updated_at": timezone.now()}
            moved = MentionEvent.objects.filter(pgh_context_id=context.pk, pgh_label="update")
            Mention.objects.filter(pk__in=moved.values("pgh_obj_id"), entity=keep).update(
                entity=other, **bump
            )
            spoke = QuoteEvent.objects.filter(pgh_context_id=context.pk, pgh_label="update")
            Quote.objects.filter(pk__in=spoke.values("pgh_obj_id"), speaker=keep).update(
                speaker=other, **bump
            )
            aliases = EntityAliasEvent.objects.filter(
                pgh_context_id=context.pk, pgh_label__in=["update", "delete"]
            )
            EntityAlias.objects.filter(pk__in=aliases.values("pgh_obj_id"), entity=keep).update(
                entity=other
            )
            EntityAlias.objects.filter(entity=keep, key=snapshot.key).delete()
            _bump(keep, [])
            context.metadata["split"] = True
            Context.objects.filter(pk=context.pk).update(metadata=context.metadata)
    return other


# The article -------------------------------------------------------------------------------


def _start_review(article_id: int, user) -> None:
    """The first correction moves an article from "needs review" to "in review"."""
    Article.objects.filter(pk=article_id, review_status=Article.ReviewStatus.NEEDS_REVIEW).update(
        review_status=Article.ReviewStatus.IN_REVIEW
    )


def set_review_status(article_id: int, user, status: str) -> Article:
    """Set the article's review status; "reviewed" records who and when.

    Locks the article row FOR NO KEY UPDATE.
    """
    if status not in Article.ReviewStatus.values:
        raise CorrectionError("Unknown review status.")
    with transaction.atomic():
        article = _lock_article(article_id)
        label = Article.ReviewStatus(status).label
        with _context(user, article.pk, f"Mark {label.lower()}"):
            reviewed = status == Article.ReviewStatus.REVIEWED
            Article.objects.filter(pk=article.pk).update(
                review_status=status,
                reviewed_by=user if reviewed else None,
                reviewed_at=timezone.now() if reviewed else None,
            )
    return Article.objects.get(pk=article_id)
