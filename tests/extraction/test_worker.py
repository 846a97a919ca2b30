"""The extraction worker: claims, leases, crashes, signals, retries and human work kept."""

from __future__ import annotations

import signal
import time

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from articles.extraction import queue
from articles.extraction.queue import MAX_ATTEMPTS
from articles.extraction.worker import Worker
from articles.models import Article, ExtractionRun, Mention, Origin, Quote, ReviewState
from tests.extraction.processes import (
    STORY,
    WorkerProcess,
    no_duplicates,
    queue_stories,
    someone_listens,
    wait_for,
)

MODEL = settings.NEWSROOM_SPACY_MODEL
pytestmark = pytest.mark.django_db


@pytest.mark.slow
def test_extract_once_stores_entities_quotes_and_a_run(make_article):
    article = make_article(STORY)
    call_command("extract", "--once", verbosity=0)
    article.refresh_from_db()
    assert article.status == Article.Status.EXTRACTED
    assert article.extraction_version.startswith(MODEL)
    people = set(article.mentions.filter(label="PERSON").values_list("entity__name", flat=True))
    assert "Jane Holloway" in people
    quote = article.quotes.get(text__contains="rebuild every school")
    assert quote.speaker is not None and quote.speaker.name == "Jane Holloway"
    assert quote.origin == Origin.MACHINE and quote.status == ReviewState.UNREVIEWED
    run = ExtractionRun.objects.get()
    assert run.articles == 1 and run.quotes == article.quotes.count() and run.finished_at
    assert run.mentions == article.mentions.count() and run.nlp_seconds > 0

    # Nothing is pending any more: a second pass changes nothing.
    counts = (article.mentions.count(), article.quotes.count())
    call_command("extract", "--once", verbosity=0)
    assert (article.mentions.count(), article.quotes.count()) == counts


@pytest.mark.slow
def test_failures_retry_with_backoff_then_fail(make_article, monkeypatch):
    from articles.nlp import pipeline

    real = pipeline.extract_doc

    def explode_on_marker(doc, repaired=None):
        if "EXPLODE" in doc.text:
            raise RuntimeError("the parser choked")
        return real(doc, repaired)

    monkeypatch.setattr(pipeline, "extract_doc", explode_on_marker)
    bad = make_article("This article will EXPLODE in the parser, said Tom Reed.")
    good = make_article(STORY)
    worker = Worker(model_name=MODEL, log=lambda line: None)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        worker.run(once=True)
        bad.refresh_from_db()
        assert bad.attempts == attempt
        assert "the parser choked" in bad.last_error
        if attempt < MAX_ATTEMPTS:
            assert bad.status == Article.Status.QUEUED
            assert bad.next_attempt_at > timezone.now()  # backoff: not claimable yet
            Article.objects.filter(pk=bad.pk).update(next_attempt_at=timezone.now())
    assert bad.status == Article.Status.FAILED
    good.refresh_from_db()
    assert good.status == Article.Status.EXTRACTED  # one bad article does not sink the batch

    queue.requeue(bad.pk)  # what the retry button does
    bad.refresh_from_db()
    assert (bad.status, bad.attempts, bad.last_error) == (Article.Status.QUEUED, 0, "")


@pytest.mark.slow
def test_reextraction_keeps_every_human_decision(make_article, reviewer):
    article = make_article(STORY)
    call_command("extract", "--once", verbosity=0)
    quotes = list(article.quotes.order_by("start"))
    assert len(quotes) >= 2
    accepted, corrected = quotes[0], quotes[1]
    Quote.objects.filter(pk=accepted.pk).update(status=ReviewState.ACCEPTED, reviewed_by=reviewer)
    Quote.objects.filter(pk=corrected.pk).update(
        status=ReviewState.CORRECTED, speaker_text="Someone Else", speaker=None
    )
    human = Quote.objects.create(
        article=article,
        start=0,
        end=9,
        text=article.body[0:9],
        origin=Origin.HUMAN,
        status=ReviewState.ACCEPTED,
        speaker_text="Editor",
    )
    mention = article.mentions.filter(label="PERSON").first()
    Mention.objects.filter(pk=mention.pk).update(status=ReviewState.REJECTED)
    kept = {
        q.pk: (q.start, q.end, q.status, q.speaker_text, q.speaker_id)
        for q in Quote.objects.filter(pk__in=[accepted.pk, corrected.pk, human.pk])
    }
    machine_before = set(
        article.quotes.filter(origin=Origin.MACHINE, status=ReviewState.UNREVIEWED).values_list(
            "pk", flat=True
        )
    )

    call_command("extract", "--article", str(article.pk), "--force", verbosity=0)

    after = {
        q.pk: (q.start, q.end, q.status, q.speaker_text, q.speaker_id)
        for q in Quote.objects.filter(pk__in=kept)
    }
    assert after == kept
    assert Mention.objects.get(pk=mention.pk).status == ReviewState.REJECTED
    # The reviewed quotes were not found again as new machine duplicates.
    for q in Quote.objects.filter(pk__in=[accepted.pk, corrected.pk]):
        twins = article.quotes.filter(start__lt=q.end, end__gt=q.start).exclude(pk=q.pk)
        assert not twins.exists()
    twins = article.mentions.filter(start=mention.start, end=mention.end).exclude(pk=mention.pk)
    assert not twins.exists()
    # Unreviewed machine items were replaced by fresh ones.
    machine_after = set(
        article.quotes.filter(origin=Origin.MACHINE, status=ReviewState.UNREVIEWED).values_list(
            "pk", flat=True
        )
    )
    assert not machine_before & machine_after


