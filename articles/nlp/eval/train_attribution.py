"""Train the attribution model (`attribution.py`) on PolNeAR-format articles.

Usage:
    python -m articles.nlp.eval.train_attribution TRAIN.jsonl [MORE.jsonl ...] [--output PATH]
        [--c 0.3] [--threshold 0.33] [--min-count 2] [--min-weight 0.03]

Needs scikit-learn (`requirements-train.txt`); the app itself does not. Each candidate
(cue, dependent) of each parsed article is labelled by whether its content span matches a
gold attribution's content at intersection-over-union >= 0.5 (spans trimmed as the scorer
trims them) with the source it would be given right as well. Features seen fewer than
`--min-count` times are dropped; the parser's token vectors of the cue, the dependent and the
content (their mean) are added as dense features; an L2 logistic regression is fitted, and
its weights are written as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Token

from articles.nlp import attribution
from articles.nlp.eval.evaluation import DEFAULT_MODEL, Article, iou, load_gold, trim_span
from articles.nlp.pipeline import load_nlp
from articles.nlp.repair import RepairResult, repair_text
from articles.nlp.speakers import noun_phrase_chars

LABEL_IOU = 0.5
# Candidate classes (cue part of speech, dependency) right less often than this in training
# are not scored at all: a fifth of all candidates, at no cost to accuracy on the dev half.
RARE_SHARE = 0.01


def parse(nlp: Language, articles: Sequence[Article]) -> tuple[list[RepairResult], list[Doc]]:
    repaired = [repair_text(a.text) for a in articles]
    docs = list(nlp.pipe((r.text for r in repaired), batch_size=32))
    return repaired, docs


def _matches(
    articles: Sequence[Article], repaired: Sequence[RepairResult], docs: Sequence[Doc]
) -> Iterator[tuple[Doc, RepairResult, attribution.Candidate, list[tuple[int, int]] | None]]:
    """Every candidate, with the gold sources of the attribution its content matches (None
    when it matches none)."""
    for article, rep, doc in zip(articles, repaired, docs, strict=True):
        back = rep.to_original
        gold = [(trim_span(article.text, g.start, g.end), g.speaker_spans) for g in article.gold]
        for c in attribution.candidates(doc):
            last = doc[c.end - 1]
            span = trim_span(article.text, back(doc[c.start].idx), back(last.idx + len(last.text)))
            sources = next((list(s) for g, s in gold if iou(span, g) >= LABEL_IOU), None)
            yield doc, rep, c, sources


def _right_source(rep: RepairResult, source: Token | None, gold: Sequence[tuple[int, int]]) -> bool:
    """The scorer's test: the source mention overlaps a gold source, or both have none."""
    if source is None:
        return not gold
    start, end = noun_phrase_chars(source)
    start, end = rep.to_original(start), rep.to_original(end)
    return any(s < end and start < e for s, e in gold)


def examples(
    articles: Sequence[Article],
    repaired: Sequence[RepairResult],
    docs: Sequence[Doc],
    classes: Counter | None = None,
    dense: list | None = None,
) -> tuple[list[list[str]], list[int]]:
    """Features and 0/1 labels of every candidate in every article.

    A candidate is positive when its content matches a gold attribution and the source it
    would be given is right too, so the model learns where the whole attribution comes out
    right, not only its content. `classes`, when given, counts candidates and positives
    by (cue part of speech, dependency). `dense`, when given, gets each candidate's
    token-vector features (`attribution.dense_features`).
    """
    rows: list[list[str]] = []
    labels: list[int] = []
    for doc, rep, c, sources in _matches(articles, repaired, docs):
        rows.append(attribution.features(doc, c))
        if dense is not None:
            vector = attribution.dense_features(doc, c)
            if vector is None:
                raise ValueError("the spaCy pipeline sets no token vectors (Doc.tensor)")
            dense.append(vector)
        source = attribution.source_head(c.cue, (c.start, c.end))
        right = sources is not None and _right_source(rep, source, sources)
        labels.append(int(right))
        if classes is not None:
            key = (c.cue.pos_, c.child.dep_)
            classes[key, "all"] += 1
            classes[key, "right"] += right
    return rows, labels


