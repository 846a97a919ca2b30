"""The trash: deleting an article hides it everywhere; restoring brings it back whole.

A deleted article keeps its extractions, tags and history; `Article.objects` (every read of the
app) leaves it out, `Article.with_trash` does not. Deleting and restoring are change sets of
their own (`changes.change_set`), listed in the article's History and undone like any other.
After NEWSROOM_TRASH_DAYS, `manage.py purge_trash` deletes an article for good, with its
extractions and the history of its rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from articles.editing.edits import EditError, Stale
from articles.extraction import queue
from articles.models import (
    Article,
    ArticleEditEvent,
    ArticleReviewEvent,
    ArticleTagEvent,
    MentionEvent,
    QuoteEvent,
)
from articles.review import changes, snapshots

PURGE_BATCH = 100


def _lock(article_id: int) -> Article:
    """Lock an article, in the trash or not, FOR UPDATE. Call inside atomic()."""
    return Article.with_trash.select_for_update().get(pk=article_id)


def trash(article_id: int, user, version: int | None = None) -> Article:
    """Move an article to the trash, as one change set.

    Locks the article row FOR UPDATE. Stale if `version` is given and is not the article's;
    EditError if it is already in the trash; Article.DoesNotExist if there is no such article.
    Extraction state is left alone: a worker may finish it, and a queued article waits (the
    claim skips the trash) until it is restored.
    """
    with transaction.atomic():
        article = _lock(article_id)
        if article.deleted_at is not None:
            raise EditError("This article is already in the trash.")
        if version is not None and article.version != int(version):
            raise Stale(article)
        snapshots.record_baseline(ArticleEditEvent, article.pk)
        with changes.change_set(user, "Moved to the trash", article=article.pk):
            Article.with_trash.filter(pk=article.pk).update(
                deleted_at=timezone.now(),
                deleted_by=user if user is not None and user.is_authenticated else None,
                version=F("version") + 1,
            )
        return Article.with_trash.get(pk=article.pk)


def restore(article_id: int, user) -> Article:
    """Take an article out of the trash with everything it had, as one change set.

    Locks the article row FOR UPDATE. EditError if it is not in the trash;
    Article.DoesNotExist if there is no such article.
    """
    with transaction.atomic():
        article = _lock(article_id)
        if article.deleted_at is None:
            raise EditError("This article is not in the trash.")
        snapshots.record_baseline(ArticleEditEvent, article.pk)
        with changes.change_set(user, "Restored from the trash", article=article.pk):
            Article.with_trash.filter(pk=article.pk).update(
                deleted_at=None, deleted_by=None, version=F("version") + 1
            )
        if article.is_pending:
            queue.notify_workers()  # it waited in the queue while it was in the trash
        return Article.objects.get(pk=article.pk)


def trash_days() -> float:
    """How many days an article stays in the trash (NEWSROOM_TRASH_DAYS)."""
    return settings.NEWSROOM_TRASH_DAYS


def purge_date(article: Article) -> datetime | None:
    """When an article in the trash is due to be deleted for good."""
    if article.deleted_at is None:
        return None
    return article.deleted_at + timedelta(days=trash_days())


def due_for_purge(days: float | None = None) -> QuerySet[Article]:
    """Articles in the trash for longer than `days` (NEWSROOM_TRASH_DAYS), oldest first."""
    days = settings.NEWSROOM_TRASH_DAYS if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    return Article.with_trash.filter(deleted_at__lt=cutoff).order_by("deleted_at", "pk")


@dataclass(frozen=True)
class Purged:
    pk: int
    title: str


def purge(articles: QuerySet[Article], batch_size: int = PURGE_BATCH) -> list[Purged]:
    """Delete trashed articles for good, a batch per transaction: with their extractions,
    taggings and the history rows of them all. Each batch is one change set naming what went.

    Articles not in the trash are left alone, whatever `articles` holds. Locks each batch's
    article rows FOR UPDATE, skipping any another transaction holds (a restore in progress).
    """
    purged: list[Purged] = []
    while True:
        with transaction.atomic():
            batch = list(
                articles.filter(deleted_at__isnull=False)
                .select_for_update(skip_locked=True)
                .values_list("pk", "title")[:batch_size]
            )
            if not batch:
                return purged
            ids = [pk for pk, _ in batch]
            with changes.change_set(None, f"Purged {len(ids)} articles from the trash", purged=ids):
                Article.with_trash.filter(pk__in=ids).delete()
                _forget(ids)
            purged += [Purged(pk, title) for pk, title in batch]


def _forget(ids: list[int]) -> None:
    """Delete the history rows of purged articles: their text must not outlive them."""
    with connection.cursor() as cursor:
        for event in (ArticleEditEvent, ArticleReviewEvent):
            cursor.execute(
                f'DELETE FROM "{event._meta.db_table}" WHERE pgh_obj_id = ANY(%s)', [ids]
            )
        for event in (QuoteEvent, MentionEvent, ArticleTagEvent):
            cursor.execute(
                f'DELETE FROM "{event._meta.db_table}" WHERE article_id = ANY(%s)', [ids]
            )
