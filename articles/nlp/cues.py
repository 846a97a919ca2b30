"""Quote cues: speech and stance verbs, stance nouns and "according to" phrases, and the
clauses or phrases they report."""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from articles.nlp.fastpipes import lemma
from articles.nlp.lexicon import (
    ACCORDING_TO_PHRASES,
    COGNITION_VERBS,
    CONTENT_DEPS,
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
    REQUEST_PREP_VERBS,
    REQUEST_VERBS,
    SPEECH_VERBS,
    STANCE_PREP_VERBS,
    STANCE_VERBS,
    TITLE_SMALL_WORDS,
    WEAK_SPEECH_VERBS,
)
from articles.nlp.quotemarks import QuotedSpan
from articles.nlp.speakers import find_subject

# Dependents that make a verb transitive: such a verb describes an act, not a closing cue.
_OBJECT_DEPS = frozenset({"dobj", "ccomp", "xcomp", "attr", "oprd", "dative", "acomp"})

# How far (tokens) to look after / before a quotation for its speech verb.
AFTER_WINDOW = 12
BEFORE_WINDOW = 30

STANCE_LEMMAS = STANCE_VERBS | DESIRE_VERBS | frozenset(STANCE_PREP_VERBS)

# Infinitives after a stance verb that report no position: "declined to comment".
SILENT_XCOMPS = SPEECH_VERBS | frozenset({"comment", "answer", "discuss", "elaborate", "speak"})

# Every lemma cue_at has to look at.
CUE_LEMMAS = CUE_VERBS | FINDING_VERBS | LABELLING_VERBS | REQUEST_VERBS

# Subjects that hold no stance of their own ("it backs", "this supports").
_NON_HOLDERS = frozenset({"it", "this", "that", "there", "what", "which"})

_SENTENCE_END = frozenset({".", "!", "?"})

# Punctuation trimmed from the edges of a reported clause.
_EDGE_PUNCT = ",;:—–-"


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


def _is_when(prep: Token) -> bool:
    """A prepositional phrase of time ("on Monday", "for years")."""
    return any(t.ent_type_ in ("DATE", "TIME") for t in prep.subtree)


def is_stance_content(content: Token) -> bool:
    """An object or bare infinitive, as stance_content finds; speech clauses are not."""
    return content.dep_ in ("dobj", "pobj", "pcomp") or (
        content.dep_ == "xcomp" and not has_subject(content)
    )


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


def content_tokens(verb: Token) -> tuple[int, int, Token] | None:
    """First and last token of the clause a speech verb reports, and the clause's head."""
    content = None
    for child in verb.children:
        # Prefer the clause after the verb: a dateline ("OTTAWA —") can pose as a complement
        # before it.
        if (
            child.dep_ in CONTENT_DEPS
            and (child.dep_ == "ccomp" or has_subject(child))
            and (content is None or child.i > verb.i > content.i)
        ):
            content = child
    if content is None:
        # A misparse hangs "X said" off the reported clause as a modifier; the clause is
        # then the verb's head, to the right of the verb.
        head = verb.head
        if (
            verb.dep_ in ("advmod", "parataxis", "dep", "advcl", "npadvmod")
            and head.i > verb.i
            and head.pos_ in ("VERB", "AUX")
            and has_subject(head)
            and (has_subject(verb) or verb.tag_ != "VBG")
        ):
            first, last = clause_tokens(verb, head)
            return (verb.i + 1, last, head) if verb.i + 1 <= last else None
        return None
    first, last = clause_tokens(verb, content)
    return (first, last, content) if first <= last else None


# Dependents of a stance verb that carry what the stance is about, and those that may follow
# the object as part of it ("accused Smith of lying", "urged voters to stay home").
_STANCE_OBJECT_DEPS = frozenset({"dobj", "xcomp", "ccomp"})
_STANCE_TAIL_DEPS = frozenset({"dobj", "xcomp", "ccomp", "oprd", "prep", "dative"})
_CLAUSE_BREAK_DEPS = frozenset({"punct", "cc", "conj"})
_STANCE_TAIL_PREPS = frozenset({"of", "for", "as", "to", "against", "over", "on", "about"})


