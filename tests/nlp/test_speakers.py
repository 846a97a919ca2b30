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


# Who a description, a pronoun or "I" stands for, and the evidence kept for the reviewer.


def test_a_role_goes_to_the_holder_its_words_describe(run_all) -> None:
    text = (
        "British Foreign Minister John Roe met French Foreign Minister Jane Doe in Paris. "
        "The British foreign minister said the talks were useful."
    )
    q = only(run_all(text), "talks were useful")
    # The latest minister introduced is Doe; "British" is what decides it.
    assert q.speaker == "John Roe"
    assert q.speaker_evidence == (
        "“The British foreign minister” is John Roe, introduced as "
        "“British Foreign Minister John Roe”."
    )


def test_a_role_goes_to_the_person_it_was_written_beside(run_all) -> None:
    text = (
        "Dr. Ruth Alvarez, a researcher at the clinic, and Dr. Omar Haddad, a surgeon, "
        "studied the data. The surgeon said the results were clear."
    )
    q = only(run_all(text), "results were clear")
    assert q.speaker == "Omar Haddad"
    assert "introduced as “Omar Haddad, a surgeon”" in q.speaker_evidence


def test_a_counterpart_is_the_other_office_holder(run_all) -> None:
    text = (
        "Prime Minister Ann Lee met President Bob Kim. Lee said the deal was fair. "
        "Her counterpart said the deal was unfair."
    )
    quotes = run_all(text)
    assert only(quotes, "was fair").speaker == "Ann Lee"
    q = only(quotes, "unfair")
    assert q.speaker == "Bob Kim"
    assert "introduced as “President Bob Kim”" in q.speaker_evidence


def test_i_in_an_interview_is_the_interviewee(run_all) -> None:
    text = (
        "Q&A with Senator Tom Marsh\n\n"
        "Q: I said last week that you would resign. Is that true?\n\n"
        "A: I said last year that we would act, and I meant it."
    )
    quotes = run_all(text)
    answer = only(quotes, "we would act")
    assert (answer.speaker_text, answer.speaker) == ("I", "Tom Marsh")
    assert answer.speaker_evidence == (
        "“I” is Tom Marsh, whom the article interviews (“Q&A with Senator Tom Marsh”)."
    )
    # The interviewer's question is not the interviewee's.
    question = only(quotes, "you would resign")
    assert question.speaker is None and question.speaker_cluster is None


def test_an_interviewees_he_is_someone_else(run_all) -> None:
    text = (
        "In an interview with Jane Doe, the novelist spoke about her editor, Tom Weir.\n\n"
        "I said I would finish it by spring. He said that was too late."
    )
    quotes = run_all(text)
    assert only(quotes, "finish it").speaker == "Jane Doe"
    assert only(quotes, "too late").speaker == "Tom Weir"


def test_the_writers_i_is_nobody_named_in_the_article(run_all) -> None:
    text = (
        "Mayor Paul Grant opened the meeting at noon. I have covered this council for ten "
        "years. I said then that the budget was a mistake, and Grant said it was not."
    )
    quotes = run_all(text)
    mine = only(quotes, "budget")
    assert mine.speaker_text == "I"
    assert mine.speaker_cluster is None and mine.speaker_evidence == ""
    assert only(quotes, "it was not").speaker == "Paul Grant"


def test_a_pronoun_and_a_cueless_quote_say_why(run_all) -> None:
    text = (
        "Lena Fischer, the union's leader, spoke on Friday. She said the strike would go on. "
        "“The workers are tired of waiting.”"
    )
    quotes = run_all(text)
    said = only(quotes, "strike")
    assert said.speaker == "Lena Fischer"
    assert said.speaker_evidence == "“She” refers back to Lena Fischer, named shortly before."
    carried = only(quotes, "tired")
    assert carried.speaker == "Lena Fischer"
    assert carried.speaker_evidence == "No speech verb; it follows a quotation from Lena Fischer."


def test_a_named_speaker_needs_no_evidence(run_all) -> None:
    q = only(run_all("Lena Fischer said the strike would go on."), "strike")
    assert q.speaker == "Lena Fischer" and q.speaker_evidence == ""


def test_a_players_position_is_no_part_of_their_name(run_all) -> None:
    text = "Keeper Tom Hale said the defence had been excellent. Hale added that it was ready."
    quotes = run_all(text)
    assert only(quotes, "defence").speaker == "Tom Hale"
    assert only(quotes, "ready").speaker == "Tom Hale"
