"""The extraction worker: claim a batch briefly, run spaCy outside any transaction, store results.

Claims carry a lease that a background thread renews while the batch runs; an article whose
lease lapsed (its worker was killed) is claimed again by any worker. Many workers on one or
many machines share the queue through `SELECT … FOR UPDATE SKIP LOCKED`.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import psycopg
from django.db import close_old_connections, connection, transaction
from django.db.backends.signals import connection_created
from django.db.models import F
from django.utils import timezone

from articles.extraction.queue import QUEUE_CHANNEL
from articles.extraction.store import apply_extraction, resolve_entities
from articles.models import Article, ExtractionRun

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# Seconds before retry number n (1-based): 10 s, then 60 s.
RETRY_DELAYS = (10, 60)


def relax_commit_durability(sender=None, connection=None, **kwargs) -> None:
    """Do not wait for the WAL flush on commit in worker sessions.

    Safe here: a crash can lose only the last few commits, which leaves those articles claimed
    with a lease that lapses, so they are extracted again. It saves an fsync per article.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1])


def claim_batch(worker: str, size: int, lease_seconds: int) -> list[int]:
    """Mark up to `size` due articles as processing by `worker`; return their ids.

    Opens and commits its own short transaction; skips rows other workers have locked.
    """
    with transaction.atomic():
        ids = list(
            Article.objects.pending()
            .order_by("next_attempt_at", "id")
            .select_for_update(skip_locked=True, no_key=True)
            .values_list("id", flat=True)[:size]
        )
        if ids:
            Article.objects.filter(id__in=ids).update(
                status=Article.Status.PROCESSING,
                claimed_by=worker,
                lease_expires_at=timezone.now() + timedelta(seconds=lease_seconds),
                attempts=F("attempts") + 1,
            )
    return ids


def claim_article(worker: str, article_id: int, lease_seconds: int) -> bool:
    """Claim one article whatever its state (for --force), unless another worker holds it."""
    with transaction.atomic():
        article = Article.objects.select_for_update(no_key=True).filter(pk=article_id).first()
        if article is None:
            return False
        now = timezone.now()
        held = article.status == Article.Status.PROCESSING and article.lease_expires_at
        if held and article.lease_expires_at > now and article.claimed_by != worker:
            return False
        Article.objects.filter(pk=article_id).update(
            status=Article.Status.PROCESSING,
            claimed_by=worker,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            attempts=1,
        )
    return True


def renew_leases(worker: str, ids: list[int], lease_seconds: int) -> int:
    return Article.objects.filter(
        id__in=ids, claimed_by=worker, status=Article.Status.PROCESSING
    ).update(lease_expires_at=timezone.now() + timedelta(seconds=lease_seconds))


def record_failure(article_id: int, worker: str, error: str) -> None:
    """Queue the article again after a delay, or mark it failed after MAX_ATTEMPTS."""
    with transaction.atomic():
        article = Article.objects.select_for_update(no_key=True).filter(pk=article_id).first()
        if article is None or article.claimed_by != worker:
            return
        failed = article.attempts >= MAX_ATTEMPTS
        Article.objects.filter(pk=article_id).update(
            status=Article.Status.FAILED if failed else Article.Status.QUEUED,
            last_error=error[:4000],
            claimed_by="",
            lease_expires_at=None,
            next_attempt_at=None if failed else timezone.now() + retry_delay(article.attempts),
        )


class LeaseKeeper(threading.Thread):
    """Renews the leases of a claimed batch until stopped, on its own database connection."""

    def __init__(self, worker: str, ids: list[int], lease_seconds: int) -> None:
        super().__init__(name="lease-keeper", daemon=True)
        self.worker, self.ids, self.lease_seconds = worker, ids, lease_seconds
        self.done = threading.Event()

    def run(self) -> None:
        try:
            while not self.done.wait(max(self.lease_seconds / 3, 0.5)):
                renew_leases(self.worker, self.ids, self.lease_seconds)
        finally:
            connection.close()

    def stop(self) -> None:
        self.done.set()
        self.join()