def stance_content(verb: Token, finding: bool = False) -> tuple[int, int, Token] | None:
    """What a stance verb is about: its object or infinitive, or the object of its preposition.

    "criticized the plan for its cost", "wants to run", "called for a ban". Only dependents
    after the verb count, and the span stops before time or place adjuncts.
    """
    word = lemma(verb)
    if word in REQUEST_VERBS:
        return _request(verb)
    if word in REQUEST_PREP_VERBS:
        asked = _request(verb, REQUEST_PREP_VERBS[word])
        if asked is not None:
            return asked
    if word in LABELLING_VERBS:
        labelled = _labelled_object(verb)
        if labelled is not None or word not in STANCE_LEMMAS:
            return labelled
    preps = STANCE_PREP_VERBS.get(word)
    head: Token | None = None
    for child in verb.rights:
        if (finding or word in STANCE_VERBS or word in DESIRE_VERBS) and (
            child.dep_ in _STANCE_OBJECT_DEPS
        ):
            head = child
            break
        if preps is not None and child.dep_ == "advcl":
            mark = next((c for c in child.children if c.dep_ == "mark"), None)
            if mark is not None and mark.lower_ in preps and mark.i < child.i:
                # "called for the troops to withdraw": a clause the parse opens with "for".
                return mark.i + 1, child.right_edge.i, child
        if preps is not None and child.dep_ in ("prep", "prt") and child.lower_ in preps:
            obj = next((c for c in child.children if c.dep_ in ("pobj", "pcomp")), None)
            if obj is None and child.dep_ == "prt":
                continue  # "spoke out against": the preposition follows the particle
            head = obj
            break
    if head is None or head.dep_ == "xcomp" and lemma(head) in SILENT_XCOMPS:
        return None  # "declined to comment", "refused to say": no position is stated
    first, last = head.left_edge.i, head.right_edge.i
    if finding:
        # A finding runs to the end of its clause: "shows Rubio third, at 11 percent".
        last = max(
            [last] + [c.right_edge.i for c in verb.rights if c.dep_ not in _CLAUSE_BREAK_DEPS]
        )
    for child in verb.rights:
        if child.i <= last:
            continue
        if child.dep_ not in _STANCE_TAIL_DEPS or (
            child.dep_ == "prep" and (child.lower_ not in _STANCE_TAIL_PREPS or _is_when(child))
        ):
            break
        last = child.right_edge.i
    return (first, last, head) if first <= last else None


def _request(verb: Token, preps: frozenset[str] = frozenset()) -> tuple[int, int, Token] | None:
    """Someone asked to do something: "asked voters to stay home", "invited him to speak",
    or with one of `preps` before the person: "called on Congress to act"."""
    obj = next((c for c in verb.rights if c.dep_ == "dobj"), None)
    if preps:
        prep = next(
            (c for c in verb.rights if c.dep_ in ("prep", "prt") and c.lower_ in preps), None
        )
        obj = next((c for c in prep.children if c.dep_ == "pobj"), None) if prep else None
    if obj is None:
        return None
    act = next((c for c in verb.rights if c.i > obj.i and c.dep_ == "xcomp"), None)
    return (obj.left_edge.i, act.right_edge.i, obj) if act is not None else None


def _labelled_object(verb: Token) -> tuple[int, int, Token] | None:
    """A thing and what it is called: "called the plan a disaster", "described it as unfair"."""
    obj = next((c for c in verb.rights if c.dep_ == "dobj"), None)
    if obj is None:
        return None
    label = next(
        (
            c
            for c in verb.rights
            if c.i > obj.i and (c.dep_ == "oprd" or c.dep_ == "prep" and c.lower_ == "as")
        ),
        None,
    )
    return (obj.left_edge.i, label.right_edge.i, obj) if label is not None else None


