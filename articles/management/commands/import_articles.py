from __future__ import annotations

import os
import socket
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from articles.intake import imports, ingest, jobs
from articles.models import ImportJob


class Command(BaseCommand):
    help = (
        "Import articles from files and directories (.txt, .md, .html, .docx, .jsonl). "
        "A .jsonl of many lines is imported as a background job, here (with progress) or, "
        "with --background, by the extraction workers."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Files or directories to import.")
        parser.add_argument("--user", help="Username recorded as the uploader.")
        parser.add_argument("--limit", type=int, help="Import at most this many articles.")
        parser.add_argument(
            "--parallel",
            type=int,
            default=2,
            help="Large files imported at once (default 2).",
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help="Queue large .jsonl files for the workers and return at once.",
        )

    def handle(self, *args, paths, user=None, limit=None, background=False, **options):
        if limit is not None and limit < 0:
            raise CommandError("--limit cannot be negative.")
        uploader = None
        if user:
            try:
                uploader = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"No user called {user!r}.") from None
        self.counts: Counter[str] = Counter()
        self.skipped: list[Path] = []
        self.verbosity = options["verbosity"]
        self.runner = f"import_articles:{socket.gethostname()}:{os.getpid()}"
        self.jobs: list[ImportJob] = []
        max_bytes = int(settings.NEWSROOM_MAX_UPLOAD_MB * 1024 * 1024)
        for path in self._files(paths):
            left = (
                None if limit is None else limit - self.counts["created"] - self.counts["duplicate"]
            )
            if left is not None and left <= 0:
                break
            size = path.stat().st_size
            if size > max_bytes:
                message = ingest.too_large_message(size, max_bytes)
                self._report([imports.ImportResult(path.name, "rejected", message=message)])
                continue
            data = path.read_bytes()
            if left is None and jobs.background_candidate(path.name, data):
                self._queue_job(path, data, uploader, background)
                continue
            items = ingest.parse_upload(
                path.name, data, max_bytes=max_bytes, max_chars=settings.NEWSROOM_MAX_ARTICLE_CHARS
            )
            if left is not None:
                items = items[:left]
            for batch in imports.import_stream(items, uploader):
                self._report(batch)
        self._run_jobs(options["parallel"])
        summary = (
            f"{self.counts['created']} created, {self.counts['duplicate']} duplicate, "
            f"{self.counts['rejected']} rejected"
        )
        if self.counts["queued"]:
            summary += f", {self.counts['queued']} files queued as background imports"
        if self.skipped:
            summary += f", {len(self.skipped)} skipped (unsupported file types)"
            if self.verbosity >= 2:
                for path in self.skipped:
                    self.stdout.write(f"skipped {path}")
        self.stdout.write(summary)

    def _queue_job(self, path: Path, data: bytes, uploader, background: bool) -> None:
        try:
            ingest.check_upload(path.name, data, len(data))
            ingest.read_text(data)
        except ingest.IngestError as error:
            self._report([imports.ImportResult(path.name, "rejected", message=str(error))])
            return
        if background:
            job = jobs.queue_import(path.name, data, uploader)
            self.counts["queued"] += 1
            self.stdout.write(f"{path.name}: queued as background import {job.pk}")
            return
        self.jobs.append(jobs.queue_import(path.name, data, uploader, run_by=self.runner))

    def _run_jobs(self, parallel: int) -> None:
        """Run this command's own import jobs, several at once (PostgreSQL does most of the
        work, in one server process per connection)."""
        if not self.jobs:
            return
        if parallel <= 1 or len(self.jobs) == 1:
            ended = [self._run_job(job) for job in self.jobs]
        else:
            with ThreadPoolExecutor(max_workers=parallel) as pool:
                ended = list(pool.map(self._run_job, self.jobs))
        for job, how in zip(self.jobs, ended, strict=True):
            job.refresh_from_db()
            if how != "done":
                raise CommandError(f"The import of {job.filename} was interrupted ({how}).")
            self.counts.update(created=job.created, duplicate=job.duplicates, rejected=job.rejected)
            for label, outcome, _article, _title, message in job.verdicts:
                if outcome == "rejected":
                    self.stderr.write(f"rejected {label}: {message}")
                elif self.verbosity >= 2:
                    self.stdout.write(f"{outcome} {label}")

    def _run_job(self, job: ImportJob) -> str:
        def progress(job: ImportJob) -> None:
            if self.verbosity >= 2:
                self.stdout.write(f"{job.filename}: {job.lines_done:,} of {job.lines:,} lines")

        try:
            return jobs.run(job.pk, self.runner, lease_seconds=300, progress=progress)
        finally:
            if threading.current_thread() is not threading.main_thread():
                connection.close()  # each thread has its own connection

    def _report(self, results: list[imports.ImportResult]) -> None:
        for result in results:
            self.counts[result.outcome] += 1
            if result.outcome == "rejected":
                self.stderr.write(f"rejected {result.label}: {result.message}")
            elif self.verbosity >= 2:
                self.stdout.write(f"{result.outcome} {result.label}")

    def _files(self, paths):
        for name in paths:
            path = Path(name)
            if path.is_dir():
                for found in sorted(path.rglob("*")):
                    hidden = any(part.startswith(".") for part in found.relative_to(path).parts)
                    if hidden or not found.is_file():
                        continue  # .git, .DS_Store and the like are not articles
                    if found.suffix.lower() in ingest.SUPPORTED_EXTENSIONS:
                        yield found
                    else:
                        self.skipped.append(found)
            elif path.is_file():
                yield path
            else:
                raise CommandError(f"No such file or directory: {name}")
