"""Scoring rules of the evaluation, checked on invented articles without a model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from articles.nlp.eval.evaluation import (
    Article,
    Attribution,
    detect_format,
    format_report,
    iou,
    load_gold,
    match,
    score,
    speaker_right,
    surname,
    trim_span,
)

TEXT = '"The road is closed," Ann Lee said. Ann Lee said the bridge was unsafe.'


def test_trim_span_drops_marks_and_punctuation() -> None:
    start, end = trim_span(TEXT, 0, 21)
    assert TEXT[start:end] == "The road is closed"


def test_iou() -> None:
    assert iou((0, 10), (0, 10)) == 1.0
    assert iou((0, 10), (5, 15)) == pytest.approx(5 / 15)
    assert iou((0, 5), (5, 10)) == 0.0


def test_surname() -> None:
    assert surname("Martin Luther King Jr.") == "king"
    assert surname("he") is None
    assert surname(None) is None


def test_match_is_one_to_one_and_greedy() -> None:
    gold = [Attribution(0, 10, "direct"), Attribution(12, 30, "direct")]
    pred = [Attribution(0, 11, "direct"), Attribution(1, 9, "direct")]
    article = Article("a", "x" * 40, gold, pred)
    assert match(article, 0.3) == [(0, 0)]


def test_speaker_right_by_overlap_or_surname() -> None:
    gold = Attribution(0, 5, "direct", ((10, 13),), "Ann Lee", "she")
    assert speaker_right(gold, Attribution(0, 5, "direct", ((10, 13),), None, "she"))
    assert speaker_right(gold, Attribution(0, 5, "direct", ((40, 45),), "Dr Ann Lee", "Lee"))
    assert not speaker_right(gold, Attribution(0, 5, "direct", ((40, 45),), "Bo Chan", "Chan"))
    no_speaker = Attribution(0, 5, "indirect")
    assert speaker_right(no_speaker, Attribution(0, 5, "indirect"))


def test_score_figures() -> None:
    said = TEXT.index("said the")
    gold = [
        Attribution(0, 21, "direct", ((22, 29),), "Ann Lee"),
        Attribution(said + 5, len(TEXT) - 1, "indirect", ((36, 43),), "Ann Lee"),
    ]
    pred = [Attribution(0, 21, "direct", ((22, 29),), "Ann Lee")]
    figures = score([Article("a", TEXT, gold, pred)])
    block = figures["iou_0.3"]
    assert block["precision"] == 1.0
    assert block["recall"] == 0.5
    assert block["recall_by_kind"] == {"direct": 1.0, "indirect": 0.0}
    assert block["speaker_accuracy"] == 1.0
    assert "F1" in format_report(figures)


def test_load_gold_detects_both_formats(tmp_path: Path) -> None:
    ggt = {
        "id": "g1",
        "text": TEXT,
        "quotes": [
            {
                "quote_span": [0, 21],
                "speaker_span": [22, 29],
                "reference": "Ann Lee",
                "speaker_text": "Ann Lee",
                "kind": "direct",
            }
        ],
    }
    polnear = {
        "id": "p1",
        "text": TEXT,
        "attributions": [
            {
                "source": [[36, 43]],
                "cue": [[44, 48]],
                "content": [[49, 55], [60, 70]],
                "source_text": "Ann Lee",
                "kind": "indirect",
            }
        ],
    }
    assert detect_format(ggt) == "ggt" and detect_format(polnear) == "polnear"
    for record, fmt in ((ggt, "ggt"), (polnear, "polnear")):
        path = tmp_path / f"{fmt}.jsonl"
        path.write_text(json.dumps(record) + "\n", encoding="utf-8")
        got_fmt, articles = load_gold(path)
        assert got_fmt == fmt
        assert len(articles[0].gold) == 1
    assert articles[0].gold[0].start == 49 and articles[0].gold[0].end == 70


def test_cross_validation_folds_are_fixed_and_even():
    from articles.nlp.eval.crossval import fold_of

    ids = [f"article-{n}" for n in range(103)]
    folds = fold_of(ids, 4)
    assert folds == fold_of(list(ids), 4)  # the same ids always land in the same folds
    assert sorted({folds.count(k) for k in range(4)}) == [25, 26]
