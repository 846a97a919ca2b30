"""The extraction worker: claims, leases, crashes, signals, retries and human work kept."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from articles.extraction import queue
from articles.extraction.worker import MAX_ATTEMPTS, Worker, claim_batch, renew_leases
from articles.intake import imports, ingest
from articles.models import Article, ExtractionRun, Mention, Origin, Quote, ReviewState

ROOT = Path(__file__).resolve().parents[2]
MODEL = settings.NEWSROOM_SPACY_MODEL
pytestmark = pytest.mark.django_db

STORY = (
    "Prime Minister Jane Holloway visited Leeds on Monday.\n\n"
    '"We will rebuild every school in this city," Holloway said. '
    "She added that the money would arrive by spring.\n\n"
    "Opposition leader Mark Fenwick said the plan was too late."
)


def story(n: int) -> str:
    return f"Report {n}. " + STORY


def test_claims_do_not_overlap_and_lapsed_leases_are_reclaimed(make_article):
    articles = [make_article() for _ in range(5)]
    first = claim_batch("worker-a", 3, lease_seconds=60)
    second = claim_batch("worker-b", 3, lease_seconds=60)
    assert len(first) == 3 and len(second) == 2
    assert not set(first) & set(second)
    assert claim_batch("worker-c", 3, lease_seconds=60) == []

    # worker-a dies: its leases lapse and another worker takes the articles over.
    Article.objects.filter(id__in=first).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    taken = claim_batch("worker-c", 10, lease_seconds=60)
    assert sorted(taken) == sorted(first)
    assert set(Article.objects.filter(id__in=taken).values_list("claimed_by", flat=True)) == {
        "worker-c"
    }
    assert {a.attempts for a in Article.objects.filter(id__in=taken)} == {2}
    assert len(articles) == 5


def test_renewal_extends_only_the_holders_leases(make_article):
    article = make_article()
    claim_batch("worker-a", 1, lease_seconds=1)
    before = Article.objects.get(pk=article.pk).lease_expires_at
    assert renew_leases("worker-b", [article.pk], 60) == 0
    assert renew_leases("worker-a", [article.pk], 60) == 1
    assert Article.objects.get(pk=article.pk).lease_expires_at > before + timedelta(seconds=30)


def test_queued_articles_wait_for_their_retry_time(make_article):
    make_article(next_attempt_at=timezone.now() + timedelta(minutes=5))
    assert claim_batch("worker-a", 5, lease_seconds=60) == []


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

    queue.queue_extraction(bad)  # what the retry button does
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


def _database_url() -> str:
    db = connection.settings_dict
    host = quote(db["HOST"] or "", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{host}{port}/{db['NAME']}"


def _worker(*args: str, lease: int = 60) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "NEWSROOM_LEASE_SECONDS": str(lease),
        "PYTHONUNBUFFERED": "1",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "extract", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for(condition, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def _queue(n: int) -> list[int]:
    items = [
        ingest.ParsedItem(f"s{i}", draft=ingest.ArticleDraft(f"S{i}", story(i))) for i in range(n)
    ]
    return [r.article.pk for r in imports.import_items(items)]


def _someone_listens() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_stat_activity WHERE datname = current_database()"
            " AND query ILIKE 'LISTEN%%'"
        )
        return cursor.fetchone() is not None


def _no_duplicates() -> bool:
    dupes = Quote.objects.values("article", "start", "end").annotate(n=Count("id")).filter(n__gt=1)
    mention_dupes = (
        Mention.objects.values("article", "start", "end").annotate(n=Count("id")).filter(n__gt=1)
    )
    return not dupes.exists() and not mention_dupes.exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sigkill_mid_batch_is_recovered_by_another_worker():
    ids = _queue(24)
    victim = _worker("--batch-size", "8", lease=3)
    try:
        _wait_for(lambda: Article.objects.filter(status=Article.Status.PROCESSING).exists())
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
    finally:
        victim.kill()
    stranded = Article.objects.filter(status=Article.Status.PROCESSING).count()
    assert stranded > 0  # the kill really left claimed work behind

    time.sleep(3.5)  # let the dead worker's 3-second leases lapse
    output, _ = _worker("--once", "--batch-size", "8", lease=3).communicate(timeout=300)
    statuses = set(Article.objects.filter(id__in=ids).values_list("status", flat=True))
    assert statuses == {Article.Status.EXTRACTED}, output
    assert _no_duplicates()
    assert all(Article.objects.get(pk=pk).quotes.exists() for pk in ids)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sigterm_finishes_the_batch_and_exits_cleanly():
    _queue(12)
    worker = _worker("--batch-size", "6", "--poll", "30")
    try:
        _wait_for(lambda: Article.objects.filter(status=Article.Status.PROCESSING).exists())
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=120)
    finally:
        worker.kill()
    assert worker.returncode == 0, output
    assert "SIGTERM" in output
    # The batch in hand was finished, not abandoned.
    assert not Article.objects.filter(status=Article.Status.PROCESSING).exists()
    assert Article.objects.filter(status=Article.Status.EXTRACTED).count() >= 6


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_notify_wakes_an_idle_worker_long_before_the_poll():
    worker = _worker("--poll", "120")
    try:
        # Wait until it is idle and LISTENing, so only a NOTIFY can wake it in time.
        _wait_for(_someone_listens, timeout=60)
        started = time.monotonic()
        (pk,) = _queue(1)
        _wait_for(lambda: Article.objects.get(pk=pk).status == Article.Status.EXTRACTED, timeout=90)
        assert time.monotonic() - started < 60
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.communicate(timeout=60)
