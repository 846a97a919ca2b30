"""Reviewers confirm a person's gender and role: an entity correction like a rename.

One transaction and one change set (`changes.change_set`) per confirmation, so it is listed in
the History of the article it was made from (or on the person's page, made from there) and
undone like any correction; a stale `version` raises Conflict and writes nothing.
"""

from __future__ import annotations

from django.db import transaction

from articles.models import Entity
from articles.review.changes import change_set
from articles.review.corrections import Conflict, CorrectionError
from articles.review.entities import bump_version, lock_entity

ATTRIBUTES = {"gender": Entity.Gender, "role": Entity.Role}


def clean_value(attribute: str, value: str) -> str:
    """A value a form sent for an attribute: one of its choices, or "" to clear it."""
    choices = ATTRIBUTES[attribute]
    value = (value or "").strip()
    if value and value not in choices.values:
        options = ", ".join(choices.values)
        raise CorrectionError(f"“{value[:40]}” is not a {attribute}; choose one of {options}.")
    return value


def confirm(
    entity_id: int,
    version: int | None,
    user,
    *,
    gender: str | None = None,
    role: str | None = None,
    article_id: int | None = None,
) -> Entity:
    """Set a person's gender and/or role (None leaves one as it is; "" clears it).

    Locks the entity row FOR NO KEY UPDATE. CorrectionError for an entity that is no person
    or a value that is no choice; Conflict when `version` is stale.
    """
    wanted = {
        name: clean_value(name, value)
        for name, value in (("gender", gender), ("role", role))
        if value is not None
    }
    if not wanted:
        raise CorrectionError("Choose a gender or a role.")
    with transaction.atomic():
        entity = lock_entity(entity_id, version)
        if entity.label != "PERSON":
            raise CorrectionError("Gender and role are kept for people only.")
        changed = [name for name, value in wanted.items() if getattr(entity, name) != value]
        if not changed:
            return entity
        words = [
            f"{name} {dict(ATTRIBUTES[name].choices).get(wanted[name], 'not set').lower()}"
            for name in changed
        ]
        action = f"Confirmed {entity.name}: {', '.join(words)}"
        with change_set(user, action, article=article_id, entity=entity.pk):
            for name in changed:
                setattr(entity, name, wanted[name])
            bump_version(entity, changed)
    return entity


__all__ = ["ATTRIBUTES", "Conflict", "CorrectionError", "clean_value", "confirm"]