def fit(
    rows: list[list[str]],
    labels: list[int],
    c: float = 0.3,
    min_count: int = 2,
    min_weight: float = 0.03,
    dense: list | None = None,
) -> tuple[dict[str, float], float, list[float]]:
    """Fit the logistic regression; return (weights by feature, bias, dense weights).

    Weights smaller than `min_weight` are dropped: that halves the file and changes no
    figure on the dev half. `dense` holds each row's token-vector features, if any.
    """
    import numpy
    from scipy.sparse import csr_matrix, hstack
    from sklearn.linear_model import LogisticRegression

    counts = Counter(f for row in rows for f in set(row))
    vocab = {f: i for i, f in enumerate(sorted(f for f, n in counts.items() if n >= min_count))}
    indptr, indices = [0], []
    for row in rows:
        cols = sorted({vocab[f] for f in row if f in vocab})
        indices.extend(cols)
        indptr.append(len(indices))
    matrix = csr_matrix(([1.0] * len(indices), indices, indptr), shape=(len(rows), len(vocab)))
    if dense:
        matrix = hstack([matrix, csr_matrix(numpy.stack(dense))]).tocsr()
    model = LogisticRegression(C=c, solver="liblinear", max_iter=3000)
    model.fit(matrix, labels)
    coef = model.coef_[0]
    weights = {f: round(float(coef[i]), 4) for f, i in vocab.items() if abs(coef[i]) >= min_weight}
    dense_weights = [round(float(w), 5) for w in coef[len(vocab) :]]
    return weights, round(float(model.intercept_[0]), 4), dense_weights


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train", nargs="+", help="PolNeAR-format .jsonl files")
    parser.add_argument("--output", default=str(attribution.MODEL_PATH))
    parser.add_argument("--model", default=DEFAULT_MODEL, help="spaCy pipeline")
    parser.add_argument("--c", type=float, default=0.3, help="inverse regularisation strength")
    parser.add_argument("--threshold", type=float, default=0.33, help="score to keep a candidate")
    parser.add_argument("--min-count", type=int, default=2, help="rarer features are dropped")
    parser.add_argument("--min-weight", type=float, default=0.03, help="smaller weights too")
    args = parser.parse_args(argv)

    articles = []
    for path in args.train:
        fmt, found = load_gold(path)
        if fmt != "polnear":
            parser.error(f"{path}: training needs PolNeAR-format attributions")
        articles.extend(found)
    repaired, docs = parse(load_nlp(args.model), articles)
    out = train(
        articles,
        repaired,
        docs,
        c=args.c,
        threshold=args.threshold,
        min_count=args.min_count,
        min_weight=args.min_weight,
    )
    out = {"trained_on": [Path(path).name for path in args.train], **out}
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(out, indent=0, ensure_ascii=False) + "\n")
    print(
        f"{len(articles)} articles, {out['candidates']} candidates, {out['positives']} positive, "
        f"{len(out['weights'])} weights -> {args.output}",
        file=sys.stderr,
    )
    return 0


def train(
    articles: Sequence[Article],
    repaired: Sequence[RepairResult],
    docs: Sequence[Doc],
    *,
    c: float = 0.3,
    threshold: float = 0.33,
    min_count: int = 2,
    min_weight: float = 0.03,
) -> dict:
    """Fit a model on parsed PolNeAR-format articles; return it as the JSON data it is kept as
    (attribution.AttributionModel.from_data reads it)."""
    classes: Counter = Counter()
    vectors: list = []
    rows, labels = examples(articles, repaired, docs, classes, vectors)
    rare = sorted(
        key
        for (key, which), n in classes.items()
        if which == "all" and classes[key, "right"] < RARE_SHARE * n
    )
    weights, bias, dense = fit(rows, labels, c, min_count, min_weight, vectors)
    return {
        "articles": len(articles),
        "candidates": len(rows),
        "positives": sum(labels),
        "c": c,
        "threshold": threshold,
        "bias": bias,
        "rare": [list(key) for key in rare],
        "dense": dense,
        "weights": dict(sorted(weights.items())),
    }


if __name__ == "__main__":
    sys.exit(main())
