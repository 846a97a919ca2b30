"""The extraction worker: claim a batch briefly, analyse it in the NLP process, store results.

Many workers on one or many machines share the queue (see queue.py). Each worker is two
processes: this one, which holds the claims and talks to the database, and its NLP child
(analyser.py), which holds the spaCy model. While the child works, this process renews the
claims' leases and watches each article's time budget, so a slow article cannot stall the
others or let its lease lapse.

Faults it survives:
- The database connection is lost (the server restarted, or the backend was terminated): each
  database step is retried after reconnecting, with backoff; what the worker held is then
  stored or released, so every article is still extracted once.
- An article overruns its time budget or kills the NLP process: that attempt fails with a
  clear error and the rest of the batch goes on.
- SIGTERM or SIGINT: the batch in hand is finished if it can be within the grace period
  (NEWSROOM_WORKER_GRACE_SECONDS); otherwise the analysis is stopped, the articles not done
  are released for another worker, and the process exits 0 within the grace period.

Between batches the worker also runs background imports (articles/intake/jobs.py), and once an
hour purges the articles whose time in the trash is up (articles/editing/trash.py).

Every batch is recorded as an ExtractionRun, closed with its outcome however it ends; runs
of workers that vanished (SIGKILL) are closed as abandoned by the next worker to start.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import TypeVar

import psycopg
from django.db import (
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
)
from django.db.backends.signals import connection_created
from django.db.models.functions import Now
from django.utils import timezone

from articles.editing import trash
from articles.extraction import queue
from articles.extraction.analyser import Analyser, Outcome
from articles.extraction.store import (
    FUZZY_MATCH_MIN_SIMILARITY,
    apply_extraction,
    resolve_entities,
)
from articles.intake import jobs
from articles.models import Article, ExtractionRun

logger = logging.getLogger(__name__)
T = TypeVar("T")

# What a lost connection raises: through Django's cursor, or from psycopg directly (the store
# runs its prepared statement on the raw connection).
CONNECTION_ERRORS = (
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)
RECONNECT_DELAYS = (0.5, 1, 2, 4, 8, 15, 30)
# Part of the grace period kept for releasing claims and closing the run after stopping.
SHUTDOWN_RESERVE_SECONDS = 3.0
PURGE_EVERY_SECONDS = 3600


class Stopping(Exception):
    """The grace period after SIGTERM is running out: stop the analysis now."""


def prepare_session(sender=None, connection=None, *, worker: str = "", **kwargs) -> None:
    """Settings of every worker database session (run again after each reconnect).

    Commits do not wait for the WAL flush: a crash can lose only the last few commits, which
    leaves those articles claimed with a lease that lapses, so they are extracted again. It
    saves an fsync per article. The application name (queue.session_name) lets the claim count
    the workers, and operators (and tests) find them. The trigram threshold is the entity
    matcher's, so its index scan returns only candidates that can match (store.py).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('synchronous_commit', 'off', false),"
            " set_config('application_name', %s, false),"
            " set_config('pg_trgm.similarity_threshold', %s, false)",
            [queue.session_name(worker), str(FUZZY_MATCH_MIN_SIMILARITY)],
        )


def close_abandoned_runs(lease_seconds: float) -> int:
    """Close the runs of workers that vanished: unfinished, older than a lease, and their
    worker holds no live claim."""
    live = Article.with_trash.filter(
        status=Article.Status.PROCESSING, lease_expires_at__gt=Now()
    ).values("claimed_by")
    return (
        ExtractionRun.objects.filter(
            finished_at__isnull=True,
            started_at__lt=timezone.now() - timedelta(seconds=lease_seconds),
        )
        .exclude(worker__in=live)
        .update(finished_at=Now(), outcome=ExtractionRun.Outcome.ABANDONED)
    )


