"""Named entities grouped into canonical entities within one article.

spaCy's small model finds the spans; the rules here clean them (titles, "the", possessives),
correct labels the article itself contradicts, add place names written in lower case, and group
mentions: "Mr Smith", "Smith" and "Prime Minister Smith" join "John Smith".
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span

from articles.nlp.docindex import doc_text
from articles.nlp.fastpipes import lemma
from articles.nlp.namematch import (
    PLACE_LABELS,
    bare,
    compatible_given,
    entity_key,
    same_name,
    similar_name,
    split_person_name,
    title_length,
)
from articles.nlp.names import (
    AMBIGUOUS_PLACES,
    FACILITY_HEADS,
    GIVEN_NAMES,
    NON_PERSON_HEADS,
    NUMERIC_LABELS,
    PLACES,
    TITLES,
    word_set,
)
from articles.nlp.repair import SENTENCE_STARTERS, SHORT_STARTERS
from articles.nlp.results import EntityCluster, EntityMention

# Honorifics are evidence of a person whatever label spaCy gave the name that follows.
HONORIFICS: frozenset[str] = word_set("mr mrs ms miss mx dr sir dame")
# Words that mark the agency side of a photo credit written "Name/Agency" or "Agency/Name".
CREDIT_WORDS: frozenset[str] = word_set(
    "press images getty reuters afp ap instagram twitter facebook photo photos handout file "
    "news pool shutterstock supplied"
)
_POSSESSIVES = frozenset({"'s", "’s", "'", "’"})
# Glue the repair pass left (text analysed unrepaired): "Smithsaid", "LondonThe".
_GLUED_SPEECH = re.compile(
    r"(?<=[a-z]{3})(?:said|says|told"
    + "".join(f"|{w}" for w in sorted(SENTENCE_STARTERS - SHORT_STARTERS, key=len, reverse=True))
    + ")$"
)
# Possessives the tokenizer left attached, including a misused opening quote: "Trump‘s".
_POSSESSIVE_TAIL = re.compile(r"['’‘]s?$")
# A result the model runs into a team's name: "Chelsea 2-1", "Arsenal 3".
_SCORE = re.compile(r"\d{1,3}(?:[-–]\d{1,3})?")
_NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP"})

# Context that tells what a name is, counted when its mentions' labels disagree:
# "officials in Jordan" (a place), "Arsenal manager" (a club), "Jordan said it" (not a person).
PLACE_PREPOSITIONS: frozenset[str] = word_set("in into across throughout inside within")
CLUB_WORDS: frozenset[str] = word_set(
    "manager boss coach striker midfielder defender goalkeeper keeper winger fans supporters "
    "squad captain"
)
# What one side does to another in a match: "Chelsea will face Liverpool".
MATCH_VERBS: frozenset[str] = word_set("beat defeat face play draw lose thrash edge")
_NEUTER = frozenset({"it", "its"})
_PERSONAL = frozenset({"he", "she", "his", "her", "him", "hers"})
_EVIDENCE = 2  # a context word counts as much as a full name does
_LONGEST_PLACE = max(len(place.split()) for place in PLACES)
_PLACE_FIRST_WORDS = frozenset(place.split()[0] for place in PLACES)


@dataclass(slots=True)
class _Mention:
    start: int
    end: int
    text: str
    label: str
    cluster: int = -1
    # How much this mention's label counts when its cluster's label is decided: spaCy's own
    # spans count once, full names and names after an honorific twice, inferred mentions not.
    vote: int = 1


@dataclass(slots=True)
class _Cluster:
    label: str
    forms: Counter[str] = field(default_factory=Counter)
    givens: set[str] = field(default_factory=set)
    surnames: set[str] = field(default_factory=set)
    last: int = -1


def find_entities(doc: Doc) -> tuple[list[EntityCluster], list[EntityMention]]:
    """Return the article's canonical entities and every mention pointing into them.

    Mention labels are the cluster's label after correction, not always spaCy's.
    """
    text = doc_text(doc)
    mentions = [m for ent in doc.ents if (m := _clean(ent, text)) is not None]
    # "Washington" is a place unless the article names someone Washington.
    people = _surnames(mentions)
    _fix_labels(doc, mentions, people)
    mentions.extend(_lowercase_places(doc, mentions, people))
    mentions.extend(_missed_surnames(doc, mentions))
    mentions.sort(key=lambda m: m.start)
    # Only a name written like one lends its surname to a place name: "Steve Israel", not
    # "the Birth of Modern Canada" tagged PERSON.
    clusters = _group(mentions, text, _surnames(mentions, capitalised=True))
    merged = _same_name_other_label(clusters) | _acronyms(clusters)
    for m in mentions:
        m.cluster = merged.get(m.cluster, m.cluster)
    _vote_labels(doc, clusters, mentions)
    first: dict[int, int] = {}
    for m in mentions:
        first.setdefault(m.cluster, m.start)
    order = sorted(first, key=first.__getitem__)
    entities = [_to_cluster(clusters[i]) for i in order]
    position = {old: new for new, old in enumerate(order)}
    records = [
        EntityMention(
            m.start, m.end, m.text, entities[position[m.cluster]].label, position[m.cluster]
        )
        for m in mentions
    ]
    return entities, records


def _clean(ent: Span, doc_text: str) -> _Mention | None:
    """Trim an entity span to the name itself; None for numbers and junk."""
    label = ent.label_
    if label in NUMERIC_LABELS:
        return None
    tokens = list(ent)
    words = [bare(t.lower_) for t in tokens]
    vote = 1
    if words and words[0] in HONORIFICS:
        label, vote = "PERSON", 2
    skip = 1 if words[:1] == ["the"] else 0
    if label == "PERSON":
        skip = max(skip, title_length(words))
    while len(tokens) > skip and (
        tokens[-1].lower_ in _POSSESSIVES
        or tokens[-1].is_punct
        or (label in _NAME_LABELS and _SCORE.fullmatch(tokens[-1].text))
    ):
        tokens.pop()
    tokens = tokens[skip:]
    if not tokens:
        return None
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1])
    text = doc_text[start:end]
    for junk in (_GLUED_SPEECH, _POSSESSIVE_TAIL):
        if (found := junk.search(text)) and found.start() >= 2:
            text, end = text[: found.start()], start + found.start()
    if "/" in text:
        start, end = _credit_name(doc_text, start, end)
        text = doc_text[start:end]
    if text.islower() and text in PLACES and text not in AMBIGUOUS_PLACES:
        return _Mention(start, end, text, "GPE")
    if label == "PERSON" and " " in text and text.lower() not in PLACES:
        vote = 2  # a full name, but "Sri Lanka" tagged PERSON is no one's
    # Lower-case "entities" from the small model are nearly always common words.
    if len(text) < 2 or not any(ch.isupper() for ch in text) or tokens[0].pos_ == "PRON":
        return None
    return _Mention(start, end, text, label, vote=vote)


def _credit_name(text: str, start: int, end: int) -> tuple[int, int]:
    """The name in a photo credit: "Instagram/Jane Doe", "Jane Doe/The Canadian Press"."""
    cut = text.index("/", start, end)
    sides = [(start, cut), (cut + 1, end)]
    names = [(s, e) for s, e in sides if not CREDIT_WORDS & set(text[s:e].lower().split())]
    if len(names) != 1:
        return start, end
    s, e = names[0]
    while s < e and text[s].isspace():
        s += 1
    return s, e


def _surnames(mentions: list[_Mention], *, capitalised: bool = False) -> set[str]:
    """Surnames of people named in full (or after an honorific), normalised; with
    `capitalised`, only of names whose every word is capitalised."""
    names = {
        split_person_name(m.text)[1]
        for m in mentions
        if m.label == "PERSON"
        and m.vote > 1
        and (not capitalised or all(w[:1].isupper() for w in m.text.split()))
    }
    names.discard("")
    return names


def _fix_labels(doc: Doc, mentions: list[_Mention], people: set[str]) -> None:
    """Correct labels the article contradicts: honorifics make people, known places are places."""
    for m in mentions:
        token = doc.char_span(m.start, m.end, alignment_mode="expand")
        before = doc[token.start - 1].lower_.rstrip(".") if token.start > 0 else ""
        if before in HONORIFICS:
            m.label, m.vote = "PERSON", 2
        elif m.label != "PERSON" and _name_shaped(m.text):
            m.label = "PERSON"
        elif m.label == "PERSON" and " " in m.text:
            head = m.text.rsplit(None, 1)[-1].lower()
            if head in NON_PERSON_HEADS:
                m.label = _HEAD_LABELS.get(head, "ORG")
        elif m.label in {"ORG", "PERSON"} and " " not in m.text:
            place = m.text.lower()
            known = place in PLACES and place not in AMBIGUOUS_PLACES
            if known and before not in TITLES and entity_key(place) not in people:
                m.label = "GPE"


_HEAD_LABELS = {head: "FAC" for head in FACILITY_HEADS} | {
    head: "LOC" for head in ["river", "lake", "island", "bay"]
}


def _name_shaped(text: str) -> bool:
    """A given name and a surname or two, all capitalised: "Seth Jones", "Logan Couture"."""
    words = text.split()
    return (
        2 <= len(words) <= 3
        and text.lower() not in PLACES
        and words[0].lower() in GIVEN_NAMES
        and words[-1].lower() not in NON_PERSON_HEADS
        and all(w[:1].isupper() and w[1:].islower() for w in words)
    )


def _lowercase_places(doc: Doc, mentions: list[_Mention], people: set[str]) -> list[_Mention]:
    """Place names spaCy missed: lower case ("kyiv"), or written elsewhere as a place."""
    seen = Counter(m.text.lower() for m in mentions if m.label in PLACE_LABELS)
    for name in AMBIGUOUS_PLACES:
        seen.pop(name, None)
    firsts = _PLACE_FIRST_WORDS | {name.split()[0] for name in seen}
    found = []
    i = 0
    while i < len(doc):
        token = doc[i]
        if token.ent_iob_ != "O" or token.lower_ not in firsts or token.is_stop:
            i += 1
            continue
        for n in range(min(_LONGEST_PLACE, len(doc) - i), 0, -1):
            span = doc[i : i + n]
            if any(t.ent_iob_ != "O" for t in span):
                continue
            if _is_place(span, seen) and entity_key(span.text) not in people:
                found.append(_Mention(span.start_char, span.end_char, span.text, "GPE"))
                i += n - 1
                break
        i += 1
    return found


def _is_place(span: Span, seen: Counter[str]) -> bool:
    name = span.text.lower()
    if name in PLACES:
        return name not in AMBIGUOUS_PLACES and _looks_like_place(span)
    if name not in seen:
        return False
    # The small model's GPE labels are noisy ("Fraud", "Gazprom"): only copy a label the
    # article gave twice, or onto a lower-case word the tagger also thinks is a proper noun.
    if span.text.islower():
        return all(t.pos_ == "PROPN" for t in span)
    return seen[name] >= 2


def _missed_surnames(doc: Doc, mentions: list[_Mention]) -> list[_Mention]:
    """Capitalised words spaCy left untagged that are a surname of a person in the article."""
    surnames = _surnames(mentions)
    if not surnames:
        return []
    found = []
    for token in doc:
        if token.ent_iob_ != "O" or not token.is_title or token.is_stop or len(token) < 3:
            continue
        word = entity_key(token.text)
        if word in surnames or any(similar_name(word, s) for s in surnames):
            found.append(_Mention(token.idx, token.idx + len(token), token.text, "PERSON", vote=0))
    return found


def _looks_like_place(span: Span) -> bool:
    # A capitalised gazetteer word next to another capitalised word is more likely part of a
    # name spaCy did not tag ("Paris Hilton", "Lagos Street") than a place on its own.
    if span.text.islower():
        return True
    doc = span.doc
    after = doc[span.end] if span.end < len(doc) else None
    before = doc[span.start - 1] if span.start > 0 else None
    if after is not None and after.is_title:
        return False
    return before is None or not before.is_title or before.is_sent_start


def _group(mentions: list[_Mention], text: str, people: set[str]) -> list[_Cluster]:
    clusters: list[_Cluster] = []
    by_key: dict[str, int] = {}
    # People first, so a surname spaCy labelled ORG can still find its person.
    for i, m in enumerate(mentions):
        if m.label == "PERSON":
            m.cluster = _join_person(clusters, m, i)
    for i, m in enumerate(mentions):
        if m.label == "PERSON":
            continue
        if (
            m.label not in PLACE_LABELS
            or m.text.lower() not in PLACES
            or _as_person(m, text, people)
        ):
            person = _match_person(clusters, split_person_name(m.text), full_names_only=True)
            if person is not None:
                # The person's label stands: spaCy's ORG/GPE on a surname is the usual error.
                m.cluster, m.vote = person, 0
                clusters[person].forms[m.text] += 1
                continue
        # One name, one entity: "Payam" tagged ORG here and GPE there is one thing, labelled
        # by vote below.
        key = entity_key(m.text, m.label)
        if key not in by_key:
            by_key[key] = len(clusters)
            clusters.append(_Cluster(m.label))
        m.cluster = by_key[key]
        clusters[m.cluster].forms[m.text] += 1
        clusters[m.cluster].last = i
    return clusters


def _as_person(m: _Mention, text: str, people: set[str]) -> bool:
    """Whether a place name is used as a person's surname: "Michael Jordan ... In Jordan's
    view", but not "in Jordan". Only a surname of someone named in full can join them."""
    if " " in m.text or entity_key(m.text) not in people:
        return False
    if text.startswith(_POSSESSIVE_MARKS, m.end):
        return True
    before = _WORD_BEFORE.search(text, max(0, m.start - 20), m.start)
    return before is None or before.group(1).lower() not in _BEFORE_A_PLACE


