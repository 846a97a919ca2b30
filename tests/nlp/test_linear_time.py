"""Pathological inputs for the text rules: the answers they must give, on inputs that once took
quadratic time (the time itself is bench/pathological.py's to measure)."""

from __future__ import annotations

import random
import re

from articles.nlp.quotemarks import find_quoted_spans, single_quoted
from articles.nlp.repair import repair_text

# The single-quote pattern before it became two linear scans: the reference for its answers.
REFERENCE = re.compile(
    r"(?:(?<=^)|(?<=[\s(\[—–-]))['‘][^\W_](?:[^\n'‘’]|'(?=\w)|’(?=\w))*?[^\s'‘’][’'](?![\w])",
    re.M,
)


def test_single_quoted_passages_are_what_the_old_pattern_found():
    rng = random.Random(7)
    alphabet = list("ab c'‘’\n(-—.,x1_")
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert list(single_quoted(text)) == [m.span() for m in REFERENCE.finditer(text)], text


def test_single_quoted_passages_in_prose():
    text = "She called it 'a disaster' and said the students' union's 'plan' was late."
    spans = [text[start:end] for start, end in single_quoted(text)]
    assert spans == ["'a disaster'", "'plan'"]


def test_thousands_of_single_openers_on_one_line_close_nothing():
    assert find_quoted_spans(" 'abc" * 40_000) == []


def test_fifty_thousand_double_marks_pair_up_in_order():
    spans = find_quoted_spans('"a" ' * 25_000)
    assert len(spans) == 25_000
    assert all(span.end - span.start == 3 for span in spans)


def test_long_camel_case_runs_ending_in_digits_are_left_alone():
    run = "AlphaBetaGammaDeltaSmithLondon" * 3000 + "7"
    text = f"{run} {run}"
    result = repair_text(text)
    assert result.text == text and result.repairs == []


def test_a_glue_inside_a_long_line_is_still_found():
    text = "word " * 20_000 + "in LondonThe minister said" + " more" * 20_000
    result = repair_text(text)
    assert [r.replacement for r in result.repairs] == ["London The"]
