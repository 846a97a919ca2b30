"""Quotations, their cues and their speakers.

Three sources of quotes, reconciled in one pass:
- quotation marks (direct quotes), attributed to a speech verb found beside them;
- speech verbs with a clause complement (indirect quotes, "mixed" when the clause holds a
  quotation);
- "according to X" adjuncts, which attribute the rest of their sentence to X.
A quotation with no cue nearby continues the previous speaker, as news prose does.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Token

from articles.nlp.lexicon import (
    ACCORDING_TO_PHRASES,
    BOILERPLATE_LABELS,
    CONTENT_DEPS,
    LABELLING_VERBS,
    SPEECH_VERBS,
    WEAK_SPEECH_VERBS,
)
from articles.nlp.quotemarks import QuotedSpan, find_quoted_spans
from articles.nlp.results import EntityCluster, EntityMention, QuoteSpan
from articles.nlp.speakers import Speaker, SpeakerResolver, find_subject

# Quotations shorter than this (in words) without a cue are scare quotes or titles.
MIN_FLOATING_WORDS = 4
# How far (tokens) to look after / before a quotation for its speech verb.
AFTER_WINDOW = 12
BEFORE_WINDOW = 30
# A quotation with no cue continues the previous speaker only if that quote is this close.
FLOATING_REACH = 900
# Share of an indirect clause that may lie outside quotation marks before it counts as mixed.
MIXED_MIN_OUTSIDE_WORDS = 3

_SENTENCE_END = frozenset({".", "!", "?"})
_EDGE_PUNCT = ",;:—–-"


@dataclass(slots=True)
class _Cue:
    token: Token
    start: int
    end: int
    text: str
    speaker_head: Token | None
    strong: bool
    according: bool = False


@dataclass(slots=True)
class _Found:
    start: int
    end: int
    kind: str
    cue: _Cue | None
    how: str  # "parse", "near", "according", "floating"
    speaker: Speaker | None = None


def find_quotes(
    doc: Doc, entities: list[EntityCluster], mentions: list[EntityMention]
) -> list[QuoteSpan]:
    """Return the quotes in the document, each attributed where possible."""
    if not len(doc):
        return []
    quoted = find_quoted_spans(doc.text)
    inside, ranges = _index_quotes(doc, quoted)
    found, cue_of, absorbed = _reported_clauses(doc, inside, ranges)
    found.extend(_direct_quotes(doc, quoted, inside, ranges, cue_of, absorbed))
    found.sort(key=lambda f: (f.start, -f.end))
    return _attribute(doc, found, SpeakerResolver(doc, entities, mentions))


def _reported_clauses(
    doc: Doc, inside: list[int], ranges: list[tuple[int, int]]
) -> tuple[list[_Found], dict[int, _Cue], set[int]]:
    """Indirect and mixed quotes from speech verbs; also which quotations a verb introduces."""
    text = doc.text
    found: list[_Found] = []
    cue_of: dict[int, _Cue] = {}  # quoted span index -> cue from the parse
    absorbed: set[int] = set()  # quotations that are part of a mixed quote
    skip_sent = -1
    for tok in doc:
        if inside[tok.i] != -1 or tok.is_space or tok.is_punct:
            continue
        cue = _cue_at(doc, tok)
        if cue is None:
            continue
        sent = tok.sent
        if sent.start == skip_sent or _is_boilerplate(sent):
            skip_sent = sent.start
            continue
        if cue.according:
            content = _according_content(doc, tok)
            if content is not None:
                found.append(_Found(content[0], content[1], "indirect", cue, "according"))
            continue
        clause = _content_tokens(tok)
        if clause is None:
            continue
        first, last, content_tok = clause
        kind, quotes_in = _classify(doc, inside, ranges, first, last)
        if kind == "direct":
            for k in quotes_in:
                cue_of.setdefault(k, cue)
            continue
        if _negated(tok) or not cue.strong and kind == "indirect" and not _has_that(content_tok):
            continue
        if kind == "indirect" and sum(doc[i].is_alpha for i in range(first, last + 1)) < 3:
            continue
        absorbed.update(quotes_in)
        start, end = _trim(text, doc[first].idx, doc[last].idx + len(doc[last].text))
        if end - start > 1:
            found.append(_Found(start, end, kind, cue, "parse"))
    return found, cue_of, absorbed


def _direct_quotes(
    doc: Doc,
    quoted: list[QuotedSpan],
    inside: list[int],
    ranges: list[tuple[int, int]],
    cue_of: dict[int, _Cue],
    absorbed: set[int],
) -> list[_Found]:
    """Quotations not part of a mixed quote, each with its cue (or none: a floating quote)."""
    text = doc.text
    found: list[_Found] = []
    for k, q in enumerate(quoted):
        if k in absorbed or ranges[k][1] < ranges[k][0]:
            continue
        cue = cue_of.get(k)
        how = "parse"
        if cue is None:
            # A quotation inside running prose ('the so-called "reform"') is a scare quote
            # or a fragment unless a speech verb takes it as its whole complement.
            if _is_boilerplate(doc[ranges[k][0]].sent):
                continue
            if _embedded(text, q):
                cue = _governing_cue(doc, ranges[k])
                if cue is None:
                    continue
            else:
                cue = _nearby_cue(doc, inside, ranges[k], text, q)
                how = "near"
        words = q.word_count(text)
        if cue is None:
            if words < MIN_FLOATING_WORDS or not q.closed and words < 2 * MIN_FLOATING_WORDS:
                continue
            how = "floating"
        elif words < MIN_FLOATING_WORDS and how == "near" and not _utterance(text, q):
            continue
        for start, end in _paragraph_pieces(text, q.start, q.end):
            found.append(_Found(start, end, "direct", cue, how))
    return found


def _governing_cue(doc: Doc, rng: tuple[int, int]) -> _Cue | None:
    """The speech or labelling verb a quoted fragment depends on, a few links up the parse."""
    first, last = rng
    root = next(
        (doc[i] for i in range(first, last + 1) if not first <= doc[i].head.i <= last), None
    )
    if root is None:
        return None
    tok = root.head
    for _ in range(4):
        if tok.i == root.i or first <= tok.i <= last:
            return None
        cue = _cue_at(doc, tok)
        if cue is None and tok.lemma_.lower() in LABELLING_VERBS and tok.pos_ == "VERB":
            cue = _Cue(tok, tok.idx, tok.idx + len(tok.text), tok.text, find_subject(tok), True)
        if cue is not None:
            return None if cue.according or _negated(tok) else cue
        if tok.dep_ == "ROOT":
            return None
        tok = tok.head
    return None


def _embedded(text: str, q: QuotedSpan) -> bool:
    """True when a quotation continues a sentence mid-flow: a word right before the mark."""
    i = q.start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i >= 0 and (text[i].isalnum() or text[i] in "%$)")


def _is_boilerplate(sent) -> bool:
    """True for link and video lines ("READ MORE: ...")."""
    head = sent.text[:20].split(":", 1)
    return len(head) == 2 and head[0].strip().lower() in BOILERPLATE_LABELS


def _negated(verb: Token) -> bool:
    """A negated cue ("did not say", "wouldn't comment") reports nothing."""
    return any(c.dep_ == "neg" for c in verb.children)


def _paragraph_pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split a quotation running over several paragraphs into one piece per paragraph.

    Annotators (and reviewers) treat each paragraph of a long quotation as its own quote; the
    pieces share the cue and speaker found for the whole quotation.
    """
    pieces = []
    pos = start
    while True:
        brk = text.find("\n", pos, end)
        if brk == -1:
            pieces.append((pos, end))
            break
        pieces.append((pos, brk))
        pos = brk
        while pos < end and text[pos].isspace():
            pos += 1
    return [(s, _trim_space(text, s, e)) for s, e in pieces if _trim_space(text, s, e) > s]