# The word just before a mention, and the words (prepositions of place and movement) that
# make the mention after them a place.
_WORD_BEFORE = re.compile(r"(\w+)\W*$")
_BEFORE_A_PLACE = PLACE_PREPOSITIONS | {"to", "from", "near", "visited", "visit", "visiting"}
_POSSESSIVE_MARKS = ("'s", "’s")


def _vote_labels(doc: Doc, clusters: list[_Cluster], mentions: list[_Mention]) -> None:
    """One label per entity: its mentions' labels, weighed, and where they disagree (or a
    "place" plays football), what the words around each mention say."""
    votes: list[Counter[str]] = [Counter() for _ in clusters]
    for m in mentions:
        votes[m.cluster][m.label] += m.vote
    evidence: list[Counter[str]] = [Counter() for _ in clusters]
    for m in mentions:
        counts = votes[m.cluster]
        mixed = sum(1 for n in counts.values() if n > 0) > 1
        if mixed or counts.keys() & PLACE_LABELS:
            evidence[m.cluster].update(_context(doc, m, counts, mixed))
    for cluster, counts, seen in zip(clusters, votes, evidence, strict=True):
        total = counts + seen
        if total and total.most_common(1)[0][1] > 0:
            cluster.label = total.most_common(1)[0][0]


def _context(doc: Doc, m: _Mention, counts: Counter[str], mixed: bool) -> Counter[str]:
    """What the words around one mention say it is. A name all of whose mentions agree is
    only reconsidered as a club ("Chelsea will face Liverpool"), never as anything else."""
    span = doc.char_span(m.start, m.end, alignment_mode="expand")
    if span is None or not len(span):
        return Counter()
    found: Counter[str] = Counter()
    after = doc[span.end] if span.end < len(doc) else None
    root = span.root
    # A national side is written as its country ("South Africa beat Sri Lanka"), and
    # remains the place by convention.
    club = m.text.lower() not in PLACES
    if club and after is not None and after.lower_ in CLUB_WORDS and after.pos_ == "NOUN":
        found["ORG"] += _EVIDENCE
    if club and root.dep_ in ("nsubj", "dobj") and lemma(root.head) in MATCH_VERBS:
        other = [c for c in root.head.children if c.dep_ in ("nsubj", "dobj") and c.i != root.i]
        if any(c.ent_type_ in ("ORG", "GPE") for c in other):
            found["ORG"] += _EVIDENCE
    if not mixed:
        return found
    place = next((label for label in ("GPE", "LOC") if counts[label]), "GPE")
    name = m.text.lower()
    if name in PLACES and name not in AMBIGUOUS_PLACES:
        found[place] += 1  # the gazetteer's word
    before = doc[span.start - 1] if span.start > 0 else None
    if before is not None and before.lower_ in PLACE_PREPOSITIONS:
        found[place] += _EVIDENCE
    if root.dep_ == "nsubj":
        following = [t.lower_ for t in doc[span.end : min(span.end + 8, root.sent.end)]]
        if any(w in _NEUTER for w in following) and not any(w in _PERSONAL for w in following):
            thing = max(
                (label for label in counts if label != "PERSON"), key=counts.get, default=place
            )
            found[thing] += 1
    return found


