"""Quote cues: speech and stance verbs, stance nouns and "according to" phrases, where they
are, and whether one reports a quote. What a cue reports is in articles.nlp.content."""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Token

from articles.nlp.content import has_subject, is_stance_content
from articles.nlp.fastpipes import lemma
from articles.nlp.lexicon import (
    ACCORDING_TO_PHRASES,
    COGNITION_VERBS,
    CUE_VERBS,
    DESIRE_VERBS,
    DOCUMENT_NOUNS,
    FINDING_NOUNS,
    FINDING_VERBS,
    LABELLING_VERBS,
    MODAL_VERBS,
    NOMINAL_CUES,
    PERCEPTION_VERBS,
    POLL_NOUNS,
    QUESTION_VERBS,
    QUESTION_WORDS,
    REQUEST_VERBS,
    SPEECH_VERBS,
    WEAK_SPEECH_VERBS,
)
from articles.nlp.quotemarks import QuotedSpan
from articles.nlp.speakers import find_subject

# How far (tokens) to look after / before a quotation for its speech verb.
AFTER_WINDOW = 12
BEFORE_WINDOW = 30

# Every lemma cue_at has to look at.
CUE_LEMMAS = CUE_VERBS | FINDING_VERBS | LABELLING_VERBS | REQUEST_VERBS

# Subjects that hold no stance of their own ("it backs", "this supports").
_NON_HOLDERS = frozenset({"it", "this", "that", "there", "what", "which"})

_SENTENCE_END = frozenset({".", "!", "?"})


@dataclass(slots=True)
class Cue:
    """A speech verb or phrase, where it is, and the token naming who speaks."""

    token: Token
    start: int
    end: int
    text: str
    speaker_head: Token | None
    # "speech", "weak", "belief", "question", "stance", "finding", "label", "nominal" or
    # "according"
    kind: str

    @property
    def according(self) -> bool:
        return self.kind == "according"


def cue_at(doc: Doc, tok: Token) -> Cue | None:
    """Return the cue starting at `tok`: a speech verb or an "according to" phrase."""
    lower = tok.lower_
    for phrase in ACCORDING_TO_PHRASES:
        if (
            lower == phrase[0]
            and tok.i + len(phrase) <= len(doc)
            and all(doc[tok.i + j].lower_ == w for j, w in enumerate(phrase))
        ):
            last = doc[tok.i + len(phrase) - 1]
            obj = next((c for c in last.children if c.dep_ == "pobj"), None)
            if obj is None and tok.i + len(phrase) < len(doc):
                obj = doc[tok.i + len(phrase)]
            end = last.idx + len(last.text)
            phrase_text = doc[tok.i : last.i + 1].text
            return Cue(tok, tok.idx, end, phrase_text, obj, "according")
    if lower == "in":
        return _poll_phrase(tok)
    if tok.pos_ not in ("VERB", "AUX"):
        return None
    word = lemma(tok)
    if word not in CUE_LEMMAS:
        return _that_clause_cue(tok, word)
    # "When asked about it", "having been told": a participle with no speaking subject.
    if tok.tag_ == "VBN" and word != "quote" and not _has_perfect_aux(tok):
        return None
    if _discourse_marker(tok):
        return None
    subject = find_subject(tok)
    if word in FINDING_VERBS and subject is not None and lemma(subject) in FINDING_NOUNS:
        kind = "finding"
    elif word in LABELLING_VERBS and word not in SPEECH_VERBS:
        kind = "label"
    elif word not in CUE_VERBS:
        if word not in REQUEST_VERBS:
            return None
        kind = "stance"
    elif word in COGNITION_VERBS:
        kind = "belief"
    elif word in QUESTION_VERBS:
        kind = "question"
    elif word in WEAK_SPEECH_VERBS:
        kind = "weak"
    elif word not in SPEECH_VERBS:
        kind = "stance"
    else:
        kind = "speech"
    return Cue(tok, tok.idx, tok.idx + len(tok.text), tok.text, subject, kind)


def _discourse_marker(tok: Token) -> bool:
    """ "That said, ...", "That being said, ...": a connective, not anyone speaking."""
    doc = tok.doc
    left = tok.i - 1
    if left >= 0 and doc[left].lower_ == "being":
        left -= 1
    return (
        left >= 0
        and doc[left].lower_ == "that"
        and (left == tok.sent.start or doc[left - 1].is_punct)
        and tok.i + 1 < len(doc)
        and doc[tok.i + 1].text == ","
    )


