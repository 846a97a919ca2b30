"""Compute the gender and role suggestions of quoted people (articles/sources/suggestions.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from articles.sources import suggestions

BATCH = 200


class Command(BaseCommand):
    help = (
        "Suggest the gender and role of every quoted person from their articles (pronouns, "
        "honorifics, first names, titles). Suggestions are never facts: reviewers confirm them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--missing", action="store_true", help="Only people with no suggestion yet."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count the people, store nothing."
        )

    def handle(self, *args, missing: bool, dry_run: bool, verbosity: int, **options):
        ids = list(suggestions.quoted_people(missing_only=missing))
        if dry_run:
            self.stdout.write(f"{len(ids)} people would get suggestions.")
            return
        suggested = 0
        for i in range(0, len(ids), BATCH):
            stored = suggestions.refresh(ids[i : i + BATCH])
            suggested += sum(1 for row in stored.values() if row.gender or row.role)
            if verbosity > 1:
                self.stdout.write(f"{min(i + BATCH, len(ids))} of {len(ids)} people done")
        if verbosity:
            self.stdout.write(
                f"Suggestions stored for {len(ids)} people ({suggested} with a clue)."
            )
