"""Large imports in the background: an uploaded .jsonl of many lines becomes an ImportJob,
which an extraction worker runs between its batches.

The job's state moves only here:

    queued --claim--> running --(batches)--> done
                      running --release--> queued (the worker is stopping; no attempt counted)
                      running --fail--> queued again, or failed after MAX_ATTEMPTS
                      running, lease lapsed (its worker vanished) --claim--> running again

Jobs share PostgreSQL with the extraction queue (SKIP LOCKED claims, a lease, NOTIFY to wake
workers); no other queue system. Each batch of articles is committed together with the job's
progress (lines settled, counts, the first verdicts), so a job taken over resumes exactly where
it stopped, and memory holds one batch at a time.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone

from articles.extraction.queue import notify_workers
from articles.intake import imports, ingest
from articles.models import ImportJob

# A .jsonl with more lines than this is imported in the background.
INLINE_MAX_ITEMS = 300
BATCH_LINES = 500
VERDICTS_KEPT = 1000
MAX_ATTEMPTS = 3


def background_candidate(filename: str, data: bytes) -> bool:
    """Whether an upload is large enough to import in the background (a .jsonl, many lines)."""
    if not filename.lower().endswith(".jsonl"):
        return False
    return data.count(b"\n") + 1 > INLINE_MAX_ITEMS


def queue_import(
    filename: str,
    data: bytes,
    user=None,
    *,
    run_by: str = "",
    lease_seconds: float = 60,
    defaults: ingest.Defaults = ingest.NO_DEFAULTS,
) -> ImportJob:
    """Store the file as a queued job and wake a worker (at commit); `defaults` are applied
    to its articles that give no outlet or date.

    With `run_by`, the job is created already claimed by that runner (import_articles runs
    its own jobs in the foreground), and no worker is woken.
    """
    claim_now = {}
    if run_by:
        claim_now = {
            "status": ImportJob.Status.RUNNING,
            "claimed_by": run_by,
            "lease_expires_at": timezone.now() + timedelta(seconds=lease_seconds),
            "attempts": 1,
            "started_at": timezone.now(),
        }
    with transaction.atomic():
        job = ImportJob.objects.create(
            filename=filename[:255],
            data=data,
            created_by=user if user is not None and user.is_authenticated else None,
            lines=data.count(b"\n") + (0 if data.endswith(b"\n") else 1),
            default_outlet=defaults.outlet,
            default_published=defaults.published,
            **claim_now,
        )
        if not run_by:
            notify_workers()
    return job


def claim(worker: str, lease_seconds: float, job_id: int | None = None) -> int | None:
    """Claim the oldest due job (or job `job_id`) for `worker`; return its id.

    One short transaction; jobs other workers have locked are skipped. A due job is queued, or
    running with a lapsed lease. One whose attempts are spent is marked failed instead.
    """
    due = Q(status=ImportJob.Status.QUEUED) | Q(
        status=ImportJob.Status.RUNNING, lease_expires_at__lt=Now()
    )
    with transaction.atomic():
        jobs = ImportJob.objects.filter(due).select_for_update(skip_locked=True).order_by("id")
        if job_id is not None:
            jobs = jobs.filter(pk=job_id)
        spent = jobs.filter(attempts__gte=MAX_ATTEMPTS)
        spent.update(
            status=ImportJob.Status.FAILED,
            error="Gave up: the import was interrupted too many times.",
            claimed_by="",
            lease_expires_at=None,
            finished_at=Now(),
        )
        pk = jobs.filter(attempts__lt=MAX_ATTEMPTS).values_list("pk", flat=True).first()
        if pk is None:
            return None
        ImportJob.objects.filter(pk=pk).update(
            status=ImportJob.Status.RUNNING,
            claimed_by=worker,
            lease_expires_at=timezone.now() + timedelta(seconds=lease_seconds),
            attempts=F("attempts") + 1,
            started_at=timezone.now(),
        )
    return pk


def run(
    job_id: int,
    worker: str,
    lease_seconds: float,
    stopping: Callable[[], bool] = lambda: False,
    progress: Callable[[ImportJob], None] = lambda job: None,
) -> str:
    """Import a claimed job's remaining lines, batch by batch; return how it ended:
    "done", "released" (stopping was asked) or "lost" (another worker holds it now).

    Each batch locks the job row FOR UPDATE, checks the claim is still ours, writes the
    articles and the progress, and commits. Call outside any transaction.
    """
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    try:
        text, problem = ingest.read_text(bytes(job.data)), ""
    except ingest.IngestError as error:
        text, problem = "", str(error)
    lines = io.StringIO(text)
    items = ingest.iter_jsonl(
        lines,
        job.filename,
        settings.NEWSROOM_MAX_ARTICLE_CHARS,
        skip=job.lines_done,
        defaults=ingest.Defaults(job.default_outlet, job.default_published),
    )
    batch: list[tuple[int, ingest.ParsedItem]] = []
    for entry in items:
        batch.append(entry)
        if len(batch) >= BATCH_LINES:
            if not _settle(job, worker, lease_seconds, batch, batch[-1][0]):
                return "lost"
            progress(job)
            batch = []
            if stopping():
                release(job_id, worker)
                return "released"
    total_lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if not _settle(job, worker, lease_seconds, batch, max(total_lines, job.lines_done)):
        return "lost"
    if not job.created and not job.duplicates and not job.rejected:
        problem = problem or "there are no articles in this file"
        job.rejected, job.verdicts = 1, [[job.filename, "rejected", None, "", problem]]
    ImportJob.objects.filter(pk=job_id, claimed_by=worker).update(
        status=ImportJob.Status.DONE,
        finished_at=Now(),
        claimed_by="",
        lease_expires_at=None,
        data=b"",
        rejected=job.rejected,
        verdicts=job.verdicts,
    )
    progress(job)
    return "done"


def _settle(
    job: ImportJob,
    worker: str,
    lease_seconds: float,
    batch: list[tuple[int, ingest.ParsedItem]],
    last_line: int,
) -> bool:
    """Write one batch and the job's progress in one transaction; False if the claim is lost."""
    with transaction.atomic():
        held = (
            ImportJob.objects.select_for_update()
            .filter(pk=job.pk, claimed_by=worker, status=ImportJob.Status.RUNNING)
            .exists()
        )
        if not held:
            return False
        results = imports.import_batch([item for _, item in batch], job.created_by)
        for result in results:
            if result.outcome == "created":
                job.created += 1
                continue
            if result.outcome == "duplicate":
                job.duplicates += 1
            else:
                job.rejected += 1
            if len(job.verdicts) < VERDICTS_KEPT:
                job.verdicts.append(
                    [result.label, result.outcome, result.article_id, result.title, result.message]
                )
        job.lines_done = last_line
        ImportJob.objects.filter(pk=job.pk).update(
            lines_done=job.lines_done,
            created=job.created,
            duplicates=job.duplicates,
            rejected=job.rejected,
            verdicts=job.verdicts,
            lease_expires_at=timezone.now() + timedelta(seconds=lease_seconds),
        )
    return True


def release(job_id: int, worker: str) -> bool:
    """Give a job back (the worker is stopping): queued again at once, no attempt counted."""
    with transaction.atomic():
        count = ImportJob.objects.filter(
            pk=job_id, claimed_by=worker, status=ImportJob.Status.RUNNING
        ).update(
            status=ImportJob.Status.QUEUED,
            claimed_by="",
            lease_expires_at=None,
            attempts=F("attempts") - 1,
        )
        if count:
            notify_workers()
    return bool(count)


def fail(job_id: int, worker: str, error: str) -> bool:
    """End an attempt in failure: queued again, or failed after MAX_ATTEMPTS."""
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update()
            .filter(pk=job_id, claimed_by=worker, status=ImportJob.Status.RUNNING)
            .only("attempts")
            .first()
        )
        if job is None:
            return False
        failed = job.attempts >= MAX_ATTEMPTS
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED if failed else ImportJob.Status.QUEUED,
            error=error[:4000],
            claimed_by="",
            lease_expires_at=None,
            finished_at=Now() if failed else None,
        )
    return True