def content_pieces(
    verb: Token, sent: Span, parenthetical: bool, finding: bool = False
) -> list[tuple[int, int, Token]]:
    """The token ranges a cue reports, with each range's head token.

    Usually one clause. A parenthetical cue ("It is late, she said, and we must go") reports
    the clause it interrupts: the part before it and the part after it, which news
    annotators treat as two quotes. A cue closing its sentence (", argued Smith.") reports
    everything before its comma even when the parse does not link the two.
    """
    pieces = []
    own = content_tokens(verb)
    if own is None:
        own = stance_content(verb, finding)
    if own is None:
        own = _as_reported(verb)
    if own is not None:
        pieces.append(own)
    if not parenthetical:
        return pieces
    doc = verb.doc
    if verb.dep_ == "parataxis":
        head = verb.head
        left_first, left_last = head.left_edge.i, verb.left_edge.i - 1
        if left_first <= left_last:
            pieces.append((left_first, left_last, head))
        right_first, right_last = verb.right_edge.i + 1, head.right_edge.i
        if own is None and head.i < verb.i and right_first <= right_last:
            first_word = doc[right_first]
            while first_word.is_punct and first_word.i < right_last:
                first_word = doc[first_word.i + 1]
            if first_word.lower_ != "according":
                pieces.append((first_word.i, right_last, head))
    elif own is None:
        comma = _closing_cue_comma(verb, sent)
        if comma is not None and comma > sent.start:
            pieces.append((sent.start, comma - 1, doc[comma - 1]))
    return pieces


def _as_reported(verb: Token) -> tuple[int, int, Token] | None:
    """The clause an "as X reported" aside attributes: "The deal collapsed, as the Times
    reported on Monday." """
    head = verb.head
    if verb.dep_ != "advcl" or head.i > verb.i or not has_subject(verb):
        return None
    if not any(c.dep_ == "mark" and c.lower_ == "as" for c in verb.children):
        return None
    if any(
        c.dep_ not in ("advmod", "npadvmod", "punct") and not (c.dep_ == "prep" and _is_when(c))
        for c in verb.rights
    ):
        return None  # "as the two sides agreed to talk": a time, not a source
    first, last = head.left_edge.i, verb.left_edge.i - 1
    doc = verb.doc
    while last >= first and doc[last].is_punct:
        last -= 1
    return (first, last, head) if first <= last else None


def _closing_cue_comma(verb: Token, sent: Span) -> int | None:
    """Index of the comma before a sentence-final cue (", Smith said." / ", argued Smith.").

    Only a bare cue qualifies: its subject sits after the comma and nothing after the verb
    is an object or a clause, so ", he criticized the plan." or "Smith, the chief, agreed"
    do not.
    """
    doc = verb.doc
    tail = doc[verb.i + 1 : sent.end]
    if verb.tag_ == "VBG" or len(tail) > 8:
        return None
    if any(t.pos_ in ("VERB", "AUX") or t.dep_ in _OBJECT_DEPS for t in tail):
        return None
    i = verb.i - 1
    while i >= sent.start and verb.i - i <= 4 and doc[i].text != ",":
        if doc[i].pos_ in ("VERB", "AUX", "PUNCT") or doc[i].lower_ in QUESTION_WORDS:
            return None
        i -= 1
    if i < sent.start or doc[i].text != ",":
        return None
    subject = find_subject(verb)
    return i if subject is not None and subject.i > i else None


def has_subject(tok: Token) -> bool:
    return any(c.dep_ in ("nsubj", "nsubjpass", "expl") for c in tok.children)


def _has_that(tok: Token) -> bool:
    return any(c.dep_ == "mark" and c.lower_ in ("that", "if", "whether") for c in tok.children)


