"""The extraction queue: every change to an article's extraction state, and the wake-up call.

An article moves through these states, and only the functions here move it:

    queued --claim--> processing --(store.apply_extraction: COMPLETE_SQL)--> extracted
                      processing --fail--> queued again after a delay, or failed after
                                           MAX_ATTEMPTS attempts
                      processing --release--> queued (the worker stopped; no attempt counted)
    extracted, failed --requeue--> queued (attempts start again)
    any state --requeue(take_over=True)--> queued (the text changed: a claim is revoked, and its
                                           worker's results are dropped as lost)

A claim carries a lease that the worker renews; an article whose lease lapsed (its worker was
killed or lost its database) can be claimed again by any worker. The attempt limit is kept by
the claim itself: an article that has had MAX_ATTEMPTS claims is never claimed again, and one
whose last lease lapsed is marked failed instead.

The trash does not change extraction state, so these transitions see every article
(`Article.with_trash`); only the claim skips the trash (`pending()`): an article deleted while
queued waits there until it is restored.

Workers LISTEN on QUEUE_CHANNEL; every transition that makes work due sends a NOTIFY, delivered
when the surrounding transaction commits.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable
from datetime import timedelta

import psycopg
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Now
from django.utils import timezone

from articles.models import Article

QUEUE_CHANNEL = "newsroom_extraction"
# Every worker session (main and LISTEN) is named "newsroom worker <worker name>", so the claim
# can count the workers there are, busy or idle, and operators can find them.
WORKER_SESSIONS = "newsroom worker"
MAX_ATTEMPTS = 3
# How long an article may wait behind newer ones before it goes first (claim_batch).
STARVE_SECONDS = 600
# Seconds before retry number n (1-based): 10 s, then 60 s.
RETRY_DELAYS = (10, 60)
ERROR_MAX_CHARS = 4000
GAVE_UP = (
    f"Gave up after {MAX_ATTEMPTS} attempts: the last worker to try lost its claim before "
    "finishing (it was stopped, killed or cut off from the database)."
)

# The store writes an article's results in one statement (one round trip); these two parts of
# it are the extraction-state side, kept here with the other transitions. HELD_SQL locks the
# article only while `worker` still holds its claim; COMPLETE_SQL marks it extracted and ends
# the claim. Parameters: article, worker, now, version.
HELD_SQL = f"""
    SELECT id FROM articles_article
    WHERE id = %(article)s AND status = '{Article.Status.PROCESSING.value}'
      AND claimed_by = %(worker)s
    FOR NO KEY UPDATE
"""
COMPLETE_SQL = f"""
    status = '{Article.Status.EXTRACTED.value}',
    extracted_at = %(now)s,
    extraction_version = %(version)s,
    last_error = '',
    claimed_by = '',
    lease_expires_at = NULL,
    next_attempt_at = NULL
"""


def notify_workers() -> None:
    """Wake the extraction workers; delivered when the surrounding transaction commits."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, '')", [QUEUE_CHANNEL])


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1])


def _lease(lease_seconds: float):
    return timezone.now() + timedelta(seconds=lease_seconds)


def requeue(article_id: int, *, take_over: bool = False) -> bool:
    """Queue an article for extraction again now, its attempts starting afresh.

    Returns False, changing nothing, while a worker holds it, unless `take_over`: its text
    changed, so the claim is revoked and that worker's results will be dropped (the store finds
    the claim gone). Locks the article row FOR NO KEY UPDATE, so a claim is never overwritten by
    accident. An article in the trash is queued too; the claim skips it until it is restored.
    """
    with transaction.atomic():
        status = (
            Article.with_trash.select_for_update(no_key=True)
            .filter(pk=article_id)
            .values_list("status", flat=True)
            .first()
        )
        if status is None or (status == Article.Status.PROCESSING and not take_over):
            return False
        Article.with_trash.filter(pk=article_id).update(
            status=Article.Status.QUEUED,
            attempts=0,
            last_error="",
            next_attempt_at=Now(),
            claimed_by="",
            lease_expires_at=None,
        )
        notify_workers()
    return True


