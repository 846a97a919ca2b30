"""Clues to a quoted person's gender and role in the text about them, and suggestions from them.

Pure functions over plain text and character offsets (no Django, no model): the callers pass
each article's text with the spans where the person is named or quoted. A clue is one piece
of evidence ("she said" after a mention, "Ms" before the name, "professor at" beside it, a
first name that is given to women 97% of the time); a suggestion weighs the clues of one
attribute. Suggestions are never facts: a reviewer confirms them (sources/attributes.py).

The rule lists are data, named and documented below; the weights say how far each kind of
clue is trusted: an honorific chosen by the writer beats a pronoun that may refer to someone
else, which beats a name's statistics.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from articles.nlp.names import TITLES, phrase_set, word_set

WOMAN, MAN, NON_BINARY = "woman", "man", "non-binary"

# Honorifics written right before a name, and the gender they state. Lower-case, no dots.
HONORIFICS: dict[str, str] = {
    "ms": WOMAN,
    "mrs": WOMAN,
    "miss": WOMAN,
    "madam": WOMAN,
    "dame": WOMAN,
    "lady": WOMAN,
    "baroness": WOMAN,
    "queen": WOMAN,
    "princess": WOMAN,
    "duchess": WOMAN,
    "countess": WOMAN,
    "congresswoman": WOMAN,
    "chairwoman": WOMAN,
    "spokeswoman": WOMAN,
    "businesswoman": WOMAN,
    "mr": MAN,
    "sir": MAN,
    "lord": MAN,
    "baron": MAN,
    "king": MAN,
    "prince": MAN,
    "duke": MAN,
    "earl": MAN,
    "congressman": MAN,
    "chairman": MAN,
    "spokesman": MAN,
    "businessman": MAN,
    "mx": NON_BINARY,
}

# Third-person pronouns and the gender they imply. "They" is left out: it is as often plural.
PRONOUNS: dict[str, str] = {
    "she": WOMAN,
    "her": WOMAN,
    "hers": WOMAN,
    "herself": WOMAN,
    "he": MAN,
    "him": MAN,
    "his": MAN,
    "himself": MAN,
}

SUBJECTS = frozenset({"she", "he"})

# Verbs of speech that make "she said" / "said he" a strong clue.
SPEECH_VERBS = word_set(
    """said says say added adds told tells explained explains argued argues noted notes warned
    warns insisted insists claimed claims stated states wrote writes continued replied"""
)

# Words in a person's title or description, and the role they suggest. Phrases are matched as
# whole words in the text just before a mention ("Senator Jane Doe", "economist Jane Doe") or
# in the apposition after it ("Jane Doe, a professor at ...", "Jane Doe, spokeswoman for ...").
ROLE_PHRASES: dict[str, frozenset[str]] = {
    "politician": phrase_set(
        """senator, sen, congressman, congresswoman, representative, mp, mep, msp,
        prime minister, minister, president, vice president, mayor, governor, councillor,
        councilor, chancellor, premier, lawmaker, legislator, politician, party leader,
        leader of the opposition, secretary of state, shadow, candidate, deputy, democrat,
        republican, labour, conservative"""
    ),
    "official": phrase_set(
        """official, spokesman for, spokeswoman for, spokesperson for, police chief, police,
        officer, commissioner, ambassador, diplomat, judge, justice, prosecutor,
        attorney general, inspector, detective, sheriff, general, colonel, commander,
        civil servant, regulator, director general, head of the"""
    ),
    "expert": phrase_set(
        """professor, prof, professor at, researcher, scientist, economist, analyst, lecturer,
        historian, expert, dr, academic, physician, doctor, epidemiologist, lawyer, consultant,
        strategist"""
    ),
    "business": phrase_set(
        """chief executive, ceo, chief financial officer, cfo, founder, co-founder, chairman of,
        chairwoman of, managing director, executive, businessman, businesswoman, owner of,
        investor, entrepreneur, trader, boss, banker"""
    ),
    "advocacy": phrase_set(
        """campaigner, activist, advocate, charity, union, general secretary, campaign group,
        pressure group, organiser, organizer, protester"""
    ),
    "citizen": phrase_set(
        """resident, local, voter, fan, parent, mother, father, student, shopper, witness,
        neighbour, neighbor, passenger, commuter, pensioner, villager, farmer, worker"""
    ),
    "journalist": phrase_set(
        """reporter, correspondent, journalist, editor, columnist, commentator, broadcaster,
        presenter"""
    ),
}

# How far each kind of clue is trusted (see the module docstring).
WEIGHTS = {
    "honorific": 3.0,
    "speaker pronoun": 2.5,  # the extraction linked a quote's "she" / "he" to this person
    "pronoun said": 2.0,  # "..., she said" right after a mention
    "pronoun": 1.0,  # the first gendered pronoun after a mention, before anyone else is named
    "first name": 1.5,  # scaled by how one-sided the name is
    "title": 2.0,
    "description": 1.5,
}
# How much text around a mention a clue may come from, in characters.
BEFORE, AFTER = 40, 160
# A first name tells a gender only if one of them holds at least this share of its bearers.
FIRST_NAME_SURE = 0.9

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?][\"”’)]?\s")


@dataclass(frozen=True)
class Clue:
    """One piece of evidence: what it suggests, the words it rests on, where they are."""

    attribute: str  # "gender" or "role"
    value: str
    kind: str  # a key of WEIGHTS
    text: str
    article: int | None = None
    weight: float = 0.0

    def as_dict(self) -> dict:
        return {
            "attribute": self.attribute,
            "value": self.value,
            "kind": self.kind,
            "text": self.text,
            "article": self.article,
            "weight": round(self.weight, 3),
        }


@dataclass(frozen=True)
class Suggestion:
    attribute: str
    value: str
    confidence: float  # 0-1: the share of the weight behind the value, damped when thin
    clues: tuple[Clue, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Span:
    """Where the person is named (a mention) or speaks (a quote's speaker words), in a text."""

    start: int
    end: int
    speaker_words: bool = False  # a quote's speaker_text, such as "she"


def _clip(text: str, start: int, end: int) -> str:
    return " ".join(text[max(0, start) : max(0, end)].split())


def _window_after(text: str, span: Span, others: list[tuple[int, int]]) -> tuple[int, int]:
    """The text after a span up to the end of the next sentence, or to the next other person
    named, whichever comes first."""
    stop = min(len(text), span.end + AFTER)
    ends = [m.end() for m in _SENTENCE_END.finditer(text, span.end, stop)]
    if len(ends) >= 2:
        stop = ends[1]
    for start, _end in others:
        if span.end <= start < stop:
            stop = start
    return span.end, stop


def gender_clues(
    text: str, spans: Iterable[Span], others: Iterable[tuple[int, int]] = (), article=None
) -> list[Clue]:
    """Pronoun and honorific clues to one person's gender in one text.

    `spans` are where the person is named or quoted; `others` where other people are named
    (a pronoun after one of them is theirs, not this person's).
    """
    others = sorted(others)
    clues: list[Clue] = []
    counted: set[int] = set()  # each pronoun is one clue, however many mentions precede it
    for span in spans:
        words = text[span.start : span.end].strip().lower()
        if span.speaker_words and words in PRONOUNS:
            value = PRONOUNS[words]
            snippet = _clip(text, span.start - 30, span.end + 30)
            clues.append(Clue("gender", value, "speaker pronoun", snippet, article))
            continue
        before = [
            w.lower().rstrip(".") for w in _WORD.findall(text[max(0, span.start - 20) : span.start])
        ]
        inside = [w.lower() for w in _WORD.findall(text[span.start : span.end])]
        honorific = (inside[:1] if inside and inside[0] in HONORIFICS else []) or before[-1:]
        if honorific and honorific[0] in HONORIFICS:
            base = max(0, span.start - 20)
            back = text[base : span.start].lower().rfind(honorific[0])
            snippet = _clip(text, base + back if back >= 0 else span.start, span.end)
            clues.append(Clue("gender", HONORIFICS[honorific[0]], "honorific", snippet, article))
        start, stop = _window_after(text, span, others)
        tokens = list(_WORD.finditer(text, start, stop))
        for i, token in enumerate(tokens):
            word = token.group().lower()
            if word not in PRONOUNS:
                continue
            if token.start() in counted:
                break
            counted.add(token.start())
            near = {t.group().lower() for t in tokens[max(0, i - 1) : i + 2]}
            said = word in SUBJECTS and near & SPEECH_VERBS  # "she said", "said he"
            kind = "pronoun said" if said else "pronoun"
            snippet = _clip(text, span.start, token.end() + 12)
            clues.append(Clue("gender", PRONOUNS[word], kind, snippet, article))
            break  # the first pronoun after the mention is the one most likely to be theirs
    return clues


def _phrases(words: list[str]) -> Iterable[tuple[int, str]]:
    """Every one-, two- and three-word phrase of the words, with the index it ends at."""
    for i in range(len(words)):
        for n in (1, 2, 3):
            if i - n + 1 >= 0:
                yield i, " ".join(words[i - n + 1 : i + 1])


_ROLE_OF = {phrase: role for role, phrases in ROLE_PHRASES.items() for phrase in phrases}


def role_clues(text: str, spans: Iterable[Span], article=None) -> list[Clue]:
    """Title and description clues to one person's role in one text: the words just before a
    mention ("Senator", "economist") and an apposition after it (", a professor at")."""
    clues: list[Clue] = []
    for span in spans:
        if span.speaker_words:
            continue
        before = text[max(0, span.start - BEFORE) : span.start]
        before = re.split(r"[.;:!?\"“”()]", before)[-1]
        words = [w.lower() for w in _WORD.findall(before)]
        inside = [w.lower() for w in _WORD.findall(text[span.start : span.end])]
        found = _last_role(words + inside[:1])
        if found:
            clues.append(
                Clue(
                    "role", found, "title", _clip(text, span.start - len(before), span.end), article
                )
            )
        after = text[span.end : span.end + 90]
        apposition = re.match(r"\s*,\s*([^,.;:\"“”()]{3,80})", after)
        if apposition:
            words = [w.lower() for w in _WORD.findall(apposition.group(1))]
            found = _first_role(words)
            if found:
                snippet = _clip(text, span.start, span.end + apposition.end())
                clues.append(Clue("role", found, "description", snippet, article))
    return clues


def _last_role(words: list[str]) -> str | None:
    """The role of the phrase nearest the name among the words before it."""
    best: tuple[int, int, str] | None = None
    for end, phrase in _phrases(words):
        role = _ROLE_OF.get(phrase)
        if role is not None:
            rank = (end, len(phrase))
            if best is None or rank > best[:2]:
                best = (*rank, role)
    return best[2] if best else None


def _first_role(words: list[str]) -> str | None:
    """The role of the longest phrase earliest in an apposition."""
    for i in range(len(words)):
        for n in (3, 2, 1):
            phrase = " ".join(words[i : i + n])
            if len(words[i : i + n]) == n and phrase in _ROLE_OF:
                return _ROLE_OF[phrase]
    return None


def first_name(name: str) -> str:
    """The first word of a person's name that is no title or initial, lower-case."""
    for word in _WORD.findall(name):
        low = word.lower()
        if low in TITLES or low in HONORIFICS or len(low) < 2:
            continue
        return low
    return ""


def first_name_clue(name: str, share_female: Callable[[str], float | None]) -> Clue | None:
    """A clue from the person's first name: `share_female(name)` is the share of its bearers
    who are women (0-1), or None for a name the list does not know."""
    given = first_name(name)
    share = share_female(given) if given else None
    if share is None:
        return None
    if share >= FIRST_NAME_SURE:
        value, sure = WOMAN, share
    elif share <= 1 - FIRST_NAME_SURE:
        value, sure = MAN, 1 - share
    else:
        return None
    people = "women" if value == WOMAN else "men"
    text = f"“{given.capitalize()}” is given to {people} {sure:.0%} of the time"
    return Clue("gender", value, "first name", text, None, WEIGHTS["first name"] * sure)


def suggest(attribute: str, clues: Iterable[Clue], *, keep: int = 6) -> Suggestion | None:
    """The value most of the clues' weight points to, with a confidence, and the clues behind
    it (the strongest `keep`, strongest first). None without clues."""
    weighed = [
        c if c.weight else Clue(c.attribute, c.value, c.kind, c.text, c.article, WEIGHTS[c.kind])
        for c in clues
        if c.attribute == attribute
    ]
    if not weighed:
        return None
    totals: dict[str, float] = defaultdict(float)
    for clue in weighed:
        totals[clue.value] += clue.weight
    value = max(sorted(totals), key=totals.__getitem__)
    total = sum(totals.values())
    # The share of the weight, damped while the evidence is thin (one pronoun is not enough).
    confidence = totals[value] / total * min(1.0, total / 4.0)
    behind = sorted((c for c in weighed if c.value == value), key=lambda c: -c.weight)
    return Suggestion(attribute, value, round(confidence, 3), tuple(behind[:keep]))
