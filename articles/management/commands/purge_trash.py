"""Delete for good the articles that have been in the trash longer than NEWSROOM_TRASH_DAYS."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from articles.editing import trash


class Command(BaseCommand):
    help = (
        "Delete for good the articles in the trash for longer than NEWSROOM_TRASH_DAYS "
        "(or --days), with their extractions and the history of their rows. The extraction "
        "workers also do this once an hour."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=float,
            default=None,
            help=f"How long articles stay in the trash (default {settings.NEWSROOM_TRASH_DAYS:g}).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be purged; delete nothing."
        )

    def handle(self, *args, days, dry_run, verbosity, **options):
        if days is not None and days < 0:
            raise CommandError("--days cannot be negative.")
        due = trash.due_for_purge(days)
        if dry_run:
            found = list(due.values_list("pk", "title", "deleted_at"))
            for pk, title, deleted_at in found if verbosity >= 2 else []:
                self.stdout.write(f"  #{pk} {title} (in the trash since {deleted_at:%Y-%m-%d})")
            if verbosity >= 1:
                self.stdout.write(f"{len(found)} articles would be purged (dry run).")
            return
        purged = trash.purge(due)
        for article in purged if verbosity >= 2 else []:
            self.stdout.write(f"  #{article.pk} {article.title}")
        if verbosity >= 1:
            self.stdout.write(f"Purged {len(purged)} articles from the trash.")
