"""Cross-validation over every annotated article: the figures rule and model choices go by.

Usage:
    python -m articles.nlp.eval.crossval GOLD.jsonl [GOLD.jsonl ...] [--folds 4] [--retrain]
        [--json out.json]

Every article of every file is parsed once, then dealt into k folds, each corpus spread evenly
over them (by a hash of the article id, so the folds never change). Each fold is scored with
the same scorer as `evaluation.py`, in its corpus's scheme.

With --retrain, each fold is predicted by an attribution model fitted on the PolNeAR articles
of the other folds, so no figure comes from an article its model saw. Without it the shipped
model is used; it was fitted on polnear-train, whose figures are then optimistic, which is
enough for comparing rule changes (the same model on both sides).

The report gives, per corpus, the figures pooled over all folds and each fold's F1 and
speaker accuracy: a rule change is kept only if it lowers no fold of any corpus beyond noise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from articles.nlp.attribution import AttributionModel
from articles.nlp.eval.evaluation import (
    DEFAULT_MODEL,
    Article,
    in_scheme,
    load_gold,
    match,
    predictions,
    score,
)
from articles.nlp.eval.train_attribution import parse, train
from articles.nlp.pipeline import extract_doc, load_nlp
from articles.nlp.repair import RepairResult


@dataclass
class Corpus:
    name: str
    fmt: str
    articles: list[Article]
    repaired: list[RepairResult]
    docs: list
    folds: list[int]


def fold_of(article_ids: Sequence[str], k: int) -> list[int]:
    """Each article's fold: articles sorted by a hash of their id, dealt round-robin."""
    order = sorted(range(len(article_ids)), key=lambda i: _digest(article_ids[i]))
    folds = [0] * len(article_ids)
    for rank, index in enumerate(order):
        folds[index] = rank % k
    return folds


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def load(paths: Sequence[str], k: int, model: str) -> list[Corpus]:
    nlp = load_nlp(model)
    corpora = []
    for path in paths:
        fmt, articles = load_gold(path)
        repaired, docs = parse(nlp, articles)
        folds = fold_of([a.id for a in articles], k)
        corpora.append(Corpus(Path(path).stem, fmt, articles, repaired, docs, folds))
        print(f"parsed {path}: {len(articles)} articles", file=sys.stderr)
    return corpora


def fold_model(corpora: Sequence[Corpus], held_out: int) -> AttributionModel:
    """An attribution model fitted on the PolNeAR articles outside fold `held_out`."""
    articles, repaired, docs = [], [], []
    for corpus in corpora:
        if corpus.fmt != "polnear":
            continue
        for i, fold in enumerate(corpus.folds):
            if fold != held_out:
                articles.append(corpus.articles[i])
                repaired.append(corpus.repaired[i])
                docs.append(corpus.docs[i])
    return AttributionModel.from_data(train(articles, repaired, docs))


def run(corpora: Sequence[Corpus], k: int, retrain: bool) -> dict:
    """Predict every article with its fold's model; return figures per corpus and fold."""
    for fold in range(k):
        model = fold_model(corpora, fold) if retrain else None
        for corpus in corpora:
            for i, article in enumerate(corpus.articles):
                if corpus.folds[i] != fold:
                    continue
                result = extract_doc(corpus.docs[i], corpus.repaired[i], model)
                article.predicted = in_scheme(corpus.fmt, predictions(corpus.repaired[i], result))
        print(f"fold {fold + 1} of {k} predicted", file=sys.stderr)
    report = {}
    for corpus in corpora:
        pooled = score(corpus.articles)
        per_fold = [
            score([a for a, f in zip(corpus.articles, corpus.folds, strict=True) if f == fold])
            for fold in range(k)
        ]
        report[corpus.name] = {"format": corpus.fmt, "pooled": pooled, "folds": per_fold}
    return report


CONFIDENCE_BINS = (0.0, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01)


def calibration(corpora: Sequence[Corpus]) -> dict[str, list[tuple[str, int, float]]]:
    """Per category, the share of predictions that match gold in each confidence band: the
    review queue shows the least confident first, so that share should rise with confidence."""
    bands: dict[str, list[list[int]]] = {}
    for corpus in corpora:
        for article in corpus.articles:
            matched = {p for _, p in match(article, 0.3)}
            for index, predicted in enumerate(article.predicted):
                rows = bands.setdefault(predicted.category, [[0, 0] for _ in CONFIDENCE_BINS[1:]])
                band = bisect_right(CONFIDENCE_BINS, predicted.confidence) - 1
                rows[band][0] += 1
                rows[band][1] += index in matched
    return {
        category: [
            (f"{low:.1f}-{min(high, 1.0):.1f}", n, right / n if n else 0.0)
            for (low, high), (n, right) in zip(
                zip(CONFIDENCE_BINS, CONFIDENCE_BINS[1:], strict=False), rows, strict=True
            )
        ]
        for category, rows in bands.items()
    }


def format_report(report: dict, retrain: bool) -> str:
    lines = [
        f"Cross-validation, {'a model refitted per fold' if retrain else 'the shipped model'}",
        "| corpus | articles | P / R / F1 (IoU 0.3) | speakers | F1 per fold | speakers per fold |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, figures in report.items():
        block = figures["pooled"]["iou_0.3"]
        folds = [f["iou_0.3"] for f in figures["folds"]]
        lines.append(
            f"| {name} | {figures['pooled']['articles']} | "
            f"{block['precision']:.3f} / {block['recall']:.3f} / {block['f1']:.3f} | "
            f"{block['speaker_accuracy']:.3f} | "
            + " ".join(f"{f['f1']:.3f}" for f in folds)
            + " | "
            + " ".join(f"{f['speaker_accuracy']:.3f}" for f in folds)
            + " |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", nargs="+", help="GGT- or PolNeAR-format .jsonl files")
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--retrain", action="store_true", help="fit a model per fold")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="spaCy pipeline")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args(argv)
    if args.folds < 2:
        parser.error("--folds must be at least 2")
    corpora = load(args.gold, args.folds, args.model)
    report = run(corpora, args.folds, args.retrain)
    print(format_report(report, args.retrain))
    report["calibration"] = calibration(corpora)
    print("\nConfidence against precision (share of predictions matching gold at IoU 0.3)")
    for category, rows in report["calibration"].items():
        cells = " ".join(f"{band}: {right:.2f} of {n}" for band, n, right in rows if n)
        print(f"{category}: {cells}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
