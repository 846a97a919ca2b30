from __future__ import annotations

import contextlib

from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict

from articles.browse.exports import Export, ExportForm

# Command options that are the export page's parameters of the same name.
FILTERS = ("q", "entity", "speaker", "outlet", "status", "review", "dates", "since", "until")


class Command(BaseCommand):
    help = (
        "Export articles with their entities and quotes, selected with the search's filters: "
        "JSONL (one article per line), CSV (one row per quote, article or mention) or a spaCy "
        "DocBin. The same code as /export/. Rejected items are left out unless --rejected. In "
        "the CSV, a cell that a spreadsheet would run as a formula (one starting with = + - @, "
        "a tab or a carriage return) starts with a single quote."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["jsonl", "csv", "spacy"], default="jsonl")
        parser.add_argument("--output", help="File to write (default: standard output).")
        parser.add_argument("--rows", choices=["quotes", "articles", "mentions"])
        parser.add_argument(
            "--reviewed-only",
            action="store_true",
            help="Only items a person accepted, corrected or added.",
        )
        parser.add_argument(
            "--rejected", action="store_true", help="Also items reviewers rejected."
        )
        parser.add_argument("--q", help="Search text, as on the search page.")
        parser.add_argument("--tag", action="append", help="Tag id (repeatable: all of them).")
        parser.add_argument("--entity", help="Articles mentioning this entity id.")
        parser.add_argument("--speaker", help="Articles quoting this entity id.")
        parser.add_argument("--outlet")
        parser.add_argument("--status", help="Extraction status: queued, extracted, ...")
        parser.add_argument("--review", help="needs_review, in_review or reviewed.")
        parser.add_argument("--dates", choices=["published", "added"])
        parser.add_argument("--since", help="YYYY-MM-DD")
        parser.add_argument("--until", help="YYYY-MM-DD")

    def handle(self, *args, **options):
        query = QueryDict(mutable=True)
        for name in FILTERS:
            if options[name] is not None:
                query[name] = options[name]
        query.setlist("tag", options["tag"] or [])
        query["format"] = options["format"]
        query["rows"] = options["rows"] or ""
        query["items"] = "reviewed" if options["reviewed_only"] else "all"
        query["rejected"] = "1" if options["rejected"] else ""
        form = ExportForm(query)
        if refused := form.problems():
            raise CommandError(" ".join(refused))
        export = Export.from_form(form)
        if export.format == "spacy" and not options["output"]:
            raise CommandError("A spaCy export is binary: give a file with --output.")
        with contextlib.ExitStack() as stack:
            try:
                if export.format == "spacy":
                    out = stack.enter_context(open(options["output"], "wb"))
                elif options["output"]:
                    out = stack.enter_context(
                        open(options["output"], "w", encoding="utf-8", newline="")
                    )
                else:
                    out = self.stdout
            except OSError as error:
                raise CommandError(f"Cannot write {options['output']}: {error.strerror}") from None
            for chunk in export.chunks():
                out.write(chunk)
        if options["output"] and options["verbosity"] > 0:
            self.stderr.write(f"Export written to {options['output']}")
