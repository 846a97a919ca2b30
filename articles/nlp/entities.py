"""Named entities grouped into canonical entities within one article.

spaCy's small model finds the spans; the rules here clean them (titles, "the", possessives),
correct labels the article itself contradicts, add place names written in lower case, and group
mentions: "Mr Smith", "Smith" and "Prime Minister Smith" join "John Smith".
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein
from rapidfuzz.fuzz import ratio
from spacy.tokens import Doc, Span

from articles.nlp.names import (
    AMBIGUOUS_PLACES,
    MULTIWORD_TITLES,
    NAME_SUFFIXES,
    NUMERIC_LABELS,
    PLACE_ALIASES,
    PLACES,
    SURNAME_PARTICLES,
    TITLE_QUALIFIERS,
    TITLES,
    word_set,
)
from articles.nlp.results import EntityCluster, EntityMention

# Honorifics are evidence of a person whatever label spaCy gave the name that follows.
HONORIFICS: frozenset[str] = word_set("mr mrs ms miss mx dr sir dame")
PLACE_LABELS: frozenset[str] = frozenset({"GPE", "LOC"})
_POSSESSIVES = frozenset({"'s", "’s", "'", "’"})
_GLUED_SPEECH = re.compile(r"(?<=[a-z]{3})(?:said|says|told)$")
_NON_KEY = re.compile(r"[^\w\s]|_")
_LONGEST_PLACE = max(len(place.split()) for place in PLACES)
_PLACE_FIRST_WORDS = frozenset(place.split()[0] for place in PLACES)


@dataclass(slots=True)
class _Mention:
    start: int
    end: int
    text: str
    label: str
    cluster: int = -1


@dataclass(slots=True)
class _Cluster:
    label: str
    forms: Counter[str] = field(default_factory=Counter)
    givens: set[str] = field(default_factory=set)
    surnames: set[str] = field(default_factory=set)
    last: int = -1


def entity_key(name: str, label: str = "") -> str:
    """Normalise a name for matching entities across articles: no accents, case, titles, dots.

    Titles are only removed for people (label "PERSON"), so "General Motors" keeps its first
    word. Places are mapped through PLACE_ALIASES ("U.S." and "USA" give "united states").
    """
    text = unicodedata.normalize("NFKD", name.replace("’", "'"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"'s?$", "", text.strip())
    text = _NON_KEY.sub(lambda m: "" if m.group() in ".'" else " ", text)
    words = text.split()
    if words[:1] == ["the"] and len(words) > 1:
        words = words[1:]
    if label == "PERSON":
        words = words[_title_length(words) :] or words
    key = " ".join(words)
    if label in PLACE_LABELS:
        key = PLACE_ALIASES.get(key, key)
    return key


def find_entities(doc: Doc) -> tuple[list[EntityCluster], list[EntityMention]]:
    """Return the article's canonical entities and every mention pointing into them.

    Mention labels are the cluster's label after correction, not always spaCy's.
    """
    mentions = [m for ent in doc.ents if (m := _clean(ent)) is not None]
    _fix_labels(doc, mentions)
    mentions.extend(_lowercase_places(doc, mentions))
    mentions.extend(_missed_surnames(doc, mentions))
    mentions.sort(key=lambda m: m.start)
    clusters = _group(mentions)
    survivors = set(_merge_acronyms(clusters, mentions))
    first: dict[int, int] = {}
    for m in mentions:
        first.setdefault(m.cluster, m.start)
    order = sorted(survivors, key=lambda i: first.get(i, -1))
    entities = [_to_cluster(clusters[i]) for i in order]
    position = {old: new for new, old in enumerate(order)}
    records = [
        EntityMention(
            m.start, m.end, m.text, entities[position[m.cluster]].label, position[m.cluster]
        )
        for m in mentions
    ]
    return entities, records


def _clean(ent: Span) -> _Mention | None:
    """Trim an entity span to the name itself; None for numbers and junk."""
    label = ent.label_
    if label in NUMERIC_LABELS:
        return None
    tokens = list(ent)
    words = [_bare(t.lower_) for t in tokens]
    if words and words[0] in HONORIFICS:
        label = "PERSON"
    skip = 1 if words[:1] == ["the"] else 0
    if label == "PERSON":
        skip = max(skip, _title_length(words))
    while len(tokens) > skip and (tokens[-1].lower_ in _POSSESSIVES or tokens[-1].is_punct):
        tokens.pop()
    tokens = tokens[skip:]
    if not tokens:
        return None
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1])
    text = ent.doc.text[start:end]
    if glued := _GLUED_SPEECH.search(text):
        text, end = text[: glued.start()], start + glued.start()
    if text.islower() and text in PLACES and text not in AMBIGUOUS_PLACES:
        return _Mention(start, end, text, "GPE")
    # Lower-case "entities" from the small model are nearly always common words.
    if len(text) < 2 or not any(ch.isupper() for ch in text) or tokens[0].pos_ == "PRON":
        return None
    return _Mention(start, end, text, label)


def _bare(word: str) -> str:
    return word.rstrip(".")


def _title_length(words: list[str]) -> int:
    """How many leading words are titles ("former prime minister") rather than the name."""
    n = 0
    while n < len(words) - 1:
        bare = [_bare(w) for w in words[n:]]
        if bare[0] in TITLE_QUALIFIERS and len(bare) > 1 and _starts_title(bare[1:]):
            n += 1
            continue
        length = _starts_title(bare)
        if not length or length >= len(bare):
            break
        n += length
    return n


def _starts_title(words: list[str]) -> int:
    for title in MULTIWORD_TITLES:
        if tuple(words[: len(title)]) == title:
            return len(title)
    return 1 if words and words[0] in TITLES else 0


def _fix_labels(doc: Doc, mentions: list[_Mention]) -> None:
    """Correct labels the article contradicts: honorifics make people, known places are places."""
    for m in mentions:
        token = doc.char_span(m.start, m.end, alignment_mode="expand")
        before = doc[token.start - 1].lower_.rstrip(".") if token.start > 0 else ""
        if before in HONORIFICS:
            m.label = "PERSON"
        elif m.label in {"ORG", "PERSON"} and " " not in m.text:
            place = m.text.lower()
            if place in PLACES and place not in AMBIGUOUS_PLACES and before not in TITLES:
                m.label = "GPE"


def _lowercase_places(doc: Doc, mentions: list[_Mention]) -> list[_Mention]:
    """Place names spaCy missed: lower case ("kyiv"), or written elsewhere as a place."""
    seen = {m.text.lower() for m in mentions if m.label in PLACE_LABELS} - AMBIGUOUS_PLACES
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
            name = span.text.lower()
            if name in seen or (
                name in PLACES and name not in AMBIGUOUS_PLACES and _looks_like_place(span)
            ):
                found.append(_Mention(span.start_char, span.end_char, span.text, "GPE"))
                i += n - 1
                break
        i += 1
    return found


def _missed_surnames(doc: Doc, mentions: list[_Mention]) -> list[_Mention]:
    """Capitalised words spaCy left untagged that are a surname of a person in the article."""
    surnames = {_person_name(m.text)[1] for m in mentions if m.label == "PERSON"}
    surnames.discard("")
    if not surnames:
        return []
    found = []
    for token in doc:
        if token.ent_iob_ != "O" or not token.is_title or token.is_stop or len(token) < 3:
            continue
        word = entity_key(token.text)
        if word in surnames or any(_similar_name(word, s) for s in surnames):
            found.append(_Mention(token.idx, token.idx + len(token), token.text, "PERSON"))
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


def _group(mentions: list[_Mention]) -> list[_Cluster]:
    clusters: list[_Cluster] = []
    by_key: dict[tuple[str, str], int] = {}
    # People first, so a surname spaCy labelled ORG can still find its person.
    for i, m in enumerate(mentions):
        if m.label == "PERSON":
            m.cluster = _join_person(clusters, m, i)
    for i, m in enumerate(mentions):
        if m.label == "PERSON":
            continue
        if m.label not in PLACE_LABELS or m.text.lower() not in PLACES:
            person = _match_person(clusters, _person_name(m.text))
            if person is not None:
                m.label = "PERSON"
                m.cluster = person
                clusters[person].forms[m.text] += 1
                continue
        group = "PLACE" if m.label in PLACE_LABELS else m.label
        key = (group, entity_key(m.text, m.label))
        if key not in by_key:
            by_key[key] = len(clusters)
            clusters.append(_Cluster(m.label))
        m.cluster = by_key[key]
        clusters[m.cluster].forms[m.text] += 1
        clusters[m.cluster].last = i
    labels: list[Counter[str]] = [Counter() for _ in clusters]
    for m in mentions:
        labels[m.cluster][m.label] += 1
    for cluster, counts in zip(clusters, labels, strict=True):
        cluster.label = counts.most_common(1)[0][0]
    return clusters


def _person_name(text: str) -> tuple[tuple[str, ...], str]:
    """Split a cleaned person name into normalised given names and surname."""
    words = [w for w in entity_key(text, "PERSON").split() if w not in NAME_SUFFIXES]
    if not words:
        return (), ""
    cut = len(words) - 1
    while cut > 0 and words[cut - 1] in SURNAME_PARTICLES:
        cut -= 1
    return tuple(words[:cut]), " ".join(words[cut:])


def _join_person(clusters: list[_Cluster], m: _Mention, position: int) -> int:
    given, surname = _person_name(m.text)
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
    clusters: list[_Cluster], name: tuple[tuple[str, ...], str], first_names: bool = False
) -> int | None:
    """The person cluster this name refers to; the most recently mentioned one if ambiguous."""
    given, surname = name
    if not surname:
        return None
    people = [i for i, c in enumerate(clusters) if c.label == "PERSON"]
    for same in (_same_name, _similar_name):
        matches = [i for i in people if any(same(surname, s) for s in clusters[i].surnames)]
        if given:
            matches = [i for i in matches if _compatible_given(given[0], clusters[i].givens)]
        if matches:
            return max(matches, key=lambda i: clusters[i].last)
    if not given and first_names:
        # A first name alone ("Boris") joins the one person who has it.
        matches = [i for i in people if surname in clusters[i].givens]
        if len(matches) == 1:
            return matches[0]
    return None


def _compatible_given(given: str, givens: set[str]) -> bool:
    if not givens:
        return True
    for other in givens:
        if given == other or _similar_name(given, other):
            return True
        short, long = sorted((given, other), key=len)
        if len(short) == 1 and long.startswith(short):
            return True
    return False


def _same_name(a: str, b: str) -> bool:
    return a == b


def _similar_name(a: str, b: str) -> bool:
    """Spelling variants of one name: "Zelensky"/"Zelenskyy", "Mohammed"/"Muhammad"."""
    if a == b:
        return True
    if min(len(a), len(b)) < 5 or a[0] != b[0]:
        return False
    if _skeleton(a) == _skeleton(b):
        return ratio(a, b) >= 70
    return min(len(a), len(b)) >= 6 and Levenshtein.distance(a, b) == 1


def _skeleton(name: str) -> str:
    # Consonants in order, doubled letters collapsed: transliterations mostly differ in vowels.
    rest = re.sub(r"[aeiouy]", "", name[1:])
    return name[0] + re.sub(r"(.)\1+", r"\1", rest)


def _merge_acronyms(clusters: list[_Cluster], mentions: list[_Mention]) -> list[int]:
    """Join "NHS" to "National Health Service"; return the surviving cluster indices in order."""
    initials: dict[tuple[str, str], int] = {}
    for i, c in enumerate(clusters):
        name = max(c.forms, key=len)
        words = [w for w in name.split() if w[0].isupper()]
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
    for m in mentions:
        m.cluster = merged.get(m.cluster, m.cluster)
    return [i for i in range(len(clusters)) if i not in merged]


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
