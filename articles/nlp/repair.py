"""Repair of text damaged by scraping: glued words, mojibake, stray spacing.

Every rule is a regular expression scan over the text that proposes edits; edits never overlap,
so the repaired text and the offset map back to the original come from one pass. A further pass
runs only when a repair uncovered more damage ("SmithsaidLondonThe").
The rules are deliberately conservative: a missed repair costs a little recall, a false one
corrupts a name in an otherwise clean article.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import ftfy

from articles.nlp.names import TITLES, word_set
from articles.nlp.results import Repair

# Passes before giving up on reaching a text that repairs to itself; real text needs one or two.
_MAX_PASSES = 5

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

# A word of letters only (not part of one with digits or underscores), and a capital inside
# it ("LondonThe", "BBCThe", "McDonald"). Two passes, each linear: one pattern doing both
# backtracks over the whole word from every capital when the word is long and ends in a digit.
_LETTER_WORD = re.compile(r"(?<![\w#@])[^\W\d_]+(?!\w)")
_INNER_CAPITAL = re.compile(r"[a-z][A-Z]|[A-Z]{2}[a-z]")
_LAST_WORD = re.compile(r"(?<=[a-zA-Z])[A-Z][a-z]*$")
# A sentence end with no space after it: "in London.The minister", 'he said."Earlier'.
_STOP_GLUE = re.compile(
    r"(?<![\w./@:#-])([A-Za-z]*[a-z]{2}[.!?][\"'”’)]?|[0-9%][.!?][\"'”’]?)"
    r"([A-Z][a-z]+)(?![\w@.])"
)
_CLOSERS = "\"'”’)"
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
_MOJIBAKE = re.compile(_MOJIBAKE_CORE)
# A "fix" that leaves a replacement character, a bare "â€" or an invisible control ("â€\xad"
# decodes to U+202D, a bidi override) is a wrong guess.
_UNWANTED = re.compile(
    r"[\ufffd\u200b-\u200f\u202a-\u202e\u2060-\u206f\x00-\x08\x0e-\x1f]|\u00e2\u20ac"
)
_TOKEN_END = re.compile(r"\s(?![\u0300-\u036f])|$")
_NFKC_DAMAGE = {" \u0308": "\u00a8", " \u0304": "\u00af", " \u0301": "\u00b4"}
# cp1252 has no byte 0x9D, so a closing quote "â€\x9d" often reaches us as a bare "â€".
_BARE_EURO = re.compile(r"\u00e2\u20ac(?![\u0080-\u00bf\u0152-\u2122])")

# Odd spaces and invisible characters, runs of spaces, spaces before closing punctuation, and
# spaces at line edges. Newlines themselves are never touched, so paragraphs survive.
_ODD_SPACE = "\u00a0\u2000-\u200a\u202f\u205f\u3000"
_INVISIBLE = "\u200b\u2060\ufeff\u00ad"
# Closing punctuation a space should not precede; an ellipsis may stand apart ("so ... yes").
_CLOSING_PUNCT = re.compile(r"[,.;:!?](?!\.)(?:\s|\Z)")
_SPACING = re.compile(
    rf"[{_INVISIBLE}]+"
    rf"|(?<=\n)[ \t{_ODD_SPACE}]+"
    rf"|[ \t{_ODD_SPACE}]+(?=\n|\Z)"
    rf"|(?<=\w)[ \t{_ODD_SPACE}]+(?=[,.;:!?](?!\.)(?:\s|\Z))"
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
    # Minimal changed regions as (repaired start, repaired end, input start, input end).
    _spans: list[tuple[int, int, int, int]] = field(default_factory=list, repr=False)
    _starts: list[int] = field(default_factory=list, repr=False)
    _input_starts: list[int] = field(default_factory=list, repr=False)
    # The pass before this one, when a repair uncovered more damage ("SmithsaidLondonThe").
    _previous: RepairResult | None = field(default=None, repr=False)

    def to_original(self, offset: int) -> int:
        """Map an offset in the repaired text to the matching offset in the original.

        Exact outside the changed characters; inside them, clamped to the original change.
        """
        i = bisect_right(self._starts, offset) - 1
        if i >= 0:
            new_start, new_end, old_start, old_end = self._spans[i]
            if offset >= new_end:
                offset = old_end + offset - new_end
            else:
                offset = old_start + min(offset - new_start, old_end - old_start)
        return self._previous.to_original(offset) if self._previous else offset

    def _to_repaired(self, offset: int) -> int:
        """Map an offset in this pass's input forward into its output."""
        i = bisect_right(self._input_starts, offset) - 1
        if i < 0:
            return offset
        new_start, new_end, old_start, old_end = self._spans[i]
        if offset >= old_end:
            return new_end + offset - old_end
        return new_start + min(offset - old_start, new_end - new_start)


def repair_text(text: str) -> RepairResult:
    """Return the text with scraping damage repaired.

    Repeats (at most _MAX_PASSES times) while a pass still finds damage, so that repairing the
    result again changes nothing.
    """
    result = _repair_once(text)
    for _ in range(_MAX_PASSES - 1):
        if not result.repairs:
            break
        again = _repair_once(result.text)
        if not again.repairs:
            break
        again._previous = result
        again.original = text
        again.repairs = _merged_repairs(again, [*result.repairs], again.repairs)
        result = again
    return result