def clause_tokens(verb: Token, content: Token) -> tuple[int, int]:
    """First and last token of the reported clause, kept to the content's side of the verb.

    A trailing "..., adding that ..." or "..., and Smith said ..." belongs to a cue of its
    own, so the clause stops there.
    """
    first, last = content.left_edge.i, content.right_edge.i
    if content.i > verb.i:
        first = max(first, verb.i + 1)
    else:
        last = min(last, verb.i - 1)
    doc = verb.doc
    for i in range(first + 1, last + 1):
        tok = doc[i]
        if lemma(tok) not in SPEECH_VERBS or tok.pos_ != "VERB":
            continue
        if tok.tag_ == "VBG" and tok.dep_ in ("advcl", "conj", "xcomp"):
            last = tok.left_edge.i - 1
            break
        if tok.dep_ == "conj" and has_subject(tok):
            # "..., and the mayor said ...": a second speaker with a clause of their own.
            last = tok.left_edge.i - 1
            while last > first and (doc[last].is_punct or doc[last].dep_ == "cc"):
                last -= 1
            break
    return first, last


def according_content(doc: Doc, tok: Token, sent: Span) -> tuple[int, int] | None:
    """The clause an "according to X" phrase attributes: its sentence minus the phrase."""
    phrase_first = tok.i
    phrase_last = max(t.i for t in tok.subtree) if tok.dep_ != "ROOT" else tok.i + 1
    # Only the phrase itself; the parse sometimes hangs the whole sentence off "according".
    phrase_last = min(phrase_last, _phrase_end(doc, tok.i, sent.end))
    before = (sent.start, phrase_first - 1)
    after = (phrase_last + 1, sent.end - 1)
    first, last = after if after[1] - after[0] >= before[1] - before[0] else before
    if last < first:
        return None
    start, end = trim_clause(
        sent.text,
        doc[first].idx - sent.start_char,
        doc[last].idx + len(doc[last].text) - sent.start_char,
    )
    start, end = start + sent.start_char, end + sent.start_char
    return (start, end) if end - start > 1 else None


def _phrase_end(doc: Doc, i: int, sent_end: int) -> int:
    """Last token of "according to X": up to the next comma or the sentence end."""
    j = i
    while j + 1 < sent_end and doc[j + 1].text not in (",", ";", ":", "—", "–") and j - i < 12:
        j += 1
    return j


def trim_clause(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim whitespace and edge punctuation from a clause span."""
    while start < end and (text[start].isspace() or text[start] in _EDGE_PUNCT):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in _EDGE_PUNCT + "."):
        end -= 1
    return start, end


def is_embedded(text: str, q: QuotedSpan) -> bool:
    """True when a quotation continues a sentence mid-flow: a word right before the mark."""
    i = q.start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i >= 0 and (text[i].isalnum() or text[i] in "%$)")


def is_heading(text: str, q: QuotedSpan) -> bool:
    """True for a quotation standing alone on its line with no closing punctuation: a
    subheading that pulls a phrase from the article ('Life was hard'), not a quote of its own."""
    line_start = text.rfind("\n", 0, q.start) + 1
    line_end = text.find("\n", q.end)
    line_end = len(text) if line_end == -1 else line_end
    if text[line_start : q.start].strip() or text[q.end : line_end].strip():
        return False
    inner = text[q.start : q.end].rstrip("\"'”’»").rstrip()
    return bool(inner) and (inner[-1] not in ".,!?…" or _title_cased(inner))


def _title_cased(quoted: str) -> bool:
    """A few words, every one capitalised but the small ones: 'Coal Is Not the Villain.'"""
    words = quoted.strip("\"'“”‘’«» ,.!?").split()
    return 2 <= len(words) <= 8 and all(
        w[:1].isupper() or w.lower() in TITLE_SMALL_WORDS for w in words
    )


def is_title(text: str, q: QuotedSpan) -> bool:
    """True for the name of a show, book or film ('on CNN's "State of the Union"'): a few
    words, each capitalised, after a possessive or a preposition."""
    if not _title_cased(text[q.start : q.end]):
        return False
    before = text[max(0, q.start - 12) : q.start].split()
    return bool(before) and (
        before[-1].lower() in TITLE_SMALL_WORDS or before[-1].endswith(("'s", "’s"))
    )


def is_utterance(text: str, q: QuotedSpan) -> bool:
    """True when a short quotation reads as something said ('"No," he said'), not a title."""
    inner = text[q.start : q.end].rstrip("\"'”’»").rstrip()
    return bool(inner) and inner[-1] in ",.!?"


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
