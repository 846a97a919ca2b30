"""Reviewers' corrections to global entities: rename, aliases, merge and split.

Like the item corrections in `articles.review.corrections`, each function is one transaction and one
change set (`changes.change_set`), and an edit carrying a stale `version` raises Conflict.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from articles.models import Entity, EntityAlias, Mention, Origin, Quote, ReviewState
from articles.nlp.entities import entity_key
from articles.review import changes
from articles.review.changes import change_set
from articles.review.corrections import Conflict, CorrectionError


def lock_entity(pk: int, version: int | None, *, deleting: bool = False) -> Entity:
    """The entity row, locked, if `version` is still current (Conflict otherwise).
    Call inside atomic(); shared with sources/attributes.py."""
    # FOR NO KEY UPDATE unless the row goes: the worker may keep inserting mentions that point
    # at the entity (their foreign-key checks take KEY SHARE locks, which this does not block).
    entities = Entity.objects.select_for_update(no_key=not deleting)
    entity = entities.filter(pk=pk).first()
    if entity is None:
        raise Conflict(None, "This entity no longer exists: it was merged or removed.")
    if version is not None and entity.version != int(version):
        raise Conflict(entity)
    return entity


def bump_version(entity: Entity, fields: list[str]) -> None:
    """Save `fields` of a locked entity and move its version on."""
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
        entity = lock_entity(entity_id, version)
        with change_set(user, "Renamed an entity", article=article_id, entity=entity.pk):
            old_name = entity.name
            entity.name = name
            entity.key = entity_key(name, entity.label)[:300] or name.lower()
            bump_version(entity, ["name", "key"])
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
        entity = lock_entity(entity_id, version)
        with change_set(user, "Added an alias", article=article_id, entity=entity.pk):
            _add_alias(entity, " ".join(name.split()))
            bump_version(entity, [])
    return entity


def remove_alias(
    entity_id: int, version: int | None, user, alias_id: int, *, article_id: int | None = None
) -> Entity:
    """Remove one of an entity's aliases. Locks the entity FOR NO KEY UPDATE."""
    with transaction.atomic():
        entity = lock_entity(entity_id, version)
        with change_set(user, "Removed an alias", article=article_id, entity=entity.pk):
            EntityAlias.objects.filter(entity=entity, pk=alias_id).delete()
            bump_version(entity, [])
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
    merge is recorded in one change set, which split_entity uses to undo it later.
    """
    if int(keep_id) == int(other_id):
        raise CorrectionError("An entity cannot be merged with itself.")
    with transaction.atomic():
        locked = {}
        for pk, version in sorted([(int(keep_id), keep_version), (int(other_id), other_version)]):
            locked[pk] = lock_entity(pk, version, deleting=pk == int(other_id))
        keep, other = locked[int(keep_id)], locked[int(other_id)]
        with change_set(
            user,
            f"Merge {other.name} into {keep.name}",
            article=article_id,
            entity=keep.pk,
            merged=other,
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
            bump_version(keep, [])
    return keep


def merges_into(entity_ids) -> dict[int, list[dict]]:
    """The merges into these entities that can still be split, newest first, in one query."""
    found: dict[int, list[dict]] = {}
    for merge in changes.merges_into(entity_ids):
        found.setdefault(merge.entity_id, []).append(
            {"context": merge.id, "name": merge.merged_name, "at": merge.at}
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
    entity FOR NO KEY UPDATE and the merge's change set row (changes.merge_to_split), which is
    marked as split. A `merge_context` that is no id raises changes.BadChange.
    """
    from articles.models import EntityAliasEvent, EntityEvent, MentionEvent, QuoteEvent

    with transaction.atomic():
        keep = lock_entity(keep_id, keep_version)
        merge = changes.merge_to_split(merge_context, keep.pk)
        if merge is None:
            raise CorrectionError("There is no merge to split here.")
        snapshot = EntityEvent.objects.filter(
            pgh_context_id=merge.id, pgh_label="delete", pgh_obj_id=merge.merged_id
        ).first()
        if snapshot is None:
            raise CorrectionError("The merged entity's history is missing.")
        with change_set(
            user,
            f"Split {snapshot.name} from {keep.name}",
            article=article_id,
            entity=keep.pk,
            split_of=merge.id,
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
            moved = MentionEvent.objects.filter(pgh_context_id=merge.id, pgh_label="update")
            Mention.objects.filter(pk__in=moved.values("pgh_obj_id"), entity=keep).update(
                entity=other, **bump
            )
            spoke = QuoteEvent.objects.filter(pgh_context_id=merge.id, pgh_label="update")
            Quote.objects.filter(pk__in=spoke.values("pgh_obj_id"), speaker=keep).update(
                speaker=other, **bump
            )
            aliases = EntityAliasEvent.objects.filter(
                pgh_context_id=merge.id, pgh_label__in=["update", "delete"]
            )
            EntityAlias.objects.filter(pk__in=aliases.values("pgh_obj_id"), entity=keep).update(
                entity=other
            )
            EntityAlias.objects.filter(entity=keep, key=snapshot.key).delete()
            bump_version(keep, [])
            changes.mark_split(merge)
    return other


def mark_not_an_entity(entity_id: int, version: int | None, user) -> int:
    """Mark an entity as extraction noise: reject its machine mentions, everywhere, and keep
    the mark so that extraction stores none for it again. Returns how many were rejected.

    Locks the entity row FOR NO KEY UPDATE. Human-added mentions stay: a person chose them.
    Undone like any change set (the History of each article it touched).
    """
    with transaction.atomic():
        entity = lock_entity(entity_id, version)
        with change_set(user, f"Marked {entity.name} as not an entity", entity=entity.pk):
            entity.not_an_entity = True
            bump_version(entity, ["not_an_entity"])
            now = timezone.now()
            return Mention.objects.filter(
                entity=entity, origin=Origin.MACHINE, status=ReviewState.UNREVIEWED
            ).update(
                status=ReviewState.REJECTED,
                reviewed_by=user,
                version=F("version") + 1,
                updated_at=now,
            )
