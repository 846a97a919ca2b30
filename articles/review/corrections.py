"""Reviewers' corrections: quotes, mentions and the article's review status.

Corrections to global entities (rename, aliases, merge, split) are in `entity_corrections`.

Every function here is one change a reviewer makes, written in one transaction and grouped in
one change set (`changes.change_set`), so the History shows it as one change and undo reverts
it whole.

Concurrency: an edit carries the `version` the reviewer saw. The function locks the article row
FOR NO KEY UPDATE (which serialises it with the extraction worker's apply_extraction), then the
item row FOR UPDATE, and compares versions; if someone changed the item since, it raises
Conflict with the current item and writes nothing. Every write bumps the version.

Machine items are never deleted: a removed machine quote or mention is kept as REJECTED, or
re-extraction would find it again. Items a human added are deleted outright.
"""

from __future__ import annotations

import unicodedata
from contextlib import contextmanager

from django.db import transaction
from django.db.models import F, Model
from django.utils import timezone

from articles.models import (
    ENTITY_TYPE_NAMES,
    Article,
    Entity,
    EntityAlias,
    Mention,
    Origin,
    Quote,
    ReviewState,
)
from articles.nlp.entities import entity_key
from articles.review import changes
from articles.review.changes import change_set

PERSON = "PERSON"
ENTITY_LABELS = ENTITY_TYPE_NAMES


class CorrectionError(Exception):
    """A correction that cannot be made; the message is shown to the reviewer."""


class BadInput(CorrectionError):
    """A value no form of the page sends (not a number, a NUL in a name): 400."""


NAME_MAX = 300


def typed_name(value: str) -> str:
    """A name a reviewer typed: no control characters (PostgreSQL refuses NUL); not too long."""
    if any(unicodedata.category(char) == "Cc" and not char.isspace() for char in value):
        raise BadInput("A name cannot contain control characters.")
    if len(value) > NAME_MAX:
        raise BadInput(f"A name can be at most {NAME_MAX} characters long.")
    return value


class Conflict(CorrectionError):
    """Someone else changed the item since the reviewer loaded it."""

    def __init__(self, current: Model | None, message: str = "") -> None:
        self.current = current
        super().__init__(
            message
            or "Someone else changed this since you opened it. Nothing was saved; "
            "this is the current version."
        )


def _lock_article(article_id: int, version: int | None = None) -> Article:
    """Lock an article outside the trash; with `version`, check that its text is the one the
    reviewer's offsets were taken from (an editor may have changed it since)."""
    article = (
        Article.objects.select_for_update(no_key=True)
        .only("id", "body", "version")
        .filter(pk=article_id)
        .first()
    )
    if article is None:
        raise Conflict(None, "This article is no longer here: it was moved to the trash.")
    if version is not None and article.version != int(version):
        raise Conflict(
            None,
            "The article was edited since you opened it, so your selection may be on other "
            "words now. Nothing was saved: select the text again.",
        )
    return article


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


@contextmanager
def _editing(model: type[Quote] | type[Mention], pk: int, version: int | None, user, action: str):
    """One reviewer edit of a quote or mention, as one transaction and one change set.

    Locks the article and the item, checks the version the reviewer saw, and yields both;
    when the edit succeeds, the article moves into review.
    """
    with transaction.atomic():
        article, item = _lock_item(model, pk, version)
        with change_set(user, action, article=article.pk, item=item):
            yield article, item
            _start_review(article.pk, user)


def _check_text_version(article: Article, version: int | None) -> None:
    if version is not None and article.version != int(version):
        _lock_article(article.pk, version)  # raises the Conflict that says so


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
    """Save a reviewer's correction. A reviewer has now seen an item an edit had flagged,
    unless it is still detached (its words gone)."""
    item.version += 1
    item.reviewed_by = user
    if item.edited_from and not item.is_detached:
        item.edited_from = ""
        fields = [*fields, "edited_from"]
    item.save(update_fields=[*fields, "version", "reviewed_by", "updated_at"])


