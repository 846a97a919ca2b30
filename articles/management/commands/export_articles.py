from __future__ import annotations

import contextlib
import csv
import json

from django.core.management.base import BaseCommand, CommandError

from articles.browse.exporting import (
    CSV_COLUMNS,
    article_record,
    articles_for_export,
    csv_row,
    quote_rows,
)
from articles.models import Article

CHUNK = 200


class Command(BaseCommand):
    help = (
        "Export articles with their entities and quotes: JSONL (one article per line) or CSV "
        "(one quote per row). Rejected items are left out. In the CSV, a cell that a "
        "spreadsheet would run as a formula (one starting with = + - @, a tab or a carriage "
        "return) starts with a single quote."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
        parser.add_argument("--output", help="File to write (default: standard output).")
        parser.add_argument(
            "--status",
            action="append",
            choices=[choice for choice, _ in Article.Status.choices],
            help="Only articles with this extraction status (repeatable).",
        )

    def handle(self, *args, **options):
        articles = Article.objects.all()
        if options["status"]:
            articles = articles.filter(status__in=options["status"])
        count = 0
        with contextlib.ExitStack() as stack:
            try:
                out = (
                    stack.enter_context(open(options["output"], "w", encoding="utf-8", newline=""))
                    if options["output"]
                    else self.stdout
                )
            except OSError as error:
                raise CommandError(f"Cannot write {options['output']}: {error.strerror}") from None
            writer = csv.writer(out) if options["format"] == "csv" else None
            if writer:
                writer.writerow(csv_row(CSV_COLUMNS))
            for article in articles_for_export(articles).iterator(chunk_size=CHUNK):
                record = article_record(article)
                if writer:
                    writer.writerows(quote_rows(record))
                else:
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
        if options["output"]:
            self.stderr.write(f"{count} articles written to {options['output']}")
