"""Speakers the parser hides: the rules that find them past a misparse, on invented sentences."""

from __future__ import annotations

import pytest

from articles.nlp.results import QuoteSpan

pytestmark = pytest.mark.slow


def only(quotes: list[QuoteSpan], fragment: str) -> QuoteSpan:
    hits = [q for q in quotes if fragment in q.text]
    assert len(hits) == 1, [q.text for q in quotes]
    return hits[0]


@pytest.mark.parametrize(
    ("text", "fragment", "speaker"),
    [
        # The parser hangs the speaker on the fronted phrase as an apposition.
        (
            "In a statement to the Courier, his senior policy adviser, Tom Reyes, said: "
            "“The clinic will reopen next spring.”",
            "clinic",
            "Tom Reyes",
        ),
        (
            "In an interview with the Gazette, the party's campaign manager, Lena Fischer, "
            "said: “We expect to win in the north.”",
            "north",
            "Lena Fischer",
        ),
        # A passive subject speaks for the infinitive it governs.
        (
            "The session was so calm that Mr. Halvorsen was moved to say, "
            "“I cannot believe how polite everyone has been tonight.”",
            "polite",
            "Mr. Halvorsen",
        ),
        # The second verb hung on the first one's object keeps the first one's subject.
        (
            "He then adopted a fake Scottish accent and joked, "
            "“We will all be speaking like this by Friday.”",
            "speaking",
            "He",
        ),
        # A colon after a clause about the speaker introduces what they said.
        (
            "The mayor was blunt about the stadium: “We will not pay a single cent for it.”",
            "single cent",
            "The mayor",
        ),
    ],
)
def test_speaker_found_past_a_misparse(run_all, text: str, fragment: str, speaker: str) -> None:
    q = only(run_all(text), fragment)
    assert q.kind == "direct"
    assert q.speaker_text == speaker


def test_that_said_is_a_connective_not_a_speaker(run_all) -> None:
    quotes = run_all("That said, the council wants the new bridge finished before the winter.")
    assert not [q for q in quotes if q.cue == "said"], [(q.cue, q.text) for q in quotes]


def test_a_cueless_quotation_after_an_attribution_is_its_speakers(run_all) -> None:
    text = (
        "Coach Anna Berg said having her captain back was a big boost for the team.\n\n"
        "“You can see what she brings to the players around her every single day.”"
    )
    quotes = run_all(text)
    q = only(quotes, "brings")
    assert q.speaker == "Anna Berg"
    assert q.cue == ""
    # Carried, not heard: it ranks below quotes with a cue of their own.
    assert q.confidence < min(o.confidence for o in quotes if o.cue)


def test_a_cueless_quotation_far_from_any_speaker_stays_unattributed(run_all) -> None:
    filler = "The weather stayed cold and the roads were icy for most of the week. " * 14
    text = (
        "Coach Anna Berg said having her captain back was a big boost for the team.\n\n"
        + filler
        + "\n\n“You can see what she brings to the players around her every single day.”"
    )
    q = only(run_all(text), "brings")
    assert q.speaker is None
