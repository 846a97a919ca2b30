from __future__ import annotations

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from articles.extraction import queue
from articles.extraction.supervisor import supervise
from articles.extraction.worker import Worker
from articles.models import Article
from articles.sources import suggestions


class Command(BaseCommand):
    help = (
        "Run the extraction worker: find entities and quotes in queued articles. "
        "Loops until SIGTERM unless --once is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Process everything pending, then exit."
        )
        parser.add_argument("--batch-size", type=int, default=16, help="Articles per nlp.pipe.")
        parser.add_argument(
            "--article", type=int, action="append", help="Extract this article now (repeatable)."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="With --article: extract again even if already extracted.",
        )
        parser.add_argument(
            "--requeue-stale",
            action="store_true",
            help="Queue every article extracted with another model or pipeline version.",
        )
        parser.add_argument(
            "--poll", type=float, default=5.0, help="Seconds between polls when idle."
        )
        parser.add_argument(
            "--supervise",
            action="store_true",
            help="Run the worker as a child process and restart it whenever it exits.",
        )

    def handle(self, *args, **options):
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        if options["poll"] <= 0:
            raise CommandError("--poll must be more than 0 seconds.")
        if options["supervise"]:
            if options["once"] or options["article"] or options["requeue_stale"]:
                raise CommandError("--supervise keeps a looping worker; use it alone.")
            command = [
                sys.executable,
                str(settings.BASE_DIR / "manage.py"),
                "extract",
                f"--batch-size={options['batch_size']}",
                f"--poll={options['poll']}",
                f"--verbosity={options['verbosity']}",
            ]
            # Built once per machine (seconds, and half a gigabyte while reading the list):
            # here, before the worker starts, not in a reviewer's first page view.
            suggestions.prepare()
            sys.exit(supervise(command, self._log(options["verbosity"])))
        worker = Worker(
            model_name=settings.NEWSROOM_SPACY_MODEL,
            batch_size=options["batch_size"],
            lease_seconds=settings.NEWSROOM_LEASE_SECONDS,
            article_seconds=settings.NEWSROOM_ARTICLE_SECONDS,
            grace_seconds=settings.NEWSROOM_WORKER_GRACE_SECONDS,
            poll_seconds=options["poll"],
            log=self._log(options["verbosity"]),
        )
        worker.install_signal_handlers()
        try:
            self._work(worker, options)
        finally:
            worker.close()

    def _work(self, worker: Worker, options) -> None:
        verbosity = options["verbosity"]
        if options["requeue_stale"]:
            stale = queue.requeue_stale(worker.version)
            self.stdout.write(f"{stale} articles queued for re-extraction")
        if options["article"]:
            self._extract_articles(worker, options["article"], options["force"])
            return
        if verbosity >= 1:
            mode = "once" if options["once"] else "until stopped"
            self.stdout.write(f"Worker {worker.name} running {mode} with {worker.model_name}")
        count = worker.run(once=options["once"])
        if verbosity >= 1:
            self.stdout.write(f"Worker {worker.name} stopped after {count} articles")

    def _log(self, verbosity: int):
        return (lambda line: self.stdout.write(line)) if verbosity >= 1 else (lambda line: None)

    def _extract_articles(self, worker: Worker, ids: list[int], force: bool) -> None:
        for pk in ids:
            article = Article.with_trash.filter(pk=pk).only("status", "deleted_at").first()
            if article is None:
                raise CommandError(f"No article {pk}.")
            if article.in_trash:
                raise CommandError(f"Article {pk} is in the trash; restore it first.")
            if article.status == Article.Status.EXTRACTED and not force:
                self.stdout.write(f"Article {pk} is already extracted; use --force to redo it.")
                continue
            if not queue.claim_article(worker.name, pk, worker.lease_seconds):
                raise CommandError(f"Article {pk} is being extracted by another worker.")
            worker.process([pk])