def _check_attached(item: Quote | Mention) -> None:
    if item.is_detached:
        raise CorrectionError(
            "An edit of the article took this item's words. Select its new words in the "
            "article, or delete it."
        )


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
    action = f"{ReviewState(status).label} quote"
    with _editing(Quote, quote_id, version, user, action) as (_, quote):
        if status == ReviewState.ACCEPTED:
            _check_attached(quote)
        quote.status = status
        _save(quote, user, ["status"])
    return quote


def _check_quote_choices(kind: str | None, category: str | None) -> None:
    """Refuse a quote type or category that does not exist (None: left as it is)."""
    if kind is not None and kind not in Quote.Kind.values:
        raise CorrectionError("Unknown quote type.")
    if category is not None and category not in Quote.Category.values:
        raise CorrectionError("Unknown quote category.")


def correct_quote(
    quote_id: int,
    version: int | None,
    user,
    *,
    kind: str | None = None,
    category: str | None = None,
    start: int | None = None,
    end: int | None = None,
    article_version: int | None = None,
) -> Quote:
    """Change a quote's type, category or boundaries. Same locks as review_quote; new
    boundaries are refused (Conflict) if `article_version` is given and the text changed."""
    _check_quote_choices(kind, category)
    with _editing(Quote, quote_id, version, user, "Corrected quote") as (article, quote):
        if start is not None and end is not None:
            _check_text_version(article, article_version)
        fields = ["status"]
        if kind is not None:
            quote.kind = kind
            fields.append("kind")
        if category is not None:
            quote.category = category
            fields.append("category")
        if start is not None and end is not None:
            quote.start, quote.end, quote.text = _span(article, start, end)
            fields += ["start", "end", "text"]
        quote.status = ReviewState.CORRECTED
        _save(quote, user, fields)
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
    with _editing(Quote, quote_id, version, user, "Changed speaker") as (_, quote):
        speaker = _speaker(entity_id, new_name)
        before = quote.speaker.name if quote.speaker_id else quote.speaker_text
        # The History's line says who it was and who it is now.
        changes.describe(
            f"Changed speaker from {before} to {speaker.name}"
            if before
            else f"Set the speaker to {speaker.name}"
        )
        quote.speaker = speaker
        quote.speaker_text = speaker.name
        # The evidence explained the machine's choice; the reviewer's choice needs none.
        quote.speaker_evidence = ""
        quote.status = ReviewState.CORRECTED
        _save(quote, user, ["speaker", "speaker_text", "speaker_evidence", "status"])
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
    category: str = Quote.Category.QUOTE,
    article_version: int | None = None,
) -> Quote:
    """Add a quote or attribution the extraction missed. Locks the article FOR NO KEY
    UPDATE; Conflict if `article_version` is given and the text changed since."""
    _check_quote_choices(kind, category)
    with transaction.atomic():
        article = _lock_article(article_id, article_version)
        start, end, text = _span(article, start, end)
        with change_set(user, "Added a quote", article=article.pk):
            speaker = _speaker(entity_id, new_name) if (entity_id or new_name.strip()) else None
            quote = Quote.objects.create(
                article=article,
                start=start,
                end=end,
                text=text,
                kind=kind,
                category=category,
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
    with _editing(Quote, quote_id, version, user, "Deleted quote") as (_, quote):
        _remove(quote, user)


# Mentions ----------------------------------------------------------------------------------


def relabel_mention(mention_id: int, version: int | None, user, label: str) -> Mention:
    """Give a mention another type; it moves to the entity of that name and type. Same locks."""
    with _editing(Mention, mention_id, version, user, "Changed a mention's type") as (_, mention):
        entity = find_or_create_entity(mention.entity.name, label)
        mention.label = label
        mention.entity = entity
        mention.status = ReviewState.CORRECTED
        _save(mention, user, ["label", "entity", "status"])
    return mention


def set_mention_span(
    mention_id: int,
    version: int | None,
    user,
    start: int,
    end: int,
    article_version: int | None = None,
) -> Mention:
    """Fix a mention's boundaries. Same locks as relabel_mention; Conflict if
    `article_version` is given and the text changed since."""
    action = "Fixed a mention's span"
    with _editing(Mention, mention_id, version, user, action) as (article, mention):
        _check_text_version(article, article_version)
        mention.start, mention.end, mention.text = _span(article, start, end)
        mention.status = ReviewState.CORRECTED
        _save(mention, user, ["start", "end", "text", "status"])
    return mention


def link_mention(
    mention_id: int, version: int | None, user, entity_id: int | None = None, *, new_name: str = ""
) -> Mention:
    """Point a mention at another entity (and that entity's type): the one with `entity_id`,
    or else the one named `new_name` with the mention's type, created if there is none (in the
    same transaction, so a refused edit creates nothing). Same locks."""
    with _editing(Mention, mention_id, version, user, "Relinked a mention") as (_, mention):
        if entity_id is None:
            entity = find_or_create_entity(new_name, mention.label)
        else:
            entity = Entity.objects.filter(pk=entity_id).first()
        if entity is None:
            raise CorrectionError("That entity no longer exists.")
        mention.entity = entity
        mention.label = entity.label
        mention.status = ReviewState.CORRECTED
        _save(mention, user, ["entity", "label", "status"])
    return mention


def reject_mention(mention_id: int, version: int | None, user) -> None:
    """Remove a false positive: a human mention is deleted, a machine one kept as rejected."""
    with _editing(Mention, mention_id, version, user, "Removed a mention") as (_, mention):
        _remove(mention, user)


def add_mention(
    article_id: int,
    user,
    start: int,
    end: int,
    label: str,
    *,
    entity_id: int | None = None,
    new_name: str = "",
    article_version: int | None = None,
) -> Mention:
    """Add a mention the extraction missed. Locks the article FOR NO KEY UPDATE; Conflict if
    `article_version` is given and the text changed since."""
    with transaction.atomic():
        article = _lock_article(article_id, article_version)
        start, end, text = _span(article, start, end)
        with change_set(user, "Added a mention", article=article.pk):
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


# The article -------------------------------------------------------------------------------


def _start_review(article_id: int, user) -> None:
    """The first correction moves an article from "needs review" to "in review"."""
    Article.objects.filter(pk=article_id, review_status=Article.ReviewStatus.NEEDS_REVIEW).update(
        review_status=Article.ReviewStatus.IN_REVIEW
    )


# What to do with unreviewed quotes when an article is marked reviewed.
ACCEPT, LEAVE = "accept", "leave"


def set_review_status(article_id: int, user, status: str, unreviewed: str | None = None) -> Article:
    """Set the article's review status; "reviewed" records who and when.

    Marking an article reviewed while quotes are unreviewed needs a decision, `unreviewed`:
    ACCEPT them (in the same change set) or LEAVE them as they are; without one it is refused,
    saying how many. Locks the article row FOR NO KEY UPDATE.
    """
    if status not in Article.ReviewStatus.values:
        raise CorrectionError("Unknown review status.")
    if unreviewed not in (None, "", ACCEPT, LEAVE):
        raise CorrectionError("Accept the unreviewed quotes or leave them, nothing else.")
    with transaction.atomic():
        article = _lock_article(article_id)
        label = Article.ReviewStatus(status).label
        reviewed = status == Article.ReviewStatus.REVIEWED
        waiting = Quote.objects.filter(article=article, status=ReviewState.UNREVIEWED)
        count = waiting.count() if reviewed else 0
        if count and not unreviewed:
            raise CorrectionError(
                f"{count} quote{'s are' if count != 1 else ' is'} still unreviewed: accept "
                f"{'them' if count != 1 else 'it'}, or mark the article reviewed leaving "
                f"{'them' if count != 1 else 'it'} unreviewed."
            )
        action = f"Mark {label.lower()}"
        if count and unreviewed == ACCEPT:
            action += f", accepting {count} quote{'s' if count != 1 else ''}"
        with change_set(user, action, article=article.pk):
            if count and unreviewed == ACCEPT:
                waiting.update(
                    status=ReviewState.ACCEPTED,
                    reviewed_by=user,
                    version=F("version") + 1,
                    updated_at=timezone.now(),
                )
            Article.objects.filter(pk=article.pk).update(
                review_status=status,
                reviewed_by=user if reviewed else None,
                reviewed_at=timezone.now() if reviewed else None,
            )
    return Article.objects.get(pk=article_id)