def _trim_space(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _index_quotes(doc: Doc, quoted: list[QuotedSpan]) -> tuple[list[int], list[tuple[int, int]]]:
    """Map every token to the quoted span containing it (-1 outside); token range per span."""
    inside = [-1] * len(doc)
    ranges: list[tuple[int, int]] = []
    for k, q in enumerate(quoted):
        span = doc.char_span(q.start, q.end, alignment_mode="expand")
        if span is None or not len(span):
            ranges.append((0, -1))
            continue
        ranges.append((span.start, span.end - 1))
        for i in range(span.start, span.end):
            inside[i] = k
    return inside, ranges


def _cue_at(doc: Doc, tok: Token) -> _Cue | None:
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
            return _Cue(tok, tok.idx, end, doc.text[tok.idx : end], obj, True, True)
    lemma = tok.lemma_.lower()
    if lemma not in SPEECH_VERBS or tok.pos_ not in ("VERB", "AUX"):
        return None
    return _Cue(
        tok,
        tok.idx,
        tok.idx + len(tok.text),
        tok.text,
        find_subject(tok),
        lemma not in WEAK_SPEECH_VERBS,
    )


def _content_tokens(verb: Token) -> tuple[int, int, Token] | None:
    """First and last token of the clause a speech verb reports, and the clause's head."""
    content = None
    for child in verb.children:
        if child.dep_ in CONTENT_DEPS and (child.dep_ == "ccomp" or _has_subject(child)):
            content = child
            break
    if content is None:
        # A misparse hangs "X said" off the reported clause as a modifier; the clause is
        # then the verb's head, to the right of the verb.
        head = verb.head
        if (
            verb.dep_ in ("advmod", "parataxis", "dep", "advcl", "npadvmod")
            and head.i > verb.i
            and head.pos_ in ("VERB", "AUX")
            and _has_subject(head)
        ):
            first, last = _clause_tokens(verb, head)
            return (verb.i + 1, last, head) if verb.i + 1 <= last else None
        return None
    first, last = _clause_tokens(verb, content)
    return (first, last, content) if first <= last else None


def _has_subject(tok: Token) -> bool:
    return any(c.dep_ in ("nsubj", "nsubjpass", "expl") for c in tok.children)


def _has_that(tok: Token) -> bool:
    return any(c.dep_ == "mark" and c.lower_ in ("that", "if", "whether") for c in tok.children)


def _clause_tokens(verb: Token, content: Token) -> tuple[int, int]:
    """First and last token of the reported clause, kept to the content's side of the verb.

    A trailing "..., adding that ..." belongs to a cue of its own, so the clause stops there.
    """
    first, last = content.left_edge.i, content.right_edge.i
    if content.i > verb.i:
        first = max(first, verb.i + 1)
    else:
        last = min(last, verb.i - 1)
    doc = verb.doc
    for i in range(first + 1, last + 1):
        tok = doc[i]
        if (
            tok.tag_ == "VBG"
            and tok.dep_ in ("advcl", "conj", "xcomp")
            and tok.lemma_.lower() in SPEECH_VERBS
        ):
            last = tok.left_edge.i - 1
            break
    return first, last


def _classify(
    doc: Doc, inside: list[int], ranges: list[tuple[int, int]], first: int, last: int
) -> tuple[str, list[int]]:
    """Say whether a reported clause is a direct quote, a mixed quote or plain indirect."""
    quotes_in: list[int] = []
    outside_words = 0
    opens_quoted: bool | None = None  # does the clause's first real word sit in a quotation?
    for i in range(first, last + 1):
        k = inside[i]
        if opens_quoted is None and doc[i].is_alpha and doc[i].lower_ != "that":
            opens_quoted = k != -1
        if k == -1:
            if doc[i].is_alpha:
                outside_words += 1
        elif not quotes_in or quotes_in[-1] != k:
            quotes_in.append(k)
    if not quotes_in:
        return "indirect", quotes_in
    # 'He said "we will win"' is direct; 'he said Smith was "a con"' is mixed however short.
    if outside_words == 0 or opens_quoted and outside_words < MIXED_MIN_OUTSIDE_WORDS:
        return "direct", quotes_in
    # Quotations reaching beyond the clause are direct quotes of their own.
    contained = [k for k in quotes_in if ranges[k][0] >= first and ranges[k][1] <= last]
    return "mixed", contained


def _according_content(doc: Doc, tok: Token) -> tuple[int, int] | None:
    """The clause an "according to X" phrase attributes: its sentence minus the phrase."""
    sent = tok.sent
    phrase_first = tok.i
    phrase_last = max(t.i for t in tok.subtree) if tok.dep_ != "ROOT" else tok.i + 1
    # Only the phrase itself; the parse sometimes hangs the whole sentence off "according".
    phrase_last = min(phrase_last, _phrase_end(doc, tok.i, sent.end))
    before = (sent.start, phrase_first - 1)
    after = (phrase_last + 1, sent.end - 1)
    first, last = after if after[1] - after[0] >= before[1] - before[0] else before
    if last < first:
        return None
    start, end = _trim(doc.text, doc[first].idx, doc[last].idx + len(doc[last].text))
    return (start, end) if end - start > 1 else None


def _phrase_end(doc: Doc, i: int, sent_end: int) -> int:
    """Last token of "according to X": up to the next comma or the sentence end."""
    j = i
    while j + 1 < sent_end and doc[j + 1].text not in (",", ";", ":", "—", "–") and j - i < 12:
        j += 1
    return j


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim whitespace and edge punctuation from a clause span."""
    while start < end and (text[start].isspace() or text[start] in _EDGE_PUNCT):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in _EDGE_PUNCT + "."):
        end -= 1
    return start, end


def _utterance(text: str, q: QuotedSpan) -> bool:
    """True when a short quotation reads as something said ('"No," he said'), not a title."""
    inner = text[q.start : q.end].rstrip("\"'”’»").rstrip()
    return bool(inner) and inner[-1] in ",.!?"


def _nearby_cue(
    doc: Doc, inside: list[int], rng: tuple[int, int], text: str, q: QuotedSpan
) -> _Cue | None:
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
    return before if before is not None else after if not new_sentence else None


def _scan(doc: Doc, inside: list[int], i: int, step: int, limit: int) -> _Cue | None:
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
        cue = _cue_at(doc, tok)
        if cue is not None:
            return cue
        i += step
    return None


def _attribute(doc: Doc, found: list[_Found], resolver: SpeakerResolver) -> list[QuoteSpan]:
    """Resolve speakers in text order, carrying the last speaker into cue-less quotations."""
    text = doc.text
    out: list[QuoteSpan] = []
    last_speaker: Speaker | None = None
    last_end = -(10**9)
    for f in found:
        speaker: Speaker | None = None
        if f.cue is not None and f.cue.speaker_head is not None:
            speaker = resolver.resolve(f.cue.speaker_head)
            resolver.note_speaker(speaker.start, speaker.cluster)
        elif (
            f.how == "floating" and last_speaker is not None and f.start - last_end < FLOATING_REACH
        ):
            speaker = last_speaker
        if speaker is not None:
            last_speaker, last_end = speaker, f.end
        out.append(_quote_span(text, f, speaker))
    return out


def _confidence(f: _Found, speaker: Speaker | None) -> float:
    """How sure we are, for ordering the review queue: lowest needs a human first."""
    base = {"parse": 0.9, "according": 0.85, "near": 0.85, "floating": 0.55}[f.how]
    if f.cue is not None and not f.cue.strong:
        base -= 0.15
    if speaker is None:
        return round(base * 0.4, 3)
    factor = {"name": 1.0, "role": 0.9, "group": 0.9, "pronoun": 0.85, "other": 0.75}[speaker.kind]
    if speaker.kind == "pronoun" and speaker.cluster is None:
        factor = 0.6
    return round(max(0.0, min(1.0, base * factor)), 3)


def _quote_span(text: str, f: _Found, speaker: Speaker | None) -> QuoteSpan:
    cue = f.cue
    return QuoteSpan(
        start=f.start,
        end=f.end,
        text=text[f.start : f.end],
        kind=f.kind,
        cue=cue.text if cue else "",
        cue_start=cue.start if cue else None,
        cue_end=cue.end if cue else None,
        speaker=speaker.name if speaker else None,
        speaker_text=speaker.text if speaker else None,
        speaker_start=speaker.start if speaker else None,
        speaker_end=speaker.end if speaker else None,
        speaker_cluster=speaker.cluster if speaker else None,
        confidence=_confidence(f, speaker),
    )
