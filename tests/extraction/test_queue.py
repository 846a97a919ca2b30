"""The extraction queue's transitions: claims, the attempt limit, release, failure, requeueing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.extraction import queue
from articles.extraction.worker import close_abandoned_runs
from articles.models import Article, ExtractionRun

pytestmark = pytest.mark.django_db


def _lapse(*ids: int) -> None:
    Article.objects.filter(id__in=ids).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )


def test_claims_do_not_overlap_and_lapsed_leases_are_reclaimed(make_article):
    articles = [make_article() for _ in range(5)]
    first = queue.claim_batch("worker-a", 3, lease_seconds=60)
    second = queue.claim_batch("worker-b", 3, lease_seconds=60)
    assert len(first) == 3 and len(second) == 2
    assert not set(first) & set(second)
    assert queue.claim_batch("worker-c", 3, lease_seconds=60) == []

    # worker-a dies: its leases lapse and another worker takes the articles over.
    Article.objects.filter(id__in=first).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    taken = queue.claim_batch("worker-c", 10, lease_seconds=60)
    assert sorted(taken) == sorted(first)
    assert set(Article.objects.filter(id__in=taken).values_list("claimed_by", flat=True)) == {
        "worker-c"
    }
    assert {a.attempts for a in Article.objects.filter(id__in=taken)} == {2}
    assert len(articles) == 5


def test_queued_articles_wait_for_their_retry_time(make_article):
    make_article(next_attempt_at=timezone.now() + timedelta(minutes=5))
    assert queue.claim_batch("worker-a", 5, lease_seconds=60) == []


def test_a_new_article_is_due_at_once(make_article):
    article = Article.objects.create(title="T", body="Body.", content_hash="h-new")
    assert article.status == Article.Status.QUEUED and article.next_attempt_at is not None
    assert queue.claim_batch("w", 5, 60) == [article.pk]
    assert make_article  # the fixture is not needed for the row above


def test_the_claim_keeps_the_attempt_limit_whatever_the_timing(make_article):
    article = make_article()
    for attempt in range(1, queue.MAX_ATTEMPTS + 1):
        assert queue.claim_batch(f"w{attempt}", 5, 60) == [article.pk]
        assert Article.objects.get(pk=article.pk).attempts == attempt
        _lapse(article.pk)  # the worker vanished: its lease lapses
    # The last allowed attempt lapsed too: no fourth claim, the article fails instead.
    assert queue.claim_batch("w4", 5, 60) == []
    article.refresh_from_db()
    assert article.status == Article.Status.FAILED
    assert article.attempts == queue.MAX_ATTEMPTS
    assert article.last_error == queue.GAVE_UP
    assert (article.claimed_by, article.lease_expires_at) == ("", None)


def test_failures_back_off_then_fail(make_article):
    article = make_article()
    for attempt in range(1, queue.MAX_ATTEMPTS + 1):
        assert queue.claim_batch("w", 1, 60) == [article.pk]
        assert queue.fail("w", article.pk, f"boom {attempt}")
        article.refresh_from_db()
        assert article.last_error == f"boom {attempt}"
        if attempt < queue.MAX_ATTEMPTS:
            assert article.status == Article.Status.QUEUED
            assert article.next_attempt_at > timezone.now() + timedelta(seconds=5)
            Article.objects.filter(pk=article.pk).update(next_attempt_at=timezone.now())
    assert article.status == Article.Status.FAILED and article.next_attempt_at is None


def test_only_the_holder_can_fail_or_release_a_claim(make_article):
    article = make_article()
    queue.claim_batch("holder", 1, 60)
    assert not queue.fail("other", article.pk, "not mine")
    assert queue.release("other", [article.pk]) == 0
    article.refresh_from_db()
    assert (article.status, article.claimed_by, article.last_error) == (
        Article.Status.PROCESSING,
        "holder",
        "",
    )


def test_release_requeues_at_once_without_counting_the_attempt(make_article):
    first, second = make_article(), make_article()
    queue.claim_batch("w", 2, 60)
    assert queue.release("w", [first.pk, second.pk]) == 2
    for article in Article.objects.filter(pk__in=[first.pk, second.pk]):
        assert article.status == Article.Status.QUEUED
        assert article.attempts == 0
        assert article.claimed_by == "" and article.lease_expires_at is None
    assert sorted(queue.claim_batch("w2", 5, 60)) == sorted([first.pk, second.pk])


def test_renewal_extends_only_the_holders_leases(make_article):
    article = make_article()
    queue.claim_batch("worker-a", 1, lease_seconds=1)
    before = Article.objects.get(pk=article.pk).lease_expires_at
    assert queue.renew("worker-b", [article.pk], 60) == 0
    assert queue.renew("worker-a", [article.pk], 60) == 1
    assert Article.objects.get(pk=article.pk).lease_expires_at > before + timedelta(seconds=30)
    assert queue.held_by("worker-a", [article.pk]) == {article.pk}
    assert queue.held_by("worker-b", [article.pk]) == set()


def test_requeue_refuses_an_article_being_processed(make_article):
    article = make_article()
    queue.claim_batch("w", 1, 60)
    assert not queue.requeue(article.pk)
    assert Article.objects.get(pk=article.pk).claimed_by == "w"
    assert not queue.requeue(10**9)  # no such article


def test_requeue_stale_queues_only_other_versions(make_article):
    old = make_article(status=Article.Status.EXTRACTED, extraction_version="m@1/p1")
    same = make_article(status=Article.Status.EXTRACTED, extraction_version="m@1/p2")
    failed = make_article(status=Article.Status.FAILED, attempts=3)
    assert queue.requeue_stale("m@1/p2") == 1
    statuses = dict(Article.objects.values_list("pk", "status"))
    assert statuses[old.pk] == Article.Status.QUEUED
    assert statuses[same.pk] == Article.Status.EXTRACTED
    assert statuses[failed.pk] == Article.Status.FAILED


def _run(worker: str, started) -> ExtractionRun:
    return ExtractionRun.objects.create(
        worker=worker, model_name="m", model_version="1", pipeline_version="6", started_at=started
    )


def test_abandoned_runs_are_closed_but_live_ones_are_not(make_article):
    long_ago = timezone.now() - timedelta(minutes=10)
    vanished, busy = _run("gone:1", long_ago), _run("busy:2", long_ago)
    young = _run("new:3", timezone.now())
    make_article()
    queue.claim_batch("busy:2", 1, 600)
    assert close_abandoned_runs(lease_seconds=60) == 1
    vanished.refresh_from_db()
    assert vanished.finished_at is not None
    assert vanished.outcome == ExtractionRun.Outcome.ABANDONED
    assert ExtractionRun.objects.get(pk=busy.pk).finished_at is None
    assert ExtractionRun.objects.get(pk=young.pk).finished_at is None


def test_the_newest_go_first_but_nothing_waits_for_ever(make_article):
    now = timezone.now()
    old = make_article(next_attempt_at=now - timedelta(seconds=queue.STARVE_SECONDS + 60))
    earlier = make_article(next_attempt_at=now - timedelta(seconds=30))
    newer = make_article(next_attempt_at=now - timedelta(seconds=1))
    # The long-waiting one first, then the newest due.
    assert queue.claim_batch("w", 2, 60) == [old.pk, newer.pk]
    assert queue.claim_batch("w", 2, 60) == [earlier.pk]


@pytest.fixture
def worker_sessions():
    """Open database sessions named as workers' are, as other worker processes would."""
    import psycopg
    from django.db import connection

    opened = []

    def open_as(worker: str) -> None:
        params = connection.get_connection_params()
        params["application_name"] = queue.session_name(worker)
        opened.append(psycopg.connect(**params, autocommit=True))

    yield open_as
    for session in opened:
        session.close()


def test_a_claim_takes_an_even_share_when_other_workers_are_connected(
    make_article, worker_sessions
):
    from django.db import connection

    from articles.extraction.worker import prepare_session

    for _ in range(6):
        make_article()
    # Alone, a worker takes everything due up to its batch size.
    assert queue.fair_share(16) == 16
    prepare_session(connection=connection, worker="w-a")
    worker_sessions("w-b")  # an idle worker, waiting for NOTIFY
    first = queue.claim_batch("w-a", 16, 60)
    assert len(first) == 3
    # The other worker's claim takes half of what is left, and a long queue is not cut.
    assert len(queue.claim_batch("w-b", 16, 60)) == 2
    assert queue.fair_share(2) == 1
    for _ in range(40):
        make_article()
    assert queue.fair_share(16) == 16


def test_a_workers_sessions_are_named_after_it():
    assert queue.session_name("host:123") == "newsroom worker host:123"
    long = queue.session_name("h" * 100)
    assert long.startswith("newsroom worker ") and len(long.encode()) == 63