def _poll_phrase(tok: Token) -> Cue | None:
    """ "In the latest poll, Smith leads by ten points": opening a sentence like "according
    to", the poll is the source of the rest of it."""
    if tok.dep_ != "prep" or tok.head.pos_ not in ("VERB", "AUX") or not tok.is_sent_start:
        return None
    poll = next((c for c in tok.children if c.dep_ == "pobj"), None)
    if poll is None or lemma(poll) not in POLL_NOUNS:
        return None
    return Cue(tok, tok.idx, tok.idx + len(tok.text), tok.text, poll, "according")


def _that_clause_cue(tok: Token, word: str) -> Cue | None:
    """Any other verb stating a "that" clause ("Smith conceded that ...", "the court ruled
    that ..."): a report of a position, held to the strict rules of belief verbs."""
    if tok.pos_ != "VERB" or tok.tag_ == "VBN" or word in PERCEPTION_VERBS:
        return None
    if not any(c.dep_ == "ccomp" and c.i > tok.i and _has_that(c) for c in tok.children):
        return None
    return Cue(tok, tok.idx, tok.idx + len(tok.text), tok.text, find_subject(tok), "belief")


def nominal_cue(tok: Token) -> tuple[Cue, tuple[int, int, Token]] | None:
    """A noun of saying or stance with its holder and content: "Smith's claim that taxes will
    fall", "her call for a recount", "their criticism of the plan"."""
    preps = NOMINAL_CUES.get(lemma(tok)) if tok.pos_ == "NOUN" else None
    if preps is None:
        return None
    holder = next((c for c in tok.children if c.dep_ == "poss"), None)
    if holder is None or holder.lower_ in _NON_HOLDERS or holder.lower_ == "its":
        return None
    for child in tok.rights:
        if child.dep_ in ("acl", "ccomp") and (_has_that(child) or child.tag_ == "VB"):
            content = child
        elif child.dep_ == "prep" and child.lower_ in preps:
            content = next((c for c in child.children if c.dep_ in ("pobj", "pcomp")), None)
        else:
            continue
        if content is None:
            return None
        cue = Cue(tok, tok.idx, tok.idx + len(tok.text), tok.text, holder, "nominal")
        return cue, (
            child.i + 1 if child.dep_ == "prep" else content.left_edge.i,
            content.right_edge.i,
            content,
        )
    return None


def _has_perfect_aux(verb: Token) -> bool:
    """True for "has said" (a perfect), False for "was told" or a bare "asked"."""
    deps = {c.dep_: lemma(c) for c in verb.children if c.dep_ in ("aux", "auxpass")}
    return deps.get("aux") == "have" and "auxpass" not in deps


def reports_clause(cue: Cue, content: Token, kind: str) -> bool:
    """Whether a cue's clause is a quote, given how weak the cue is and who speaks."""
    verb = cue.token
    if negated(verb) or _hypothetical(verb):
        return False
    subj = cue.speaker_head
    if subj is None and _infinitive(verb) or subj is not None and subj.lower_ == "you":
        return False  # "Tell him why", "to say that", "when you say": no one is quoted
    wh_clause = any(
        c.lower_ in QUESTION_WORDS for c in content.children if c.dep_ in ("mark", "advmod")
    )
    if wh_clause or cue.kind == "question" and content.left_edge.lower_ in QUESTION_WORDS:
        return False  # "asked whether ...", "recalls how ...": a question or a story
    if cue.kind == "finding":
        return verb.dep_ != "relcl" and not _hypothetical(verb)
    weak = cue.kind in ("belief", "weak")
    if weak and subj is not None and lemma(subj) in DOCUMENT_NOUNS:
        return False  # "the study found", "data suggests": findings, not quotes
    if cue.kind == "belief":
        return (
            _has_that(content) and subj is not None and subj.pos_ != "PRON" and verb.dep_ != "relcl"
        )
    if cue.kind == "weak":
        return kind != "indirect" or _has_that(content)
    if cue.kind in ("stance", "label") or is_stance_content(content):
        return _holds_stance(verb, subj)
    return True