@dataclass
class Worker:
    """Runs extraction batches until stopped."""

    model_name: str
    batch_size: int = 16
    lease_seconds: float = 60
    poll_seconds: float = 5.0
    article_seconds: float = 60
    grace_seconds: float = 20
    name: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    log: Callable[[str], None] = logger.info
    _stop_requested: float | None = None
    _analyser: Analyser | None = None
    _last_purge: float | None = None

    @property
    def analyser(self) -> Analyser:
        if self._analyser is None:
            self._analyser = Analyser(self.model_name, self.article_seconds)
        return self._analyser

    @property
    def stopping(self) -> bool:
        return self._stop_requested is not None

    def stop(self) -> None:
        """Ask the worker to stop: it finishes its batch if it can within the grace period."""
        if self._stop_requested is None:
            self._stop_requested = time.monotonic()

    @property
    def version(self) -> str:
        """Model, model version and pipeline version, as stored on each extracted article."""
        from articles.nlp.pipeline import PIPELINE_VERSION

        if not self.analyser.model_version:
            self.analyser.start(self._check_stop)
        return f"{self.model_name}@{self.analyser.model_version}/p{PIPELINE_VERSION}"

    def install_signal_handlers(self) -> None:
        def stop(signum, frame):
            if not self.stopping:
                self.log(
                    f"{signal.Signals(signum).name} received: finishing the current batch "
                    f"(at most {self.grace_seconds:g} s), then exiting"
                )
            self.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)

    def close(self) -> None:
        """End the NLP process."""
        if self._analyser is not None:
            self._analyser.stop()

    # The loop ------------------------------------------------------------------------------

    def run(self, *, once: bool = False) -> int:
        """Process batches; with once, stop when nothing is due. Returns articles processed."""
        session = partial(prepare_session, worker=self.name)
        connection_created.disconnect(dispatch_uid="newsroom-worker")  # an earlier Worker's
        connection_created.connect(session, weak=False, dispatch_uid="newsroom-worker")
        if connection.connection is not None:
            session(connection=connection)
        listener = None if once else queue.Listener(self.log, queue.session_name(self.name))
        processed = 0
        try:
            closed = self._database(
                lambda: close_abandoned_runs(self.lease_seconds), "closing abandoned runs"
            )
            if closed:
                self.log(f"{self.name}: closed {closed} runs of workers that vanished")
            self.analyser.start(self._check_stop)  # the model is ready before anything is claimed
            while not self.stopping:
                if not connection.in_atomic_block:  # a caller's transaction is not ours to drop
                    close_old_connections()
                self._purge_trash()
                if self._import_one():
                    continue
                ids = self._database(
                    lambda: queue.claim_batch(self.name, self.batch_size, self.lease_seconds),
                    "claiming articles",
                )
                if ids:
                    processed += self.process(ids)
                    continue
                if once:
                    break
                self._idle(listener)
        except Stopping:
            pass
        finally:
            if listener is not None:
                listener.close()
            self.close()
        return processed

    def _import_one(self) -> bool:
        """Run one due background import (intake/jobs.py), if there is one; True if so.

        Imports share the worker: they are short per batch, and their articles then need
        this worker's extraction anyway. On SIGTERM the job is given back after its batch.
        """
        job = self._database(
            lambda: jobs.claim(self.name, self.lease_seconds), "claiming an import"
        )
        if job is None:
            return False
        self.log(f"{self.name}: running background import {job}")
        try:
            ended = self._database(
                lambda: jobs.run(job, self.name, self.lease_seconds, lambda: self.stopping),
                "importing",
            )
        except Stopping:
            raise
        except Exception:
            error = traceback.format_exc(limit=5)
            self._database(lambda: jobs.fail(job, self.name, error), "recording a failed import")
            self.log(f"{self.name}: background import {job} failed: {error.splitlines()[-1]}")
            return True
        self.log(f"{self.name}: background import {job} {ended}")
        return True

    def _purge_trash(self) -> None:
        """Once an hour, delete for good the articles whose time in the trash is up
        (editing/trash.py), so that no deployment needs a cron job for it."""
        now = time.monotonic()
        if self._last_purge is not None and now - self._last_purge < PURGE_EVERY_SECONDS:
            return
        self._last_purge = now
        purged = self._database(lambda: trash.purge(trash.due_for_purge()), "purging the trash")
        if purged:
            self.log(f"{self.name}: purged {len(purged)} articles from the trash")

    def _idle(self, listener: queue.Listener) -> None:
        """Wait until notified or the poll interval passes, waking each second for SIGTERM."""
        deadline = time.monotonic() + self.poll_seconds
        while not self.stopping and time.monotonic() < deadline:
            if listener.wait(min(1.0, deadline - time.monotonic())):
                return

    # One batch -----------------------------------------------------------------------------

    def process(self, ids: list[int]) -> int:
        """Extract the claimed articles; each ends extracted, queued again, failed, released
        (the worker stopped) or lost (another worker took it over). Returns how many."""
        from articles.nlp.pipeline import PIPELINE_VERSION

        claims = _Claims(self, ids)
        run = None
        started = time.perf_counter()
        try:
            self.analyser.start(claims.tick)
            run = self._database(
                lambda: ExtractionRun.objects.create(
                    worker=self.name,
                    model_name=self.model_name,
                    model_version=self.analyser.model_version,
                    pipeline_version=PIPELINE_VERSION,
                    started_at=timezone.now(),
                ),
                "recording the run",
            )
            bodies = self._database(
                lambda: dict(Article.with_trash.filter(id__in=ids).values_list("id", "body")),
                "reading articles",
            )
            claims.pending &= set(bodies)
            articles = [(pk, bodies[pk]) for pk in ids if pk in bodies]
            for outcome in self.analyser.analyse(articles, claims.tick):
                run.nlp_seconds += outcome.seconds
                self._store(outcome, run, bodies[outcome.article_id])
                claims.done(outcome.article_id)
            run.outcome = ExtractionRun.Outcome.FINISHED
            return len(articles)
        except BaseException as error:
            stopped = isinstance(error, Stopping)
            if run is not None:
                run.outcome = (
                    ExtractionRun.Outcome.STOPPED if stopped else ExtractionRun.Outcome.CRASHED
                )
            self.analyser.stop()
            self._give_back(claims.pending)
            raise
        finally:
            if run is not None:
                self._close_run(run, time.perf_counter() - started)

    def _store(self, outcome: Outcome, run: ExtractionRun, source_text: str) -> None:
        pk = outcome.article_id
        if outcome.result is not None:
            try:
                written = self._database(
                    lambda: self._write(pk, outcome.result, run, source_text), "storing results"
                )
            except Stopping:
                raise
            except Exception:
                outcome.error = traceback.format_exc(limit=5)
            else:
                if written is None:
                    run.lost += 1
                    self.log(f"{self.name}: article {pk} was taken over by another worker")
                    return
                run.articles += 1
                run.tokens += len(outcome.result.text.split())
                run.mentions += written[0]
                run.quotes += written[1]
                return
        held = self._database(
            lambda: queue.fail(self.name, pk, outcome.error or "extraction failed"),
            "recording a failure",
        )
        if held:
            run.failed += 1
            summary = (outcome.error.strip().splitlines() or ["extraction failed"])[-1]
            self.log(f"{self.name}: article {pk} failed this attempt: {summary}")
        else:
            run.lost += 1

    def _write(self, pk: int, result, run: ExtractionRun, source_text: str):
        entities = resolve_entities(result.entities)
        return apply_extraction(
            pk, self.name, result, run, self.version, source_text=source_text, entities=entities
        )

    def _give_back(self, pending: set[int]) -> None:
        """Release the claims not finished, best effort: unreleased ones lapse in a lease."""
        if not pending:
            return
        try:
            released = self._database(lambda: queue.release(self.name, pending), "releasing claims")
        except Exception as error:
            self.log(f"{self.name}: could not release {len(pending)} claims ({error})")
        else:
            self.log(f"{self.name}: released {released} unfinished articles for another worker")

    def _close_run(self, run: ExtractionRun, seconds: float) -> None:
        run.finished_at = timezone.now()
        run.total_seconds = seconds
        try:
            self._database(run.save, "closing the run")
        except Exception as error:
            self.log(f"{self.name}: could not close run {run.pk} ({error})")
            return
        self.log(
            f"{self.name}: {run.articles} extracted, {run.failed} failed, {run.lost} lost, "
            f"{run.mentions} mentions, {run.quotes} quotes in {run.total_seconds:.2f}s"
            + ("" if run.outcome == ExtractionRun.Outcome.FINISHED else f" ({run.outcome})")
        )

    # Faults --------------------------------------------------------------------------------

    def _check_stop(self) -> None:
        """Raise Stopping once the grace period after a stop request is nearly spent."""
        if self._stop_requested is None:
            return
        reserve = min(SHUTDOWN_RESERVE_SECONDS, self.grace_seconds / 4)
        if time.monotonic() - self._stop_requested >= self.grace_seconds - reserve:
            raise Stopping

    def _database(self, step: Callable[[], T], doing: str) -> T:
        """Run one database step; while the connection is lost, reconnect with backoff.

        Only a lost connection is retried: any other database error is the step's own and is
        raised. Inside a caller's transaction nothing is retried (it is not ours to redo).
        """
        attempt = 0
        lost_since = None
        while True:
            try:
                value = step()
            except CONNECTION_ERRORS as error:
                if connection.in_atomic_block or _connection_alive():
                    raise
                if lost_since is None:
                    lost_since = time.monotonic()
                delay = RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS) - 1)]
                attempt += 1
                self.log(
                    f"{self.name}: database connection lost while {doing} "
                    f"({queue.first_line(error)}); reconnecting in {delay:g} s"
                )
                with contextlib.suppress(Exception):
                    connection.close()
                self._sleep(delay)
                continue
            if lost_since is not None:
                self.log(
                    f"{self.name}: database reachable again after "
                    f"{time.monotonic() - lost_since:.1f} s; carrying on"
                )
            return value

    def _sleep(self, seconds: float) -> None:
        """Sleep, but not past the point where a stopping worker must give up."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self._check_stop()
            time.sleep(min(0.25, max(deadline - time.monotonic(), 0)))


class _Claims:
    """The claims of the batch in hand: renews their leases while the NLP process works."""

    def __init__(self, worker: Worker, ids: list[int]) -> None:
        self.worker = worker
        self.pending = set(ids)
        self.interval = max(worker.lease_seconds / 3, 0.5)
        self.next_renewal = time.monotonic() + self.interval

    def done(self, article_id: int) -> None:
        self.pending.discard(article_id)

    def tick(self) -> None:
        self.worker._check_stop()
        if time.monotonic() < self.next_renewal or not self.pending:
            return
        worker = self.worker
        try:
            held = queue.renew(worker.name, self.pending, worker.lease_seconds)
        except CONNECTION_ERRORS as error:
            # Keep the analysis going; the store step reconnects (or finds the claims lost).
            if not connection.in_atomic_block and not _connection_alive():
                with contextlib.suppress(Exception):
                    connection.close()
            self.next_renewal = time.monotonic() + 1.0
            worker.log(f"{worker.name}: could not renew leases ({queue.first_line(error)})")
            return
        if held < len(self.pending):
            worker.log(f"{worker.name}: {len(self.pending) - held} claims were taken over")
        self.next_renewal = time.monotonic() + self.interval


def _connection_alive() -> bool:
    raw = connection.connection
    if raw is None or raw.closed or getattr(raw, "broken", False):
        return False
    return connection.is_usable()
