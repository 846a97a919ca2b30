"""What a cue reports: the clause of a speech verb, the object of a stance verb, the pieces
around a parenthetical or closing cue, and the clause an "according to" phrase attributes."""

from __future__ import annotations

from spacy.tokens import Doc, Span, Token

from articles.nlp.fastpipes import lemma
from articles.nlp.lexicon import (
    CONTENT_DEPS,
    DESIRE_VERBS,
    LABELLING_VERBS,
    QUESTION_WORDS,
    REQUEST_PREP_VERBS,
    REQUEST_VERBS,
    SPEECH_VERBS,
    STANCE_PREP_VERBS,
    STANCE_VERBS,
)
from articles.nlp.speakers import find_subject

# Dependents that make a verb transitive: such a verb describes an act, not a closing cue.
_OBJECT_DEPS = frozenset({"dobj", "ccomp", "xcomp", "attr", "oprd", "dative", "acomp"})

STANCE_LEMMAS = STANCE_VERBS | DESIRE_VERBS | frozenset(STANCE_PREP_VERBS)

# Infinitives after a stance verb that report no position: "declined to comment".
SILENT_XCOMPS = SPEECH_VERBS | frozenset({"comment", "answer", "discuss", "elaborate", "speak"})

# Punctuation trimmed from the edges of a reported clause.
_EDGE_PUNCT = ",;:—–-"


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


def is_stance_content(content: Token) -> bool:
    """An object or bare infinitive, as stance_content finds; speech clauses are not."""
    return content.dep_ in ("dobj", "pobj", "pcomp") or (
        content.dep_ == "xcomp" and not has_subject(content)
    )


def _is_when(prep: Token) -> bool:
    """A prepositional phrase of time ("on Monday", "for years")."""
    return any(t.ent_type_ in ("DATE", "TIME") for t in prep.subtree)


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