def requeue_stale(version: str) -> int:
    """Queue every extracted article whose extraction used another model or pipeline version."""
    with transaction.atomic():
        count = (
            Article.with_trash.filter(status=Article.Status.EXTRACTED)
            .exclude(extraction_version=version)
            .update(status=Article.Status.QUEUED, attempts=0, last_error="", next_attempt_at=Now())
        )
        if count:
            notify_workers()
    return count


def session_name(worker: str) -> str:
    """The application name of `worker`'s database sessions (at most 63 bytes, as PostgreSQL
    keeps)."""
    return f"{WORKER_SESSIONS} {worker}".encode()[:63].decode(errors="ignore")


def fair_share(size: int) -> int:
    """How many due articles one claim should take: `size`, or an even share of what is due
    among the workers connected, so that ten new uploads go to two idle workers five each
    rather than all to the first to wake, and the end of a long queue is shared too."""
    with connection.cursor() as cursor:
        # Session activity is read once per transaction unless the snapshot is dropped.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(DISTINCT application_name) FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name LIKE %s",
            [WORKER_SESSIONS + " %"],
        )
        workers = cursor.fetchone()[0]
    if workers <= 1:
        return size
    claimable = Article.with_trash.pending().filter(attempts__lt=MAX_ATTEMPTS)
    due = claimable.values("id")[: size * workers].count()
    return max(1, min(size, -(-due // workers)))


def claim_batch(worker: str, size: int, lease_seconds: float) -> list[int]:
    """Claim up to `size` due articles for `worker` (fewer when other workers are connected and
    little is due: fair_share), in the order people wait for them; return their ids.

    The newest due first: whoever just uploaded is watching those (the upload page's rows, the
    first page of the list, newest first), while a batch of thousands, or re-extraction of the
    archive, is waited for by nobody in particular. So that nothing waits for ever behind a
    stream of new uploads, articles due for longer than STARVE_SECONDS go before any other,
    oldest first. Both orders are index scans of `article_queue`.

    One short transaction; rows other workers have locked are skipped. Each claim counts an
    attempt. Due articles that already had MAX_ATTEMPTS attempts (their last lease lapsed) are
    marked failed here rather than claimed.
    """
    with transaction.atomic():
        size = fair_share(size)
        due = Article.with_trash.pending().select_for_update(skip_locked=True, no_key=True)
        claimable = due.filter(attempts__lt=MAX_ATTEMPTS)
        waited = timezone.now() - timedelta(seconds=STARVE_SECONDS)
        ids = list(
            claimable.filter(next_attempt_at__lt=waited)
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:size]
        )
        if len(ids) < size:
            newest = claimable.exclude(id__in=ids).order_by(
                F("next_attempt_at").desc(nulls_last=True), "-id"
            )
            ids += list(newest.values_list("id", flat=True)[: size - len(ids)])
        if ids:
            Article.with_trash.filter(id__in=ids).update(
                status=Article.Status.PROCESSING,
                claimed_by=worker,
                lease_expires_at=_lease(lease_seconds),
                attempts=F("attempts") + 1,
            )
        due = due.order_by("next_attempt_at", "id")
        spent = list(due.filter(attempts__gte=MAX_ATTEMPTS).values_list("id", flat=True)[:size])
        if spent:
            Article.with_trash.filter(id__in=spent).update(
                status=Article.Status.FAILED,
                last_error=GAVE_UP,
                claimed_by="",
                lease_expires_at=None,
                next_attempt_at=None,
            )
    return ids


def claim_article(worker: str, article_id: int, lease_seconds: float) -> bool:
    """Claim one article whatever its state (`extract --article`), unless another worker holds
    it; its attempts start afresh. Locks the article row FOR NO KEY UPDATE."""
    with transaction.atomic():
        article = (
            Article.with_trash.select_for_update(no_key=True)
            .filter(pk=article_id)
            .only("status", "claimed_by", "lease_expires_at")
            .first()
        )
        if article is None:
            return False
        held = article.status == Article.Status.PROCESSING and article.lease_expires_at
        if held and article.lease_expires_at > timezone.now() and article.claimed_by != worker:
            return False
        Article.with_trash.filter(pk=article_id).update(
            status=Article.Status.PROCESSING,
            claimed_by=worker,
            lease_expires_at=_lease(lease_seconds),
            attempts=1,
        )
    return True


def renew(worker: str, ids: Iterable[int], lease_seconds: float) -> int:
    """Extend the leases `worker` still holds among `ids`; return how many it holds."""
    return Article.with_trash.filter(
        id__in=list(ids), claimed_by=worker, status=Article.Status.PROCESSING
    ).update(lease_expires_at=_lease(lease_seconds))


def fail(worker: str, article_id: int, error: str) -> bool:
    """End `worker`'s attempt at an article in failure: retry after a delay, or mark it failed
    after MAX_ATTEMPTS. Returns False, changing nothing, if the worker no longer holds it.

    Locks the article row FOR NO KEY UPDATE.
    """
    with transaction.atomic():
        article = (
            Article.with_trash.select_for_update(no_key=True)
            .filter(pk=article_id, status=Article.Status.PROCESSING, claimed_by=worker)
            .only("attempts")
            .first()
        )
        if article is None:
            return False
        failed = article.attempts >= MAX_ATTEMPTS
        Article.with_trash.filter(pk=article_id).update(
            status=Article.Status.FAILED if failed else Article.Status.QUEUED,
            last_error=error[:ERROR_MAX_CHARS],
            claimed_by="",
            lease_expires_at=None,
            next_attempt_at=None if failed else timezone.now() + retry_delay(article.attempts),
        )
    return True


def release(worker: str, ids: Iterable[int]) -> int:
    """Give back claims `worker` will not finish (it is stopping): the articles are queued again
    at once, and the attempt is not counted against them. Returns how many were released."""
    with transaction.atomic():
        count = Article.with_trash.filter(
            id__in=list(ids), claimed_by=worker, status=Article.Status.PROCESSING
        ).update(
            status=Article.Status.QUEUED,
            claimed_by="",
            lease_expires_at=None,
            next_attempt_at=Now(),
            attempts=F("attempts") - 1,
        )
        if count:
            notify_workers()
    return count


def held_by(worker: str, ids: Iterable[int]) -> set[int]:
    """Which of `ids` `worker` still holds with a live lease."""
    return set(
        Article.with_trash.filter(
            id__in=list(ids),
            claimed_by=worker,
            status=Article.Status.PROCESSING,
            lease_expires_at__gt=Now(),
        ).values_list("id", flat=True)
    )


class Listener:
    """A dedicated autocommit connection LISTENing on QUEUE_CHANNEL, reconnected when lost.

    While it cannot connect, `wait` sleeps for the timeout instead (the worker polls), and it
    tries again at most every `retry_seconds`.
    """

    def __init__(
        self, log: Callable[[str], None], application_name: str = "", retry_seconds: float = 5.0
    ) -> None:
        self.log = log
        self.application_name = application_name
        self.retry_seconds = retry_seconds
        self._conn: psycopg.Connection | None = None
        self._next_try = 0.0
        self._warned = False

    def _connect(self) -> psycopg.Connection | None:
        if self._conn is not None:
            return self._conn
        if time.monotonic() < self._next_try:
            return None
        try:
            params = connection.get_connection_params()
            if self.application_name:
                params["application_name"] = self.application_name
            self._conn = psycopg.connect(**params, autocommit=True)
            self._conn.execute(f"LISTEN {QUEUE_CHANNEL}")
            if self._warned:
                self.log("LISTEN connection restored")
            self._warned = False
        except psycopg.Error as error:
            self._drop()
            self._next_try = time.monotonic() + self.retry_seconds
            if not self._warned:
                self.log(f"LISTEN unavailable ({first_line(error)}); polling meanwhile")
                self._warned = True
        return self._conn

    def wait(self, timeout: float) -> bool:
        """Block up to `timeout` seconds; True if a NOTIFY arrived."""
        listener = self._connect()
        if listener is None:
            time.sleep(max(timeout, 0))
            return False
        try:
            for _ in listener.notifies(timeout=max(timeout, 0), stop_after=1):
                return True
        except psycopg.Error as error:
            self.log(f"LISTEN connection lost ({first_line(error)}); reconnecting")
            self._drop()
        return False

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):
                self._conn.close()
        self._conn = None

    def close(self) -> None:
        self._drop()


def first_line(error: BaseException) -> str:
    """The first line of an error's message, for a log line."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