def _repair_once(text: str) -> RepairResult:
    edits: list[_Edit] = []
    for finder in _FINDERS:
        edits.extend(finder(text))
    return _apply(text, _non_overlapping(edits))


def _merged_repairs(
    result: RepairResult, earlier: list[Repair], latest: list[Repair]
) -> list[Repair]:
    """All passes' repairs in final offsets; repairs that touch one another become one."""
    regions = sorted(
        [(result._to_repaired(r.start), result._to_repaired(r.end), r.kind) for r in earlier]
        + [(r.start, r.end, r.kind) for r in latest]
    )
    merged: list[list] = []
    for start, end, kind in regions:
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end, kind])
    return [
        Repair(
            start,
            end,
            result.original[result.to_original(start) : result.to_original(end)],
            result.text[start:end],
            kind,
        )
        for start, end, kind in merged
    ]


def _find_mojibake(text: str) -> list[_Edit]:
    edits = []
    end = 0
    for match in _MOJIBAKE.finditer(text):
        if match.start() < end:
            continue
        # ftfy judges the whole whitespace-delimited token the damage sits in.
        start = match.start()
        while start > end and not text[start - 1].isspace():
            start -= 1
        end = _TOKEN_END.search(text, match.end()).start()
        damaged = text[start:end]
        candidate = damaged
        for spaced, byte in _NFKC_DAMAGE.items():
            candidate = candidate.replace(spaced, byte)
        candidate = _BARE_EURO.sub(_bare_euro, candidate)
        fixed = ftfy.fix_encoding(candidate).replace("\u00a0", " ")
        if fixed != damaged and not _UNWANTED.search(fixed):
            # Only the changed characters, so glue or spacing in the same token stays visible.
            prefix = _common_prefix(damaged, fixed)
            suffix = _common_prefix(damaged[prefix:][::-1], fixed[prefix:][::-1])
            replacement = fixed[prefix : len(fixed) - suffix]
            edits.append(_Edit(start + prefix, end - suffix, replacement, "mojibake"))
    return edits


def _bare_euro(match: re.Match[str]) -> str:
    # Between letters the lost byte was a hyphen or dash; elsewhere a closing quote.
    text, end = match.string, match.end()
    if match.start() > 0 and text[match.start() - 1].isalpha() and text[end : end + 1].isalpha():
        return "-"
    return "\u00e2\u20ac\x9d"


def _find_spacing(text: str) -> list[_Edit]:
    edits = []
    for match in _SPACING.finditer(text):
        found, start, end = match.group(), match.start(), match.end()
        at_line_edge = start == 0 or text[start - 1] == "\n" or end == len(text)
        before_punct = text.startswith("\n", end) or _CLOSING_PUNCT.match(text, end)
        replacement = "" if found[0] in _INVISIBLE or at_line_edge or before_punct else " "
        if replacement != found:
            edits.append(_Edit(start, end, replacement, "spacing"))
    return edits


def _find_camel_glue(text: str) -> list[_Edit]:
    edits = []
    for match in _LETTER_WORD.finditer(text):
        if not _INNER_CAPITAL.search(word := match.group()):
            continue
        last = _LAST_WORD.search(word)
        if last is None or last.group() not in SENTENCE_STARTERS:
            continue
        left, right = word[: last.start()], last.group()
        if (left[-1].islower() or left[-2:].isupper()) and _is_camel_glue(left, right):
            edits.append(_Edit(match.start(), match.end(), f"{left} {right}", "glued"))
    for match in _STOP_GLUE.finditer(text):
        left, right = match.group(1), match.group(2)
        # Any capitalised word may open the next sentence after a lower-case word or a closing
        # quote; after a capitalised word or a number ("One.Tel", "v2.Pro") only a starter may.
        after_word = left[0].islower() or (left[-1] in _CLOSERS and not left[0].isdigit())
        if right in SENTENCE_STARTERS or after_word:
            # The edit stops at the boundary so the next word can still be unglued ("Smithsaid").
            edits.append(_Edit(match.start(), match.end(1), f"{left} ", "glued"))
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


def _find_word_glue(text: str) -> list[_Edit]:
    edits = []
    vocabulary: frozenset[str] | None = None  # built on first need: most texts never need it
    for match in _WORD_GLUE.finditer(text):
        left, glue = match.group(1), match.group(2)
        whole = left + glue
        if whole.lower() in GLUE_EXCEPTIONS:
            continue
        if len(left) < 3 and left.lower() not in SHORT_SPEAKERS:
            continue
        # Almost no English word ends in "said" or "told", so that left part needs no evidence;
        # for "Ireland", "husband", "thousand" it must be a word this article also uses alone.
        if glue not in SPEECH_GLUE and left.lower() not in TITLES:
            if vocabulary is None:
                vocabulary = frozenset(_WORD.findall(text))
            if left not in vocabulary:
                continue
        edits.append(_Edit(match.start(), match.end(), f"{left} {glue}", "glued"))
    return edits


