"""Clues to a person's gender and role, from plain text (no model, no database)."""

from __future__ import annotations

import pytest

from articles.nlp.speakertraits import (
    Span,
    first_name,
    first_name_clue,
    gender_clues,
    role_clues,
    suggest,
)


def spans_of(text: str, name: str) -> list[Span]:
    found, start = [], text.find(name)
    while start >= 0:
        found.append(Span(start, start + len(name)))
        start = text.find(name, start + 1)
    return found


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ('Jane Doe spoke first. "It works," she said.', "Jane Doe", [("woman", "pronoun said")]),
        ("Doe said his plan would work.", "Doe", [("man", "pronoun")]),
        ("Ms Doe arrived late.", "Doe", [("woman", "honorific")]),
        ("Mr. Roe left early.", "Roe", [("man", "honorific")]),
        ("Mx Lee spoke.", "Lee", [("non-binary", "honorific")]),
        ("Nothing about Doe here at all.", "Doe", []),
    ],
)
def test_gender_clues(text, name, expected):
    clues = gender_clues(text, spans_of(text, name))
    assert [(c.value, c.kind) for c in clues] == expected


def test_a_pronoun_after_someone_else_is_theirs():
    text = "Jane Doe met John Roe. He said it was fine."
    roe = text.index("John Roe")
    clues = gender_clues(text, spans_of(text, "Jane Doe"), others=[(roe, roe + 8)])
    assert clues == []


def test_a_quotes_speaker_pronoun_is_a_strong_clue():
    text = '"We will win," she said.'
    clues = gender_clues(text, [Span(15, 18, speaker_words=True)], article=7)
    assert [(c.value, c.kind, c.article) for c in clues] == [("woman", "speaker pronoun", 7)]


@pytest.mark.parametrize(
    ("text", "name", "role", "kind"),
    [
        ("Senator Jane Doe voted.", "Jane Doe", "politician", "title"),
        ("Jane Doe, a professor at Leeds, disagreed.", "Jane Doe", "expert", "description"),
        ("Tom Bell, spokesman for the ministry, declined.", "Tom Bell", "official", "description"),
        ("Chief executive Ana Ruiz said sales rose.", "Ana Ruiz", "business", "title"),
        ("Campaigner Sam Hill wrote.", "Sam Hill", "advocacy", "title"),
        ("Local resident Ed Moss said.", "Ed Moss", "citizen", "title"),
        ("Reporter Kim Yu said.", "Kim Yu", "journalist", "title"),
    ],
)
def test_role_clues(text, name, role, kind):
    clues = role_clues(text, spans_of(text, name))
    assert [(c.value, c.kind) for c in clues] == [(role, kind)]


def test_first_names():
    shares = {"jacinda": 1.0, "boris": 0.01, "alex": 0.3}.get
    assert first_name("Dr Jacinda Ardern") == "jacinda"
    assert first_name_clue("Jacinda Ardern", shares).value == "woman"
    assert first_name_clue("Boris Johnson", shares).value == "man"
    assert first_name_clue("Alex Smith", shares) is None  # not one-sided enough
    assert first_name_clue("Zzyzx Smith", shares) is None  # unknown name


def test_suggest_weighs_the_clues():
    text = 'Ms Doe spoke. "No," she said. Doe said his car was red.'
    clues = gender_clues(text, spans_of(text, "Doe"))
    suggestion = suggest("gender", clues)
    assert suggestion.value == "woman"
    assert 0.5 < suggestion.confidence < 1
    assert suggestion.clues[0].kind == "honorific"
    assert suggest("role", clues) is None
    # One weak clue is little confidence.
    assert suggest("gender", gender_clues("Doe said his.", [Span(0, 3)])).confidence <= 0.25