@dataclass
class Worker:
    """Runs extraction batches until stopped; `nlp` is loaded lazily, once per process."""

    model_name: str
    batch_size: int = 16
    lease_seconds: int = 60
    poll_seconds: float = 5.0
    name: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    log: Callable[[str], None] = logger.info
    stopping: bool = False
    _nlp: object = None

    @property
    def nlp(self):
        if self._nlp is None:
            from articles.nlp.pipeline import load_nlp

            self._nlp = load_nlp(self.model_name)
        return self._nlp

    @property
    def version(self) -> str:
        from articles.nlp.pipeline import PIPELINE_VERSION

        return f"{self.model_name}@{self.nlp.meta.get('version', '?')}/p{PIPELINE_VERSION}"

    def install_signal_handlers(self) -> None:
        def stop(signum, frame):
            self.log("SIGTERM received: finishing the current batch, then exiting")
            self.stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

    def run(self, *, once: bool = False) -> int:
        """Process batches; with once, stop when nothing is due. Returns articles processed."""
        processed = 0
        connection_created.connect(relax_commit_durability, dispatch_uid="newsroom-worker")
        if connection.connection is not None:
            relax_commit_durability(connection=connection)
        listener = None if once else self._listen()
        try:
            while not self.stopping:
                if not connection.in_atomic_block:  # a caller's transaction is not ours to drop
                    close_old_connections()
                ids = claim_batch(self.name, self.batch_size, self.lease_seconds)
                if ids:
                    processed += self.process(ids)
                    continue
                if once:
                    break
                self._wait(listener)
        finally:
            if listener is not None:
                listener.close()
        return processed

    def process(self, ids: list[int]) -> int:
        """Extract the claimed articles; every article ends extracted, re-queued or failed."""
        from articles.nlp.pipeline import PIPELINE_VERSION, extract

        nlp = self.nlp
        run = ExtractionRun.objects.create(
            worker=self.name,
            model_name=self.model_name,
            model_version=nlp.meta.get("version", ""),
            pipeline_version=PIPELINE_VERSION,
            started_at=timezone.now(),
        )
        started = time.perf_counter()
        bodies = dict(Article.objects.filter(id__in=ids).values_list("id", "body"))
        order = [pk for pk in ids if pk in bodies]
        keeper = LeaseKeeper(self.name, order, self.lease_seconds)
        keeper.start()
        nlp_seconds = 0.0
        try:
            try:
                results = list(self._timed(extract(nlp, [bodies[pk] for pk in order])))
            except Exception:
                # One article broke the batch: run them one by one to find it.
                results = []
                for pk in order:
                    try:
                        results.extend(self._timed(extract(nlp, [bodies[pk]])))
                    except Exception:
                        results.append((None, traceback.format_exc(limit=5)))
            parsed = [outcome for _, outcome in results if isinstance(outcome, tuple)]
            entities = resolve_entities(c for _, result in parsed for c in result.entities)
            for pk, (seconds, outcome) in zip(order, results, strict=True):
                nlp_seconds += seconds or 0.0
                self._store(pk, outcome, run, bodies[pk], entities)
        finally:
            keeper.stop()
        run.finished_at = timezone.now()
        run.nlp_seconds = nlp_seconds
        run.total_seconds = time.perf_counter() - started
        run.save()
        self.log(
            f"{self.name}: {run.articles} extracted, {run.failed} failed, "
            f"{run.mentions} mentions, {run.quotes} quotes in {run.total_seconds:.2f}s"
        )
        return len(order)

    def _timed(self, outcomes):
        """Pair each pipeline outcome with the seconds spent producing it."""
        clock = time.perf_counter()
        for outcome in outcomes:
            now = time.perf_counter()
            yield now - clock, outcome
            clock = time.perf_counter()

    def _store(self, pk: int, outcome, run: ExtractionRun, source_text: str, entities) -> None:
        if outcome is None or isinstance(outcome, str):
            record_failure(pk, self.name, outcome or "extraction failed")
            run.failed += 1
            return
        _repaired, result = outcome
        try:
            written = apply_extraction(
                pk, self.name, result, run, self.version, source_text=source_text, entities=entities
            )
        except Exception:
            record_failure(pk, self.name, traceback.format_exc(limit=5))
            run.failed += 1
            return
        if written is None:
            return  # another worker took the article over; its result wins
        run.articles += 1
        run.tokens += len(result.text.split())
        run.mentions += written[0]
        run.quotes += written[1]

    def _listen(self) -> psycopg.Connection | None:
        """A separate autocommit connection that LISTENs for queued articles."""
        try:
            listener = psycopg.connect(**connection.get_connection_params(), autocommit=True)
            listener.execute(f"LISTEN {QUEUE_CHANNEL}")
            return listener
        except psycopg.Error as error:
            self.log(f"LISTEN unavailable ({error}); polling every {self.poll_seconds}s")
            return None

    def _wait(self, listener: psycopg.Connection | None) -> None:
        """Sleep until notified or the poll interval passes, waking each second for SIGTERM."""
        deadline = time.monotonic() + self.poll_seconds
        while not self.stopping and time.monotonic() < deadline:
            if listener is None:
                time.sleep(min(1.0, deadline - time.monotonic()))
                continue
            try:
                for _ in listener.notifies(timeout=1.0, stop_after=1):
                    return
            except psycopg.Error:
                listener = None
