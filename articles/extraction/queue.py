"""The extraction queue: every change to an article's extraction state, and the wake-up call."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models.functions import Now

from articles.models import Article

# Workers LISTEN on this channel; a NOTIFY wakes them as soon as articles are queued.
QUEUE_CHANNEL = "newsroom_extraction"


def notify_workers() -> None:
    """Wake the extraction workers; delivered when the surrounding transaction commits."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, '')", [QUEUE_CHANNEL])


def queue_extraction(article: Article) -> None:
    """Queue an article for (re-)extraction now, clearing its failure count.

    Locks the article row FOR NO KEY UPDATE, so a worker holding it keeps its claim intact.
    """
    with transaction.atomic():
        locked = Article.objects.select_for_update(no_key=True).get(pk=article.pk)
        if locked.status == Article.Status.PROCESSING:
            return
        Article.objects.filter(pk=article.pk).update(
            status=Article.Status.QUEUED, attempts=0, last_error="", next_attempt_at=Now()
        )
        notify_workers()