def _holds_stance(verb: Token, subj: Token | None) -> bool:
    """A stance verb reports a stance only when someone takes it, as an act in the story.

    "it supports" or "this backs" holds none; an infinitive ("to defend the plan"), a gerund
    after a preposition ("for dismissing critics") or a clause of time or condition ("when
    they dismiss it") describes an act or a purpose, not a position taken.
    """
    if subj is None or subj.lower_ in _NON_HOLDERS or _infinitive(verb):
        return False
    # "..., endorsing Smith": a participle set off by a comma after its clause adds a second
    # act of a named subject; other participles describe a manner or purpose.
    second_act = _trailing_participle(verb) and subj.pos_ in ("PROPN", "PRON")
    participle = verb.dep_ == "pcomp" or verb.tag_ == "VBG" and verb.dep_ in ("advcl", "xcomp")
    if participle and not second_act:
        return False
    if lemma(verb) in DESIRE_VERBS:
        return verb.dep_ in ("ROOT", "conj") and subj.pos_ == "PROPN"
    return not (
        verb.dep_ == "advcl"
        and any(c.dep_ == "mark" or c.lower_ in QUESTION_WORDS for c in verb.children)
    )


def _infinitive(verb: Token) -> bool:
    """A bare verb that is not finite: "to defend the plan", not "did defend the plan"."""
    return verb.tag_ == "VB" and not any(
        c.dep_ == "aux" and lemma(c) == "do" for c in verb.children
    )


def _trailing_participle(verb: Token) -> bool:
    """ "She went further, endorsing Smith": a participial clause after a comma, no mark."""
    doc = verb.doc
    first = verb.left_edge.i
    return (
        verb.tag_ == "VBG"
        and verb.dep_ == "advcl"
        and verb.head.i < verb.i
        and first > 0
        and doc[first - 1].text == ","
        and not any(c.dep_ == "mark" for c in verb.children)
    )


def _hypothetical(verb: Token) -> bool:
    """A cue under a modal ("will argue", "would say") reports what might be said."""
    return any(c.dep_ == "aux" and c.lower_ in MODAL_VERBS for c in verb.children)


def negated(verb: Token) -> bool:
    """A negated cue ("did not say", "wouldn't comment") reports nothing."""
    return any(c.dep_ == "neg" for c in verb.children)


def _has_that(tok: Token) -> bool:
    return any(c.dep_ == "mark" and c.lower_ in ("that", "if", "whether") for c in tok.children)


def nearby_cue(
    doc: Doc, inside: list[int], rng: tuple[int, int], text: str, q: QuotedSpan
) -> Cue | None:
    """Find the speech verb just after or before a quotation, within its sentence."""
    first, last = rng
    if last < first:
        return None
    after = _scan(doc, inside, last + 1, 1, AFTER_WINDOW)
    before = _scan(doc, inside, first - 1, -1, BEFORE_WINDOW)
    inner = text[q.start : q.end].rstrip("\"'”’»").rstrip()
    ends_sentence = bool(inner) and inner[-1] == "."
    nxt = doc[last + 1] if last + 1 < len(doc) else None
    new_sentence = ends_sentence and nxt is not None and nxt.text[:1].isupper()
    if after is not None and not new_sentence:
        return after
    if before is None and first > 0 and doc[first - 1].text == ":":
        before = _colon_cue(doc, doc[first - 1])
    return before if before is not None else after if not new_sentence else None


def _colon_cue(doc: Doc, colon: Token) -> Cue | None:
    """'Musk took to Twitter with this: "..."': the subject before a colon introduces it."""
    verb = colon.head if colon.head.pos_ in ("VERB", "AUX") else colon.sent.root
    if verb.i > colon.i:
        # The parser hung the colon on the quotation's verb ("X was blunt about it: "It
        # will fail""): the introducing clause is the last one before the colon.
        verb = next(
            (
                doc[i]
                for i in range(colon.i - 1, colon.sent.start - 1, -1)
                if doc[i].pos_ in ("VERB", "AUX") and has_subject(doc[i])
            ),
            verb,
        )
    subject = find_subject(verb) if verb.i < colon.i else None
    if subject is None or subject.pos_ not in ("PROPN", "NOUN", "PRON"):
        return None
    return Cue(colon, colon.idx, colon.idx + 1, ":", subject, "label")


def _scan(doc: Doc, inside: list[int], i: int, step: int, limit: int) -> Cue | None:
    """Walk from token i in one direction until a sentence break, another quote or a cue."""
    for _ in range(limit):
        if i < 0 or i >= len(doc):
            return None
        tok = doc[i]
        if inside[i] != -1 or "\n" in tok.text:
            return None
        if step == 1 and tok.text in _SENTENCE_END:
            return None
        if step == -1 and tok.text in _SENTENCE_END:
            return None
        cue = cue_at(doc, tok)
        if cue is not None and cue.kind not in ("belief", "stance", "finding", "label"):
            return cue
        i += step
    return None