# Glue no word list foresees ("Smithannounced", "economycan", "theirfamilies") is split only
# on evidence. The glued word must be unknown to an English list of 320,000 words and names
# (wordfreq) and appear once in the article (a word the writer repeats is meant: a brand, a
# term); then a split must join parts of a phrase, not of a compound ("carmaking",
# "FleetBoston", "Irancell" are not glue): see _evidence_split.
_MIN_GLUED = 6
# A word followed by ".com", ".org" and the like is part of a domain name, not prose.
_DOMAIN_END = re.compile(r"\.[a-z]{2,}\b")
# A part is common at this Zipf frequency (log10 of uses per billion words): "mean" is 5.1,
# "improved" 4.5.
_COMMON_ZIPF = 3.5
# Closed-class words: glue joins them to their neighbours ("theirfamilies", "justfor",
# "willmean", "Smithto"); compounds almost never end or start in one.
FUNCTION_WORDS: frozenset[str] = word_set(
    """
    a an the this that these those my your his her its our their some any no every each
    all both either neither another such what which whose
    i you he she it we they me him us them who whom
    to of in on at by for with from into onto upon about above across after against along
    among around before behind below beneath beside between beyond during except inside
    near off out outside over since through throughout till toward towards under until up
    upon via within without
    and or but nor so yet if than because although though while whereas unless whether
    as when where why how
    is are was were be been being am has have had do does did will would shall should can
    could may might must not
    """
)
# Particles that also make compounds ("overbalancing", "outjumped", "uplights", "sickout",
# "takeover"): no evidence of glue on either side.
PARTICLES: frozenset[str] = word_set(
    "over out up down on off in by back after under through with within without about"
)


@cache
def _word_frequencies() -> dict[str, float]:
    """wordfreq's English list as {word: Zipf frequency}, loaded once per process (0.2 s)."""
    from wordfreq import get_frequency_dict

    return {
        word: math.log10(frequency) + 9
        for word, frequency in get_frequency_dict("en", wordlist="best").items()
    }


def _zipf(word: str) -> float:
    return _word_frequencies().get(word.lower(), 0.0)


def _find_unknown_glue(text: str) -> list[_Edit]:
    edits = []
    words: Counter[str] | None = None  # the article's own words, counted on first need
    for match in _WORD.finditer(text):
        word = match.group()
        if len(word) < _MIN_GLUED or word.isupper() or _zipf(word) > 0:
            continue
        if words is None:
            words = Counter(_WORD.findall(text))
        if words[word] > 1 or _DOMAIN_END.match(text, match.end()):
            continue
        split = _evidence_split(word, words)
        if split is not None:
            left, right = word[:split], word[split:]
            edits.append(_Edit(match.start(), match.end(), f"{left} {right}", "glued"))
    return edits


def _evidence_split(word: str, words: Counter[str]) -> int | None:
    """Where to split an unknown word into two the evidence supports, or None.

    - "Smithannounced", "Smithto" (a name, then lower case): the name is used on its own in
      the article, and the rest is a function word or a common past-tense verb;
    - "economycan", "theirfamilies", "radicallyimproved" (lower case): both parts common, one
      of them a function word or the first an adverb in -ly.
    Of several splits, the one whose rarer part is most common wins.
    """
    best, best_score = None, 0.0
    for i in range(2, len(word) - 1):
        left, right = word[:i], word[i:]
        lower_left, lower_right = left.lower(), right.lower()
        if right[0].isupper():
            # "ofTexas", "atLabour": a function word glued to a name the article uses. Two
            # capitalised parts are as often a brand or a title ("PowerPage", "The
            # EastAfrican") as glue: those are left to the word lists of _find_camel_glue.
            ok = left.islower() and lower_left in FUNCTION_WORDS and words[right] > 0
            if ok and (best is None or _zipf(right) > best_score):
                best, best_score = i, _zipf(right)
            continue
        if lower_left in PARTICLES or lower_right in PARTICLES:
            continue
        if word[0].isupper():
            ok = (
                right.islower()
                and len(left) >= 3
                and words[left] > 0
                and (lower_right in FUNCTION_WORDS or _past_tense(lower_right))
            )
        else:
            joining = (
                lower_left in FUNCTION_WORDS
                or lower_right in FUNCTION_WORDS
                or lower_left.endswith("ly")
            )
            ok = joining and _zipf(left) >= _COMMON_ZIPF and _zipf(right) >= _COMMON_ZIPF
        if ok:
            score = min(_zipf(left), _zipf(right))
            if best is None or score > best_score:
                best, best_score = i, score
    return best


def _past_tense(word: str) -> bool:
    return word.endswith("ed") and len(word) >= 4 and _zipf(word) >= _COMMON_ZIPF


_FINDERS: tuple[Callable[[str], list[_Edit]], ...] = (
    _find_mojibake,
    _find_spacing,
    _find_camel_glue,
    _find_word_glue,
    _find_unknown_glue,
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
        _input_starts=[span[2] for span in spans],
    )


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
