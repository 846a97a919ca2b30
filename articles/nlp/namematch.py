"""Comparing names: normalised keys, titles, given names and surnames, spelling variants.

Pure string functions; entities.py uses them to group mentions and to give each entity a key.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz.distance import Levenshtein
from rapidfuzz.fuzz import ratio

from articles.nlp.names import (
    MULTIWORD_TITLES,
    NAME_SUFFIXES,
    PLACE_ALIASES,
    SURNAME_PARTICLES,
    TITLE_QUALIFIERS,
    TITLES,
)

PLACE_LABELS: frozenset[str] = frozenset({"GPE", "LOC"})
_NON_KEY = re.compile(r"[^\w\s]|_")
# Letters NFKD does not split into a base letter and an accent.
_UNDECOMPOSABLE = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ı": "i",
        "þ": "th",
        "ð": "d",
    }
)


def entity_key(name: str, label: str = "") -> str:
    """Normalise a name for matching entities across articles: no accents, case, titles, dots.

    Titles are only removed for people (label "PERSON"), so "General Motors" keeps its first
    word. Places are mapped through PLACE_ALIASES ("U.S." and "USA" give "united states").
    """
    text = unicodedata.normalize("NFKD", name.replace("’", "'").translate(_UNDECOMPOSABLE))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"'s?$", "", text.strip())
    text = _NON_KEY.sub(lambda m: "" if m.group() in ".'" else " ", text)
    words = text.split()
    if words[:1] == ["the"] and len(words) > 1:
        words = words[1:]
    if label == "PERSON":
        words = words[title_length(words) :] or words
    key = " ".join(words)
    if label in PLACE_LABELS:
        key = PLACE_ALIASES.get(key, key)
    return key


def bare(word: str) -> str:
    """A word without trailing dots: "mr." and "mr" look up alike."""
    return word.rstrip(".")


def title_length(words: list[str]) -> int:
    """How many leading words are titles ("former prime minister") rather than the name."""
    n = 0
    while n < len(words) - 1:
        plain = [bare(w) for w in words[n:]]
        if plain[0] in TITLE_QUALIFIERS and len(plain) > 1 and _starts_title(plain[1:]):
            n += 1
            continue
        length = _starts_title(plain)
        if not length or length >= len(plain):
            break
        n += length
    return n


def _starts_title(words: list[str]) -> int:
    for title in MULTIWORD_TITLES:
        if tuple(words[: len(title)]) == title:
            return len(title)
    return 1 if words and words[0] in TITLES else 0


def split_person_name(text: str) -> tuple[tuple[str, ...], str]:
    """Split a cleaned person name into normalised given names and surname."""
    words = [w for w in entity_key(text, "PERSON").split() if w not in NAME_SUFFIXES]
    if not words:
        return (), ""
    cut = len(words) - 1
    while cut > 0 and words[cut - 1] in SURNAME_PARTICLES:
        cut -= 1
    return tuple(words[:cut]), " ".join(words[cut:])


def compatible_given(given: str, givens: set[str]) -> bool:
    if not givens:
        return True
    for other in givens:
        if given == other or similar_name(given, other):
            return True
        short, long = sorted((given, other), key=len)
        if len(short) == 1 and long.startswith(short):
            return True
    return False


def same_name(a: str, b: str) -> bool:
    return a == b


def similar_name(a: str, b: str) -> bool:
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
