from __future__ import annotations

from collections import Counter
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from articles.intake import imports, ingest


class Command(BaseCommand):
    help = "Import articles from files and directories (.txt, .md, .html, .docx, .jsonl)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Files or directories to import.")
        parser.add_argument("--user", help="Username recorded as the uploader.")
        parser.add_argument("--limit", type=int, help="Import at most this many articles.")

    def handle(self, *args, paths, user=None, limit=None, **options):
        uploader = None
        if user:
            try:
                uploader = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"No user called {user!r}.") from None
        counts: Counter[str] = Counter()
        self.skipped: list[Path] = []
        max_bytes = int(settings.NEWSROOM_MAX_UPLOAD_MB * 1024 * 1024)
        for path in self._files(paths):
            if path.stat().st_size > max_bytes:
                items = [
                    ingest.ParsedItem(
                        path.name, error=ingest.too_large_message(path.stat().st_size, max_bytes)
                    )
                ]
            else:
                items = ingest.parse_upload(
                    path.name,
                    path.read_bytes(),
                    max_bytes=max_bytes,
                    max_chars=settings.NEWSROOM_MAX_ARTICLE_CHARS,
                )
            if limit is not None:
                items = items[: max(limit - counts["created"] - counts["duplicate"], 0)]
            for result in imports.import_items(items, uploader):
                counts[result.outcome] += 1
                if result.outcome == "rejected":
                    self.stderr.write(f"rejected {result.label}: {result.message}")
                elif options["verbosity"] >= 2:
                    self.stdout.write(f"{result.outcome} {result.label}")
        summary = (
            f"{counts['created']} created, {counts['duplicate']} duplicate, "
            f"{counts['rejected']} rejected"
        )
        if self.skipped:
            summary += f", {len(self.skipped)} skipped (unsupported file types)"
            if options["verbosity"] >= 2:
                for path in self.skipped:
                    self.stdout.write(f"skipped {path}")
        self.stdout.write(summary)

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
