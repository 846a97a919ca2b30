"""Background imports: large .jsonl uploads become jobs that workers run batch by batch."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles.intake import jobs
from articles.models import Article, ImportJob

pytestmark = pytest.mark.django_db


def feed(n: int, *, bad_every: int = 0, start: int = 0) -> bytes:
    lines = []
    for i in range(start, start + n):
        if bad_every and i % bad_every == 0:
            lines.append('{"text": ')  # not JSON
        else:
            lines.append(json.dumps({"title": f"Story {i}", "text": f"Story number {i} ran."}))
    return ("\n".join(lines) + "\n").encode()


def test_a_large_jsonl_upload_is_queued_and_the_request_returns_at_once(client_for):
    client = client_for("editor")
    upload = SimpleUploadedFile("big.jsonl", feed(jobs.INLINE_MAX_ITEMS + 100))
    response = client.post(
        reverse("articles:upload-file"), {"file": upload}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    job = ImportJob.objects.get()
    assert (job.status, job.lines, job.lines_done) == (ImportJob.Status.QUEUED, 400, 0)
    assert f'id="import-job-{job.pk}"' in response.text
    assert "every 2s" in response.text  # the row polls its progress
    assert not Article.objects.exists()  # nothing imported inside the request


def test_a_small_jsonl_upload_is_imported_at_once(client_for):
    client = client_for("editor")
    upload = SimpleUploadedFile("small.jsonl", feed(jobs.INLINE_MAX_ITEMS - 1))
    client.post(reverse("articles:upload-file"), {"file": upload}, HTTP_HX_REQUEST="true")
    assert Article.objects.count() == jobs.INLINE_MAX_ITEMS - 1
    assert not ImportJob.objects.exists()


def test_a_large_upload_that_is_not_text_is_refused_at_once(client_for):
    data = b"\x00\x01\x02\x03" * 1000 + b"\n" * 400
    upload = SimpleUploadedFile("bin.jsonl", data)
    response = client_for("editor").post(reverse("articles:upload-file"), {"file": upload})
    assert "binary file" in response.text
    assert not ImportJob.objects.exists()


def test_a_job_imports_every_line_with_its_verdicts(editor):
    data = feed(1200, bad_every=100) + json.dumps({"text": "Story number 5 ran."}).encode()
    job = jobs.queue_import("feed.jsonl", data, editor)
    assert jobs.claim("w1", 60) == job.pk
    assert jobs.run(job.pk, "w1", 60) == "done"
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.finished_at is not None
    assert (job.created, job.duplicates, job.rejected) == (1188, 1, 12)
    assert job.lines_done == job.lines == 1201
    assert bytes(job.data) == b""  # the file is dropped once imported
    rejected = [v for v in job.verdicts if v[1] == "rejected"]
    assert rejected[0][0] == "feed.jsonl line 1"
    assert rejected[0][4].startswith("this line is not valid JSON")
    duplicate = next(v for v in job.verdicts if v[1] == "duplicate")
    assert duplicate[0] == "feed.jsonl line 1201"
    assert Article.objects.count() == 1188
    assert set(Article.objects.values_list("uploaded_by", flat=True)) == {editor.pk}


def test_a_stopped_job_is_released_and_resumed_where_it_stopped(editor):
    job = jobs.queue_import("feed.jsonl", feed(1300), editor)
    jobs.claim("w1", 60)
    assert jobs.run(job.pk, "w1", 60, stopping=lambda: True) == "released"
    job.refresh_from_db()
    assert (job.status, job.lines_done, job.attempts) == (ImportJob.Status.QUEUED, 500, 0)
    assert Article.objects.count() == 500
    assert jobs.claim("w2", 60) == job.pk
    assert jobs.run(job.pk, "w2", 60) == "done"
    job.refresh_from_db()
    assert (job.created, job.duplicates, job.rejected) == (1300, 0, 0)
    assert Article.objects.count() == 1300


def test_a_vanished_workers_job_is_taken_over_and_the_old_claim_is_lost(editor):
    job = jobs.queue_import("feed.jsonl", feed(700), editor)
    jobs.claim("w1", 60)
    ImportJob.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now())
    assert jobs.claim("w2", 60) == job.pk
    assert jobs.run(job.pk, "w1", 60) == "lost"
    assert not Article.objects.exists()
    assert jobs.run(job.pk, "w2", 60) == "done"
    assert Article.objects.count() == 700


def test_a_job_that_keeps_failing_is_marked_failed(editor):
    job = jobs.queue_import("feed.jsonl", feed(400), editor)
    for attempt in range(jobs.MAX_ATTEMPTS):
        assert jobs.claim(f"w{attempt}", 60) == job.pk
        assert jobs.fail(job.pk, f"w{attempt}", "disk on fire")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.error == "disk on fire"
    assert jobs.claim("w9", 60) is None


def test_import_progress_is_visible_to_its_uploader_and_admins_only(editor, make_user, client_for):
    job = jobs.queue_import("feed.jsonl", feed(400, bad_every=50), editor)
    jobs.claim("w", 60)
    jobs.run(job.pk, "w", 60)
    url = reverse("articles:import-job", args=[job.pk])
    mine = client_for(None)
    mine.force_login(editor)
    row = mine.get(url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET=f"import-job-{job.pk}")
    assert row.status_code == 200 and "392 created" in row.text and "every 2s" not in row.text
    page = mine.get(url)
    assert page.status_code == 200 and "feed.jsonl line 51" in page.text
    assert client_for("editor").get(url).status_code == 404  # another editor
    assert client_for("admin").get(url).status_code == 200
    assert client_for("reviewer").get(url).status_code == 403


def test_import_articles_runs_a_large_file_as_a_job_in_the_foreground(tmp_path, capsys):
    path = tmp_path / "big.jsonl"
    path.write_bytes(feed(600, bad_every=200))
    call_command("import_articles", str(path))
    out = capsys.readouterr()
    assert "597 created, 0 duplicate, 3 rejected" in out.out
    assert "rejected big.jsonl line 1: this line is not valid JSON" in out.err
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.DONE and job.claimed_by == ""


def test_import_articles_background_leaves_the_job_to_the_workers(tmp_path, capsys):
    path = tmp_path / "big.jsonl"
    path.write_bytes(feed(600))
    call_command("import_articles", str(path), "--background")
    assert "queued as background import" in capsys.readouterr().out
    assert ImportJob.objects.get().status == ImportJob.Status.QUEUED
    assert not Article.objects.exists()


@pytest.mark.slow
def test_the_extraction_worker_runs_background_imports(editor):
    from django.conf import settings

    from articles.extraction.worker import Worker

    # Mostly duplicates, so that the worker has little to extract afterwards.
    same = json.dumps({"title": "Same", "text": "The mayor said the plan would work."})
    data = "\n".join([same] * 400 + [json.dumps({"text": "Another story ran today."})]).encode()
    job = jobs.queue_import("feed.jsonl", data, editor)
    Worker(model_name=settings.NEWSROOM_SPACY_MODEL, log=lambda line: None).run(once=True)
    job.refresh_from_db()
    assert (job.status, job.created, job.duplicates) == (ImportJob.Status.DONE, 2, 399)
    assert set(Article.objects.values_list("status", flat=True)) == {Article.Status.EXTRACTED}


@pytest.mark.django_db(transaction=True)
def test_import_articles_runs_several_large_files_at_once(tmp_path, capsys):
    # The same 100 stories open every file, so the parallel jobs race on them.
    shared = feed(100, start=10_000)
    for n in range(3):
        (tmp_path / f"part{n}.jsonl").write_bytes(shared + feed(400, start=n * 1000))
    call_command("import_articles", str(tmp_path), "--parallel", "2")
    out = capsys.readouterr().out
    assert "1300 created, 200 duplicate, 0 rejected" in out
    assert Article.objects.count() == 1300
    assert set(ImportJob.objects.values_list("status", flat=True)) == {ImportJob.Status.DONE}