# --- Real worker processes -------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sigkill_mid_batch_is_recovered_by_another_worker():
    ids = queue_stories(24)
    victim = WorkerProcess("--batch-size", "8", lease=3)
    try:
        wait_for(lambda: ExtractionRun.objects.filter(finished_at__isnull=True).exists())
        victim.signal(signal.SIGKILL)
        victim.wait(10)
    finally:
        victim.stop()
    stranded = Article.objects.filter(status=Article.Status.PROCESSING).count()
    assert stranded > 0  # the kill really left claimed work behind

    time.sleep(3.5)  # let the dead worker's 3-second leases lapse
    rescuer = WorkerProcess("--once", "--batch-size", "8", lease=3)
    assert rescuer.wait(300) == 0, rescuer.output
    statuses = set(Article.objects.filter(id__in=ids).values_list("status", flat=True))
    assert statuses == {Article.Status.EXTRACTED}, rescuer.output
    assert no_duplicates()
    assert all(Article.objects.get(pk=pk).quotes.exists() for pk in ids)
    # The dead worker's run was closed by the next worker to start.
    assert not ExtractionRun.objects.filter(finished_at__isnull=True).exists()
    abandoned = ExtractionRun.objects.filter(outcome=ExtractionRun.Outcome.ABANDONED)
    assert abandoned.exists(), rescuer.output


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sigterm_finishes_the_batch_and_exits_cleanly():
    queue_stories(12)
    worker = WorkerProcess("--batch-size", "6", "--poll", "30")
    try:
        wait_for(lambda: Article.objects.filter(status=Article.Status.PROCESSING).exists())
        worker.signal(signal.SIGTERM)
        assert worker.wait(120) == 0, worker.output
    finally:
        worker.stop()
    assert "SIGTERM" in worker.output
    # The batch in hand was finished, not abandoned.
    assert not Article.objects.filter(status=Article.Status.PROCESSING).exists()
    assert Article.objects.filter(status=Article.Status.EXTRACTED).count() >= 6
    assert set(ExtractionRun.objects.values_list("outcome", flat=True)) == {
        ExtractionRun.Outcome.FINISHED
    }


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_notify_wakes_an_idle_worker_long_before_the_poll():
    worker = WorkerProcess("--poll", "120")
    try:
        # Wait until it is idle and LISTENing, so only a NOTIFY can wake it in time.
        wait_for(someone_listens, timeout=60)
        started = time.monotonic()
        (pk,) = queue_stories(1)
        wait_for(lambda: Article.objects.get(pk=pk).status == Article.Status.EXTRACTED, timeout=90)
        assert time.monotonic() - started < 60
    finally:
        worker.signal(signal.SIGTERM)
        worker.wait(60)
        worker.stop()


@pytest.mark.slow
def test_an_article_over_its_time_budget_fails_and_its_batch_mates_go_on():
    slow = queue_stories(1, repeat=600, start=100)[0]  # about 200,000 characters
    normal = queue_stories(3)
    worker = Worker(model_name=MODEL, batch_size=4, article_seconds=2, log=lambda line: None)
    worker.run(once=True)
    for pk in normal:
        article = Article.objects.get(pk=pk)
        assert (article.status, article.attempts) == (Article.Status.EXTRACTED, 1)
        assert article.quotes.exists()
    article = Article.objects.get(pk=slow)
    assert article.status == Article.Status.QUEUED  # to be retried later
    assert article.attempts == 1
    assert "took longer than 2 s" in article.last_error
    run = ExtractionRun.objects.get()
    assert (run.articles, run.failed, run.outcome) == (3, 1, ExtractionRun.Outcome.FINISHED)
