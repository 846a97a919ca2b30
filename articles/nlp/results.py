"""Plain records the NLP layer returns; no spaCy or Django types leak out of here."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Repair:
    """One change made to the text before analysis; offsets are in the repaired text."""

    start: int
    end: int
    original: str
    replacement: str
    kind: str  # "glued", "mojibake", "spacing"


@dataclass(frozen=True, slots=True)
class EntityCluster:
    """A canonical entity within one article (all mentions of one person, place, ...)."""

    canonical: str  # the fullest name seen, e.g. "Justin Trudeau"
    label: str  # spaCy label: PERSON, ORG, GPE, LOC, NORP, ...
    aliases: tuple[str, ...]  # every surface form seen, canonical included
    key: str  # normalised name used to match entities across articles


@dataclass(frozen=True, slots=True)
class EntityMention:
    """A span of text naming an entity; `cluster` indexes ArticleExtraction.entities."""

    start: int
    end: int
    text: str
    label: str
    cluster: int


@dataclass(frozen=True, slots=True)
class QuoteSpan:
    """A quotation and who said it. Offsets are string indices into the analysed text."""

    start: int
    end: int
    text: str
    kind: str  # "direct", "indirect" or "mixed"
    cue: str = ""  # the speech verb or phrase ("said", "according to")
    cue_start: int | None = None
    cue_end: int | None = None
    speaker: str | None = None  # canonical full name of the speaker
    speaker_text: str | None = None  # the mention as written: "she", "the minister", "Smith"
    speaker_start: int | None = None
    speaker_end: int | None = None
    speaker_cluster: int | None = None  # index into ArticleExtraction.entities
    # Why a speaker that is not named at the quote was taken to be this entity, in words a
    # reviewer reads: "“the minister” is Jane Doe, introduced as “Foreign Minister Jane Doe”".
    # Empty when the speaker is named where it speaks.
    speaker_evidence: str = ""
    confidence: float = 0.5
    # "quote": reported speech or writing found by the cue rules (what the Gender Gap Tracker
    # annotates). "attribution": a wider claim, plan, finding or position attributed to a source
    # by the learned attribution model (what PolNeAR annotates beyond quotes).
    category: str = "quote"
    # True for the later part of one quotation interrupted by its cue: the "Q2" of
    # '"Q1," she said. "Q2."' continues the nearest earlier quote by the same speaker.
    continues: bool = False


@dataclass(slots=True)
class ArticleExtraction:
    """Everything extracted from one article. `text` is the repaired text all offsets refer to."""

    text: str
    repairs: list[Repair] = field(default_factory=list)
    entities: list[EntityCluster] = field(default_factory=list)
    mentions: list[EntityMention] = field(default_factory=list)
    quotes: list[QuoteSpan] = field(default_factory=list)
