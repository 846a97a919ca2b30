"""Workers under faults, as real processes: lost connections, a restarted server, slow
articles, SIGTERM mid-article, and a supervisor that restarts a dead worker."""

from __future__ import annotations

import os
import signal
import time

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Max, Sum

from articles.extraction.queue import MAX_ATTEMPTS
from articles.models import Article, ExtractionRun
from newsroom.embedded_db import restart_embedded_database
from tests.extraction.processes import (
    WorkerProcess,
    no_duplicates,
    queue_stories,
    someone_listens,
    terminate_worker_backends,
    wait_for,
    worker_backends,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _all_extracted(ids: list[int]) -> bool:
    done = Article.objects.filter(id__in=ids, status=Article.Status.EXTRACTED).count()
    return done == len(ids)


def _processing() -> bool:
    return Article.objects.filter(status=Article.Status.PROCESSING).exists()


def _extracted_exactly_once(ids: list[int], output: str) -> None:
    articles = Article.objects.filter(id__in=ids)
    assert set(articles.values_list("status", flat=True)) == {Article.Status.EXTRACTED}, output
    # One claim each: nothing was given up and claimed again, so nothing was extracted twice.
    assert set(articles.values_list("attempts", flat=True)) == {1}, output
    assert ExtractionRun.objects.aggregate(n=Sum("articles"))["n"] == len(ids), output
    assert no_duplicates()
    assert all(article.quotes.exists() for article in articles)


def test_the_worker_survives_losing_its_connection_mid_batch():
    ids = queue_stories(16, repeat=12)  # about 4,000 characters each: batches take a while
    worker = WorkerProcess("--batch-size", "4", "--poll", "60")
    kills = 0
    try:
        wait_for(_processing, what="a claimed batch")
        while kills < 4 and not _all_extracted(ids):
            if _processing() and terminate_worker_backends():
                kills += 1
            time.sleep(0.7)
        wait_for(lambda: _all_extracted(ids), timeout=180, what="every article extracted")
        assert worker.running(), worker.output  # the same process went on
        assert kills >= 2, worker.output
        assert "database connection lost" in worker.output
    finally:
        worker.signal(signal.SIGTERM)
        worker.wait(60)
        worker.stop()
    assert worker.process.returncode == 0, worker.output
    _extracted_exactly_once(ids, worker.output)


@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="needs the embedded server, to restart it"
)
def test_the_worker_survives_a_database_restart_mid_batch():
    ids = queue_stories(16, repeat=12)
    worker = WorkerProcess("--batch-size", "4", "--poll", "60")
    try:
        wait_for(_processing, what="a claimed batch")
        assert worker_backends()
        assert restart_embedded_database(settings.NEWSROOM_DATA_DIR)
        connection.close()  # ours was cut too
        wait_for(lambda: _all_extracted(ids), timeout=180, what="every article extracted")
        assert worker.running(), worker.output
        assert "database reachable again" in worker.output
    finally:
        worker.signal(signal.SIGTERM)
        worker.wait(60)
        worker.stop()
    assert worker.process.returncode == 0, worker.output
    _extracted_exactly_once(ids, worker.output)


def test_a_slow_article_fails_on_its_own_while_two_workers_finish_the_rest():
    normal = queue_stories(6)
    slow = queue_stories(1, repeat=700, start=100)[0]  # about 230,000 characters
    normal += queue_stories(6, start=10)
    budget = {"NEWSROOM_ARTICLE_SECONDS": "3"}
    workers = [WorkerProcess("--batch-size", "4", "--poll", "1", lease=2, **budget) for _ in "ab"]
    most_attempts = 0

    def slow_article_done() -> bool:
        nonlocal most_attempts
        article = Article.objects.get(pk=slow)
        most_attempts = max(most_attempts, Article.objects.aggregate(n=Max("attempts"))["n"])
        if article.status == Article.Status.QUEUED and article.attempts:
            # Skip the retry delay (10 s, then 60 s) so the test sees every attempt.
            Article.objects.filter(pk=slow, status=Article.Status.QUEUED).update(
                next_attempt_at=article.created_at
            )
        return article.status == Article.Status.FAILED

    try:
        wait_for(slow_article_done, timeout=240, what="the slow article to fail")
        wait_for(lambda: _all_extracted(normal), timeout=120, what="the normal articles")
        assert all(worker.running() for worker in workers)
    finally:
        for worker in workers:
            worker.signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(60)
            worker.stop()
    output = "\n".join(worker.output for worker in workers)
    article = Article.objects.get(pk=slow)
    assert article.attempts == MAX_ATTEMPTS, output
    assert most_attempts <= MAX_ATTEMPTS
    assert "took longer than 3 s" in article.last_error, article.last_error
    # The normal articles were never held hostage: each was claimed once, by a live lease.
    normal_articles = Article.objects.filter(id__in=normal)
    assert set(normal_articles.values_list("attempts", flat=True)) == {1}, output
    assert no_duplicates()


def test_sigterm_during_a_slow_article_exits_within_the_grace_period():
    (slow,) = queue_stories(1, repeat=900, start=100)  # about 300,000 characters
    settings_ = {"NEWSROOM_ARTICLE_SECONDS": "600", "NEWSROOM_WORKER_GRACE_SECONDS": "4"}
    worker = WorkerProcess("--poll", "60", **settings_)
    try:
        wait_for(_processing, what="the slow article claimed")
        time.sleep(2)  # well into its parse
        asked = time.monotonic()
        worker.signal(signal.SIGTERM)
        code = worker.wait(30)
        took = time.monotonic() - asked
    finally:
        worker.stop()
    assert code == 0, worker.output
    assert took < 4 + 1.5, f"{took:.1f} s\n{worker.output}"
    article = Article.objects.get(pk=slow)
    # Released for another worker, the interrupted attempt not counted against it.
    assert (article.status, article.attempts, article.claimed_by) == (
        Article.Status.QUEUED,
        0,
        "",
    ), worker.output
    run = ExtractionRun.objects.get()
    assert run.outcome == ExtractionRun.Outcome.STOPPED and run.finished_at is not None


def test_the_supervisor_restarts_a_worker_that_dies():
    supervisor = WorkerProcess("--supervise", "--poll", "60")
    try:
        wait_for(someone_listens, timeout=60, what="the first worker")
        first = [line for line in supervisor.lines if "Extraction worker started" in line]
        first_pid = int(first[0].split("pid ")[1].split(")")[0])
        os.kill(first_pid, signal.SIGKILL)
        wait_for(
            lambda: len([line for line in supervisor.lines if "started (pid" in line]) == 2,
            timeout=60,
            what="a second worker",
        )
        assert "exited with status -9" in supervisor.output
        wait_for(someone_listens, timeout=60, what="the second worker listening")
        (pk,) = queue_stories(1)
        wait_for(lambda: _all_extracted([pk]), timeout=90, what="the article extracted")
    finally:
        supervisor.signal(signal.SIGTERM)
        code = supervisor.wait(60)
        supervisor.stop()
    assert code == 0, supervisor.output
    assert not worker_backends()
    # The supervisor built the first-name list for speaker suggestions before any page needs it.
    assert list((settings.NEWSROOM_DATA_DIR / "cache").glob("first-names-*.json"))
