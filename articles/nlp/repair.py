"""Repair of text damaged by scraping: glued words, mojibake, stray spacing.

Every rule is a regular expression scan over the original text that proposes edits; edits never
overlap, so the repaired text and the offset map back to the original come from one pass.
The rules are deliberately conservative: a missed repair costs a little recall, a false one
corrupts a name in an otherwise clean article.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field

import ftfy

from articles.nlp.names import TITLES, word_set
from articles.nlp.results import Repair

# Capitalised words that open sentences, paragraphs and captions. A lower-case letter directly
# followed by one of these ("LondonThe", "OttawaOn") is a lost space or line break; brand and
# name camel-case (YouTube, McDonald, DeSantis) almost never ends in one of them.
SENTENCE_STARTERS: frozenset[str] = word_set(
    """
    The This That These Those There They Their Then He She It Its His Her We Our You Your
    In On At As But And An Or So If For With From By After Before When While Where What Why
    How Who However Meanwhile Although Though Despite During Since Until Under Over About
    According Earlier Later Last Next Today Yesterday Tomorrow Also Some Many Most More
    Mr Mrs Ms Dr Officials Police Speaking Asked Image Photo Related Advertisement Copyright
    Getty Reuters Picture
    """
)

# Starters so short that a camel-case brand may end in them (LinkedIn, AddOn): these need a
# left part of three letters or more and are checked against CAMEL_WORDS.
SHORT_STARTERS: frozenset[str] = word_set("It In On At As An If So By Or He We")

# Camel-case words that end in a sentence starter but are single words.
CAMEL_WORDS: frozenset[str] = word_set(
    """
    LinkedIn CheckIn LogIn SignIn PlugIn WalkIn DriveIn BuiltIn OptIn AllIn TuneIn
    AddOn LogOn HangOn CarryOn MoveOn ShareIt PostIt ZhengHe NowThis
    """
)

# Name prefixes after which an inner capital belongs to the name (McDonald, MacArthur, DeSantis).
CAMEL_PREFIXES: frozenset[str] = word_set("Mc Mac De Di Da Du La Le Van Von Del Della Al El Fitz O")

# Common words a scraper glues onto the previous word ("Smithsaid", "Presidentand"). Short
# function words that end many real words ("in": Putin, "on": Clinton, "is": Paris) are
# deliberately absent.
SPEECH_GLUE: frozenset[str] = word_set("said says told added")
WORD_GLUE: frozenset[str] = word_set("and the of who which but from when")

# Real words that end in a glue word whose left part is also a word.
GLUE_EXCEPTIONS: frozenset[str] = word_set(
    """
    thereof whereof hereof proof roof aloof hoof goof spoof woof reproof errand seethe teethe
    zealand rolland
    aforesaid unsaid gainsaid gainsays essays untold foretold retold naysays soothsays
    """
)

# Pronouns that may be glued to a speech verb ("hesaid") despite being under three letters.
SHORT_SPEAKERS: frozenset[str] = word_set("he she we i they it")

_STARTERS = "|".join(sorted(SENTENCE_STARTERS, key=len, reverse=True))
# A letter run ending in lower case (or an acronym) directly followed by a starter word.
_CAMEL_GLUE = re.compile(rf"(?<![\w#@])([^\W\d_]*?(?:[a-z]|[A-Z]{{2}}))({_STARTERS})(?!\w)")
# A sentence end with no space after it: "in London.The minister".
_STOP_GLUE = re.compile(rf"(?<![\w./@:#-])([A-Za-z]*[a-z]{{2}}[.!?])({_STARTERS})(?!\w)")
_GLUES = "|".join(sorted(SPEECH_GLUE | WORD_GLUE, key=len, reverse=True))
_WORD_GLUE = re.compile(rf"(?<![\w-])([^\W\d_]+?)({_GLUES})(?![\w-])")
# Standalone words (not part of a hyphenated compound) are the document's own vocabulary.
_WORD = re.compile(r"(?<![\w-])[^\W\d_]+(?![\w-])")

# A UTF-8 lead byte read as Latin-1/cp1252 followed by a continuation byte read the same way.
_MOJIBAKE_CORE = (
    r"[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6"
    r"\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
    # NFKC turns the byte 0xA8/0xAF/0xB4 into space + combining mark: "naÃ ̄ve".
    r"|\u00c3 [\u0300-\u036f]"
)
_MOJIBAKE = re.compile(rf"[^\s]*(?:{_MOJIBAKE_CORE})[^\s]*")
_NFKC_DAMAGE = {" \u0308": "\u00a8", " \u0304": "\u00af", " \u0301": "\u00b4"}
# cp1252 has no byte 0x9D, so a closing quote "â€\x9d" often reaches us as a bare "â€".
_BARE_EURO = re.compile(r"\u00e2\u20ac(?![\u0080-\u00bf\u0152-\u2122])")

# Odd spaces and invisible characters, runs of spaces, spaces before closing punctuation, and
# spaces at line edges. Newlines themselves are never touched, so paragraphs survive.
_ODD_SPACE = "\u00a0\u2000-\u200a\u202f\u205f\u3000"
_INVISIBLE = "\u200b\u2060\ufeff\u00ad"
_SPACING = re.compile(
    rf"[{_INVISIBLE}]+"
    rf"|(?<=\n)[ \t{_ODD_SPACE}]+"
    rf"|[ \t{_ODD_SPACE}]+(?=\n|\Z)"
    rf"|(?<=\w)[ \t{_ODD_SPACE}]+(?=[,.;:!?](?:\s|\Z))"
    rf"|[ \t{_ODD_SPACE}]{{2,}}"
    rf"|[\t{_ODD_SPACE}]"
)


@dataclass(frozen=True, slots=True)
class _Edit:
    """A replacement of original[start:end], before offsets in the repaired text are known."""

    start: int
    end: int
    replacement: str
    kind: str


@dataclass(slots=True)
class RepairResult:
    """The repaired text, the repairs made, and a way back to offsets in the original."""

    text: str
    original: str
    repairs: list[Repair] = field(default_factory=list)
    # Minimal changed regions as (repaired start, repaired end, original start, original end).
    _spans: list[tuple[int, int, int, int]] = field(default_factory=list, repr=False)
    _starts: list[int] = field(default_factory=list, repr=False)

    def to_original(self, offset: int) -> int:
        """Map an offset in the repaired text to the matching offset in the original.

        Exact outside the changed characters; inside them, clamped to the original change.
        """
        i = bisect_right(self._starts, offset) - 1
        if i < 0:
            return offset
        new_start, new_end, old_start, old_end = self._spans[i]
        if offset >= new_end:
            return old_end + offset - new_end
        return old_start + min(offset - new_start, old_end - old_start)


def repair_text(text: str) -> RepairResult:
    """Return the text with scraping damage repaired."""
    vocabulary = frozenset(_WORD.findall(text))
    edits: list[_Edit] = []
    for finder in _FINDERS:
        edits.extend(finder(text, vocabulary))
    return _apply(text, _non_overlapping(edits))


def _find_mojibake(text: str, vocabulary: frozenset[str]) -> list[_Edit]:
    edits = []
    for match in _MOJIBAKE.finditer(text):
        damaged = match.group()
        candidate = damaged
        for spaced, byte in _NFKC_DAMAGE.items():
            candidate = candidate.replace(spaced, byte)
        candidate = _BARE_EURO.sub(_bare_euro, candidate)
        fixed = ftfy.fix_encoding(candidate).replace("\u00a0", " ")
        if fixed != damaged and "\ufffd" not in fixed and "\u00e2\u20ac" not in fixed:
            edits.append(_Edit(match.start(), match.end(), fixed, "mojibake"))
    return edits


def _bare_euro(match: re.Match[str]) -> str:
    # Between letters the lost byte was a hyphen or dash; elsewhere a closing quote.
    text, end = match.string, match.end()
    if match.start() > 0 and text[match.start() - 1].isalpha() and text[end : end + 1].isalpha():
        return "-"
    return "\u00e2\u20ac\x9d"


def _find_spacing(text: str, vocabulary: frozenset[str]) -> list[_Edit]:
    edits = []
    for match in _SPACING.finditer(text):
        found, start, end = match.group(), match.start(), match.end()
        at_line_edge = start == 0 or text[start - 1] == "\n" or end == len(text)
        if found[0] in _INVISIBLE or at_line_edge or text[end] in "\n,.;:!?":
            replacement = ""
        else:
            replacement = " "
        if replacement != found:
            edits.append(_Edit(start, end, replacement, "spacing"))
    return edits


def _find_camel_glue(text: str, vocabulary: frozenset[str]) -> list[_Edit]:
    edits = []
    for match in _CAMEL_GLUE.finditer(text):
        left, right = match.group(1), match.group(2)
        if _is_camel_glue(left, right):
            edits.append(_Edit(match.start(), match.end(), f"{left} {right}", "glued"))
    for match in _STOP_GLUE.finditer(text):
        left, right = match.group(1), match.group(2)
        edits.append(_Edit(match.start(), match.end(), f"{left} {right}", "glued"))
    return edits


def _is_camel_glue(left: str, right: str) -> bool:
    if left + right in CAMEL_WORDS or left in CAMEL_PREFIXES:
        return False
    # The left part's last word: "McDonald" in "McDonaldThe", "London" in "LondonThe".
    tail = re.split(r"(?=[A-Z][a-z])", left)[-1]
    if tail in CAMEL_PREFIXES or len(tail) < 2:
        return False
    if tail.isupper() and len(right) < 3:
        # Plural acronyms: "ATMs", "EULAs".
        return False
    return right not in SHORT_STARTERS or len(tail) >= 3


def _find_word_glue(text: str, vocabulary: frozenset[str]) -> list[_Edit]:
    edits = []
    for match in _WORD_GLUE.finditer(text):
        left, glue = match.group(1), match.group(2)
        if _is_word_glue(left, glue, vocabulary):
            edits.append(_Edit(match.start(), match.end(), f"{left} {glue}", "glued"))
    return edits


def _is_word_glue(left: str, glue: str, vocabulary: frozenset[str]) -> bool:
    if (left + glue).lower() in GLUE_EXCEPTIONS:
        return False
    if len(left) < 3 and left.lower() not in SHORT_SPEAKERS:
        return False
    if glue in SPEECH_GLUE:
        # Almost no English word ends in "said"/"told", so the left part needs no evidence.
        return True
    # "Ireland", "husband", "thousand": the left part must be a word this article uses alone.
    return left in vocabulary or left.lower() in TITLES


_FINDERS: tuple[Callable[[str, frozenset[str]], list[_Edit]], ...] = (
    _find_mojibake,
    _find_spacing,
    _find_camel_glue,
    _find_word_glue,
)


def _non_overlapping(edits: list[_Edit]) -> list[_Edit]:
    # Earlier finders win ties; the order of _FINDERS is their priority.
    ranked = sorted(enumerate(edits), key=lambda pair: (pair[1].start, pair[0]))
    kept: list[_Edit] = []
    for _, edit in ranked:
        if kept and edit.start < kept[-1].end:
            continue
        kept.append(edit)
    return kept


def _apply(text: str, edits: list[_Edit]) -> RepairResult:
    parts: list[str] = []
    repairs: list[Repair] = []
    spans: list[tuple[int, int, int, int]] = []
    position = 0  # in the original
    length = 0  # of the repaired text so far
    for edit in edits:
        parts.append(text[position : edit.start])
        length += edit.start - position
        original = text[edit.start : edit.end]
        repairs.append(
            Repair(length, length + len(edit.replacement), original, edit.replacement, edit.kind)
        )
        # Trim the shared prefix and suffix so offsets stay exact around the real change.
        prefix = _common_prefix(original, edit.replacement)
        suffix = _common_prefix(original[prefix:][::-1], edit.replacement[prefix:][::-1])
        spans.append(
            (
                length + prefix,
                length + len(edit.replacement) - suffix,
                edit.start + prefix,
                edit.end - suffix,
            )
        )
        parts.append(edit.replacement)
        length += len(edit.replacement)
        position = edit.end
    parts.append(text[position:])
    return RepairResult(
        text="".join(parts),
        original=text,
        repairs=repairs,
        _spans=spans,
        _starts=[span[0] for span in spans],
    )


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
