"""Imports: parsed drafts become queued articles, each with its own verdict.

Drafts arrive validated in full (ingest.finish), so storing them cannot fail on their content.
They are written in batches, one INSERT per batch, after one query for the texts already in
the archive. If a batch cannot be written whole (a concurrent upload stored the same text a
moment before), its articles are written one at a time, each in its own savepoint, so that
one failure never loses the others.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import DatabaseError, IntegrityError, transaction
from django.urls import reverse

from articles.extraction.queue import notify_workers
from articles.intake.ingest import ArticleDraft, ParsedItem
from articles.models import Article, ImportJob

BATCH_SIZE = 500
IN_ARCHIVE = "already in the archive"
IN_TRASH = "already in the archive, in the trash (restore it from there)"
EARLIER_IN_UPLOAD = "the same text is earlier in this upload"


@dataclass(slots=True)
class ImportResult:
    """What happened to one article of an upload."""

    label: str
    outcome: str  # "created", "duplicate", "rejected", or "queued" (a background import)
    article_id: int | None = None
    title: str = ""
    message: str = ""
    job: ImportJob | None = None

    @property
    def url(self) -> str:
        return reverse("articles:detail", args=[self.article_id]) if self.article_id else ""


def import_items(items: Iterable[ParsedItem], user=None) -> list[ImportResult]:
    """Store every good draft as a queued article; duplicates and rejects are reported."""
    return [result for batch in import_stream(items, user) for result in batch]


def import_stream(
    items: Iterable[ParsedItem], user=None, batch_size: int = BATCH_SIZE
) -> Iterator[list[ImportResult]]:
    """Import batch by batch, yielding each batch's verdicts once it is written."""
    uploader = user if user is not None and user.is_authenticated else None
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, batch_size)):
        yield import_batch(batch, uploader)


def import_batch(items: list[ParsedItem], uploader=None) -> list[ImportResult]:
    """One batch: a verdict per item, in order. Runs outside any caller's transaction or
    inside it; NOTIFY reaches the workers when the articles are committed."""
    results: list[ImportResult | None] = [None] * len(items)
    drafts: dict[int, ArticleDraft] = {}
    for index, item in enumerate(items):
        if item.draft is None:
            results[index] = ImportResult(item.label, "rejected", message=item.error)
        else:
            drafts[index] = item.draft
    hashes = {index: draft.content_hash for index, draft in drafts.items()}
    # The trash too: its texts are still the archive's (and still unique).
    archived = {
        content_hash: (pk, title, deleted_at)
        for pk, content_hash, title, deleted_at in Article.with_trash.filter(
            content_hash__in=set(hashes.values())
        ).values_list("pk", "content_hash", "title", "deleted_at")
    }
    first: dict[str, int] = {}
    new: list[int] = []
    for index, content_hash in hashes.items():
        if content_hash in archived:
            pk, title, deleted_at = archived[content_hash]
            where = IN_ARCHIVE if deleted_at is None else IN_TRASH
            results[index] = ImportResult(items[index].label, "duplicate", pk, title, where)
        elif content_hash in first:
            continue  # settled below, once the first copy is stored
        else:
            first[content_hash] = index
            new.append(index)
    for index, result in _create([(i, items[i].label, drafts[i]) for i in new], uploader):
        results[index] = result
    for index, content_hash in hashes.items():
        if results[index] is None:
            earlier = results[first[content_hash]]
            if earlier.article_id is None:
                results[index] = ImportResult(
                    items[index].label, "rejected", message=earlier.message
                )
            else:
                results[index] = ImportResult(
                    items[index].label,
                    "duplicate",
                    earlier.article_id,
                    earlier.title,
                    EARLIER_IN_UPLOAD,
                )
    return results


def _create(
    new: list[tuple[int, str, ArticleDraft]], uploader
) -> Iterator[tuple[int, ImportResult]]:
    if not new:
        return
    articles = [_article(draft, uploader) for _, _, draft in new]
    try:
        with transaction.atomic():
            Article.objects.bulk_create(articles)
            notify_workers()
    except DatabaseError:
        yield from _create_one_by_one(new, uploader)
        return
    for (index, label, _), article in zip(new, articles, strict=True):
        yield index, ImportResult(label, "created", article.pk, article.title)


def _create_one_by_one(
    new: list[tuple[int, str, ArticleDraft]], uploader
) -> Iterator[tuple[int, ImportResult]]:
    created = False
    for index, label, draft in new:
        try:
            with transaction.atomic():
                article = _article(draft, uploader)
                article.save(force_insert=True)
        except IntegrityError:
            # Another upload stored the same text between our check and our insert.
            existing = Article.with_trash.filter(content_hash=draft.content_hash).first()
            if existing is None:
                yield index, ImportResult(label, "rejected", message="it could not be stored")
            else:
                where = IN_ARCHIVE if existing.deleted_at is None else IN_TRASH
                yield index, ImportResult(label, "duplicate", existing.pk, existing.title, where)
            continue
        except DatabaseError as error:
            message = f"it could not be stored ({type(error).__name__})"
            yield index, ImportResult(label, "rejected", message=message)
            continue
        created = True
        yield index, ImportResult(label, "created", article.pk, article.title)
    if created:
        notify_workers()


def _article(draft: ArticleDraft, uploader) -> Article:
    return Article(
        title=draft.title,
        body=draft.body,
        byline=draft.byline,
        outlet=draft.outlet,
        source_url=draft.source_url,
        published=draft.published,
        external_id=draft.external_id,
        original_filename=draft.original_filename,
        content_hash=draft.content_hash,
        uploaded_by=uploader,
    )