def _same_name_other_label(clusters: list[_Cluster]) -> dict[int, int]:
    """Join a surname-only "person" to a same-named ORG/GPE: "Yukos" tagged PERSON once."""
    others = {}
    for i, c in enumerate(clusters):
        if c.label != "PERSON":
            others.setdefault(entity_key(next(iter(c.forms))), i)
    merged = {}
    for i, c in enumerate(clusters):
        if c.label == "PERSON" and (not c.givens or all(f.lower() in PLACES for f in c.forms)):
            target = others.get(entity_key(next(iter(c.forms))))
            if target is not None:
                merged[i] = target
                clusters[target].forms.update(c.forms)
    return merged


def _join_person(clusters: list[_Cluster], m: _Mention, position: int) -> int:
    given, surname = split_person_name(m.text)
    found = _match_person(clusters, (given, surname), first_names=True)
    if found is None:
        found = len(clusters)
        clusters.append(_Cluster("PERSON"))
    cluster = clusters[found]
    cluster.forms[m.text] += 1
    cluster.surnames.add(surname)
    if given:
        cluster.givens.add(given[0])
    cluster.last = position
    return found


def _match_person(
    clusters: list[_Cluster],
    name: tuple[tuple[str, ...], str],
    first_names: bool = False,
    full_names_only: bool = False,
) -> int | None:
    """The person cluster this name refers to; the most recently mentioned one if ambiguous.

    full_names_only: only people the article has named in full (for spans spaCy did not label
    PERSON, where a lone surname-like "person" is as likely a company).
    """
    given, surname = name
    if not surname:
        return None
    people = [
        i
        for i, c in enumerate(clusters)
        if c.label == "PERSON" and (c.givens or not full_names_only)
    ]
    for same in (same_name, similar_name):
        matches = [i for i in people if any(same(surname, s) for s in clusters[i].surnames)]
        if given:
            matches = [i for i in matches if compatible_given(given[0], clusters[i].givens)]
        if matches:
            return max(matches, key=lambda i: clusters[i].last)
    if not given and first_names:
        # A first name alone ("Boris") joins the one person who has it.
        matches = [i for i in people if surname in clusters[i].givens]
        if len(matches) == 1:
            return matches[0]
    return None


