from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from articles.nlp.eval.conll import evaluate_conll, format_conll_report
from articles.nlp.eval.evaluation import evaluate_file, format_report
from articles.nlp.pipeline import load_nlp

DEFAULT_CONLL = settings.BASE_DIR.parent / "shared" / "eval" / "conll2003-testa.conll"


class Command(BaseCommand):
    help = (
        "Score the extractor on annotated news (Gender Gap Tracker or PolNeAR .jsonl): quote "
        "precision, recall and F1 at IoU 0.3 and 0.5, recall per kind, speaker accuracy and "
        "end-to-end F1; then entity figures on CoNLL-2003. Runs the same code as the worker, "
        "in memory: nothing is written to the database."
    )

    def add_arguments(self, parser):
        parser.add_argument("gold", nargs="*", help="Annotated .jsonl files.")
        parser.add_argument(
            "--conll",
            default=str(DEFAULT_CONLL),
            help="CoNLL-2003 file for entity figures (default: %(default)s).",
        )
        parser.add_argument("--no-conll", action="store_true", help="Skip the entity figures.")
        parser.add_argument("--limit", type=int, help="Score only the first N articles per file.")
        parser.add_argument("--errors", help="Write missed, false and wrong-speaker cases here.")
        parser.add_argument("--json", help="Write every figure to this JSON file too.")

    def handle(self, *args, **options):
        if not options["gold"] and options["no_conll"]:
            raise CommandError("Nothing to evaluate: give gold files or drop --no-conll.")
        for path in options["gold"]:
            if not Path(path).is_file():
                raise CommandError(f"No such file: {path}")
        nlp = load_nlp(settings.NEWSROOM_SPACY_MODEL)
        report: dict[str, dict] = {}
        errors: list[dict] = []
        for path in options["gold"]:
            figures = evaluate_file(path, nlp, options["limit"])
            errors.extend(dict(error, file=path) for error in figures.pop("errors", []))
            report[path] = figures
            self.stdout.write(format_report(figures))
        if not options["no_conll"]:
            conll = Path(options["conll"])
            if not conll.is_file():
                raise CommandError(f"No CoNLL file at {conll}; pass --conll PATH or --no-conll.")
            figures = evaluate_conll(conll, nlp)
            report[str(conll)] = figures
            self.stdout.write(format_conll_report(figures))
        if options["errors"]:
            with open(options["errors"], "w", encoding="utf-8") as out:
                out.writelines(json.dumps(e, ensure_ascii=False) + "\n" for e in errors)
        if options["json"]:
            Path(options["json"]).write_text(json.dumps(report, indent=2, default=str))
