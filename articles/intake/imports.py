"""Imports: parsed drafts become queued articles, each with its own verdict."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from articles.extraction.queue import notify_workers
from articles.intake.ingest import ParsedItem
from articles.models import Article


@dataclass(slots=True)
class ImportResult:
    """What happened to one article of an upload."""

    label: str
    outcome: str  # "created", "duplicate" or "rejected"
    article: Article | None = None
    message: str = ""


def import_items(items: Iterable[ParsedItem], user=None) -> list[ImportResult]:
    """Store every good draft as a queued article; duplicates and rejects are reported.

    Each article is saved in its own savepoint, so one failure never loses the others.
    """
    results: list[ImportResult] = []
    created = False
    for item in items:
        if item.draft is None:
            results.append(ImportResult(item.label, "rejected", message=item.error))
            continue
        draft = item.draft
        existing = Article.objects.filter(content_hash=draft.content_hash).first()
        if existing is not None:
            results.append(
                ImportResult(item.label, "duplicate", existing, "already in the archive")
            )
            continue
        try:
            with transaction.atomic():
                article = Article.objects.create(
                    title=draft.title,
                    body=draft.body,
                    byline=draft.byline,
                    outlet=draft.outlet,
                    source_url=draft.source_url,
                    published=draft.published,
                    external_id=draft.external_id,
                    original_filename=draft.original_filename,
                    content_hash=draft.content_hash,
                    uploaded_by=user if user is not None and user.is_authenticated else None,
                )
        except IntegrityError:
            # Another upload stored the same text between our check and our insert.
            existing = Article.objects.filter(content_hash=draft.content_hash).first()
            results.append(
                ImportResult(item.label, "duplicate", existing, "already in the archive")
            )
            continue
        created = True
        results.append(ImportResult(item.label, "created", article))
    if created:
        notify_workers()
    return results