def _acronyms(clusters: list[_Cluster]) -> dict[int, int]:
    """Join "NHS" to "National Health Service"; return {merged cluster: cluster it joined}."""
    initials: dict[tuple[str, str], int] = {}
    for i, c in enumerate(clusters):
        words = [w for w in max(c.forms, key=len).split() if w[0].isupper()]
        if len(words) >= 2:
            initials.setdefault((c.label, "".join(w[0] for w in words)), i)
    merged: dict[int, int] = {}
    for i, c in enumerate(clusters):
        if len(c.forms) != 1:
            continue
        form = next(iter(c.forms)).replace(".", "")
        target = initials.get((c.label, form))
        if form.isupper() and target is not None and target != i:
            merged[i] = target
            clusters[target].forms.update(c.forms)
    return merged


def _to_cluster(cluster: _Cluster) -> EntityCluster:
    forms = cluster.forms
    canonical = max(forms, key=lambda f: (len(f.split()), f.istitle(), not f.islower(), forms[f]))
    if canonical.islower():
        # Only ever seen in lower case ("kyiv"): a canonical name is written as a name.
        canonical = canonical.title()
    return EntityCluster(
        canonical=canonical,
        label=cluster.label,
        aliases=tuple(sorted(forms, key=lambda f: (-forms[f], f))),
        key=entity_key(canonical, cluster.label),
    )
