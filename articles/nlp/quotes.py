"""Quotations, their cues and their speakers.

Four sources of quotes, reconciled in one pass:
- quotation marks (direct quotes), attributed to a speech verb found beside them;
- speech verbs with a clause complement (indirect quotes, "mixed" when the clause holds a
  quotation), and, more weakly, verbs and nouns of stance with what they are about
  ("criticized the plan", "polls show Smith ahead", "her call for a recount");
- "according to X" adjuncts (and a sentence opening "In the latest poll, ..."), which
  attribute the rest of their sentence to X.
A quotation with no cue nearby continues the previous speaker, as news prose does.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, replace

from spacy.tokens import Doc, Token

from articles.nlp.attribution import AttributionModel, find_attributions
from articles.nlp.content import (
    according_content,
    clause_tokens,
    content_pieces,
    has_subject,
    is_stance_content,
    trim_clause,
)
from articles.nlp.cues import Cue, cue_at, nearby_cue, negated, nominal_cue, reports_clause
from articles.nlp.docindex import (
    Sentences,
    doc_text,
    index_quotes,
    paragraph_pieces,
    trim_space,
)
from articles.nlp.fastpipes import lemma
from articles.nlp.labels import dash_name_after, label_at, signature_at
from articles.nlp.lexicon import FIRST_PERSON, LABELLING_VERBS
from articles.nlp.quotemarks import QuotedSpan, find_quoted_spans, trim_edges
from articles.nlp.quoteshape import is_embedded, is_heading, is_title, is_utterance
from articles.nlp.results import EntityCluster, EntityMention, QuoteSpan
from articles.nlp.speakers import Speaker, SpeakerResolver, find_subject, relative_subject

# Quotations shorter than this (in words) without a cue are scare quotes or titles.
MIN_FLOATING_WORDS = 4
# A quotation with no cue continues the previous speaker only if that quote is this close.
FLOATING_REACH = 900
# Confidence of a cue-less quotation given the speaker of the attribution before it.
CARRIED_CONFIDENCE = 0.45
# Share of an indirect clause that may lie outside quotation marks before it counts as mixed.
MIXED_MIN_OUTSIDE_WORDS = 3
# Most characters between two parts of one interrupted quotation ('," the minister said. "').
CONTINUATION_GAP = 80


@dataclass(slots=True)
class _Found:
    """A quote found but not yet attributed; offsets are character offsets."""

    start: int
    end: int
    kind: str
    cue: Cue | None
    how: str  # "parse", "near", "according", "label", "floating"
    speaker: Speaker | None = None  # set directly for layout labels
    mark: tuple[int, int] | None = None  # the label's colon or dash when there is no verb


def find_quotes(
    doc: Doc,
    entities: list[EntityCluster],
    mentions: list[EntityMention],
    attribution_model: AttributionModel | None = None,
) -> list[QuoteSpan]:
    """Return the quotes in the document, each attributed where possible.

    `attribution_model` replaces the shipped one (cross-validation fits one per fold).
    """
    if not len(doc):
        return []
    text = doc_text(doc)
    quoted = find_quoted_spans(text)
    inside, ranges = index_quotes(doc, quoted)
    sents = Sentences(doc, text)
    resolver = SpeakerResolver(doc, entities, mentions)
    found, cue_of, absorbed = _reported_clauses(doc, sents, inside, ranges)
    direct = _direct_quotes(doc, sents, quoted, inside, ranges, cue_of, absorbed)
    found.extend(_labelled(text, direct, resolver))
    found.extend(_labelled_paragraphs(doc, text, inside, resolver))
    found.sort(key=lambda f: (f.start, -f.end))
    quotes = _attribute(text, _distinct(found), resolver)
    quotes = _continued(text, _joined(text, _outermost(text, quotes)))
    quotes.extend(find_attributions(doc, quotes, resolver, attribution_model))
    quotes.sort(key=lambda q: (q.start, -q.end))
    return _quoted_first_person(_carried(quotes))


def _quoted_first_person(quotes: list[QuoteSpan]) -> list[QuoteSpan]:
    """ "I" or "we" inside a quotation speaks for whoever the quotation quotes:
    '"I told him we would not wait," Doe said' is Doe's, twice.

    Each speaker looks up its host by binary search among the quotations that start before it
    (the latest one wins), so 50,000 quotation marks stay fast."""
    hosts = sorted(
        (q for q in quotes if q.kind == "direct" and q.speaker_cluster is not None),
        key=lambda q: q.start,
    )
    if not hosts:
        return quotes
    starts = [h.start for h in hosts]
    out = []
    for q in quotes:
        if _first_person(q) and q.speaker_start is not None:
            at = q.speaker_start
            i = bisect_right(starts, at) - 1
            host = hosts[i] if i >= 0 else None
            if host is not None and host is not q and at < host.end:
                q = replace(
                    q,
                    speaker=host.speaker,
                    speaker_cluster=host.speaker_cluster,
                    speaker_evidence=f"“{q.speaker_text}” speaks inside a quotation "
                    f"from {host.speaker}.",
                )
        out.append(q)
    return out


def _follows(name: str | None) -> str:
    """Evidence for a quotation with no cue that takes the speaker of the one before it."""
    return f"No speech verb; it follows a quotation from {name}." if name else ""


def _carried(quotes: list[QuoteSpan]) -> list[QuoteSpan]:
    """A quotation with no cue and no speaker, just after a quote or attribution that has one,
    is that speaker's: 'Smith said having him back was a boost. "You can see his impact."'

    The cue-less quotes after direct quotes got their speaker in _attribute; this covers
    the ones after an attribution the model found later.
    """
    last: QuoteSpan | None = None
    out = []
    for q in quotes:
        cueless = q.speaker_text is None and not q.cue and q.kind == "direct"
        if cueless and last is not None and q.start - last.end < FLOATING_REACH:
            q = replace(
                q,
                speaker=last.speaker,
                speaker_text=last.speaker_text,
                speaker_start=last.speaker_start,
                speaker_end=last.speaker_end,
                speaker_cluster=last.speaker_cluster,
                speaker_evidence=_follows(last.speaker),
                confidence=CARRIED_CONFIDENCE,
            )
        if q.speaker_text is not None:
            last = q
        out.append(q)
    return out


def _joined(text: str, quotes: list[QuoteSpan]) -> list[QuoteSpan]:
    """Mark a quote continuing the one before it when the two overlap and share a speaker.

    A reported clause and the quotation it holds are found apart; when the quotation runs
    on past the clause ('called Burma a "good news story in an era when ..."'), each covers
    part of the other: two parts of one quotation. `quotes` is sorted by start.
    """
    out: list[QuoteSpan] = []
    for q in quotes:
        prev = out[-1] if out else None
        if prev is not None and q.end > prev.end and _same_speaker(prev, q):
            _, prev_end = trim_edges(text, prev.start, prev.end)
            start, _ = trim_edges(text, q.start, q.end)
            if start < prev_end:
                q = replace(q, continues=True)
        out.append(q)
    return out


def _continued(text: str, quotes: list[QuoteSpan]) -> list[QuoteSpan]:
    """Mark the later parts of one quotation, each continuing the quote before it.

    A quote continues the one before it, said by the same speaker, when
    - it has no cue of its own and lies in the same paragraph ('"Q1," she said, and went on
      at length about the vote. "Q2."' or 'X said that Q1. "Q2."');
    - it shares that quote's cue: the cue interrupts one sentence ('Q1, she said, Q2');
    - both are direct and only a short stretch of the paragraph lies between them; or
    - both are direct and it has no cue and opens the paragraph after it, even when that
      paragraph ends with the cue (a quotation running over paragraphs).
    """
    out: list[QuoteSpan] = []
    for q in quotes:
        prev = out[-1] if out else None
        if prev is not None and _same_speaker(prev, q) and q.start >= prev.end:
            gap = text[prev.end : q.start]
            one_paragraph = "\n" not in gap
            both_direct = q.kind == prev.kind == "direct"
            if (
                (one_paragraph and (not q.cue or q.cue_start in (prev.cue_start, None)))
                or (one_paragraph and both_direct and len(gap) <= CONTINUATION_GAP)
                or (both_direct and not q.cue and _opens_next_paragraph(gap))
            ):
                q = replace(q, continues=True)
        out.append(q)
    return out


def _opens_next_paragraph(gap: str) -> bool:
    """Whether the text after `gap` opens the paragraph after the one `gap` starts in."""
    lines = gap.split("\n")
    return len(lines) > 1 and not any(line.strip() for line in lines[1:])


def _same_speaker(a: QuoteSpan, b: QuoteSpan) -> bool:
    if a.speaker_cluster is not None:
        return a.speaker_cluster == b.speaker_cluster
    if b.speaker_cluster is None and _first_person(a) and _first_person(a) == _first_person(b):
        return True  # the one writer, "I" each time
    return a.speaker_start is not None and a.speaker_start == b.speaker_start


def _first_person(q: QuoteSpan) -> str:
    said = (q.speaker_text or "").lower()
    return said if said in FIRST_PERSON else ""


def _distinct(found: list[_Found]) -> list[_Found]:
    """Drop repeats of one span: a mixed clause is found both from its verb and from the
    quotation inside it when that quotation runs past the clause."""
    out: list[_Found] = []
    for f in found:
        if out and out[-1].start == f.start and out[-1].end == f.end:
            continue
        out.append(f)
    return out


def _outermost(text: str, quotes: list[QuoteSpan]) -> list[QuoteSpan]:
    """Drop quotes lying inside reported speech already found.

    A quoted phrase inside an indirect or mixed quote ("she said the plan was 'a disgrace'")
    belongs to that quote, not to a second one. Spans are compared without their quote marks
    and edge punctuation; `quotes` is sorted by start, longest first.
    """
    out: list[QuoteSpan] = []
    covered = -1  # where the furthest reaching indirect or mixed quote kept so far ends
    for q in quotes:
        _, end = trim_edges(text, q.start, q.end)
        if end <= covered and out:
            continue
        out.append(q)
        if q.kind != "direct":
            covered = max(covered, end)
    return out


def _labelled(text: str, direct: list[_Found], resolver: SpeakerResolver) -> list[_Found]:
    """Give quotations a speaker from layout: 'PENCE: ...' inside them, '― Name' after them."""
    for f in direct:
        label = label_at(text, f.start)
        if label is not None and label[2] < f.end - 1:
            speaker = resolver.resolve_label(label[0], label[1])
            if speaker is not None:
                f.start, f.speaker, f.mark, f.how = label[2], speaker, (label[1], label[2]), "label"
                continue
        name_at = dash_name_after(text, f.end)
        if name_at is not None and f.how != "parse":
            name_end = name_at
            while name_end < len(text) and (text[name_end].isalpha() or text[name_end] in " .'-"):
                name_end += 1
            speaker = resolver.resolve_label(name_at, trim_space(text, name_at, name_end))
            if speaker is not None and speaker.cluster is not None:
                f.speaker, f.mark, f.how = speaker, (f.end, name_at), "label"
    return direct


def _labelled_paragraphs(
    doc: Doc, text: str, inside: list[int], resolver: SpeakerResolver
) -> list[_Found]:
    """Paragraphs outside quotes attributed by layout: opened by a named label ("John McCain:
    Anger is ...") or signed with a name after the last sentence (a pull quote)."""
    found: list[_Found] = []
    pos = 0
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end == -1 else end
        label = label_at(text, pos) if text[pos : pos + 1] not in "\"“'‘" else None
        if label is not None:
            tok = doc.char_span(label[0], label[1], alignment_mode="expand")
            speaker = resolver.resolve_label(label[0], label[1])
            if tok is not None and inside[tok.start] == -1 and speaker is not None:
                content_end = trim_space(text, label[2], end)
                content = text[label[2] : content_end]
                if speaker.cluster is not None and any(c.isalpha() for c in content):
                    mark = (label[1], label[2])
                    found.append(
                        _Found(label[2], content_end, "indirect", None, "label", speaker, mark)
                    )
        else:
            signed = _signed_paragraph(text, pos, end, inside, doc, resolver)
            if signed is not None:
                found.append(signed)
        pos = end + 1
    return found


def _signed_paragraph(
    text: str, start: int, end: int, inside: list[int], doc: Doc, resolver: SpeakerResolver
) -> _Found | None:
    """A pull quote: a paragraph of words followed by the name of the person who said them."""
    signature = signature_at(text, start, end)
    if signature is None:
        return None
    content_end, name_start, name_end = signature
    first = doc.char_span(start, content_end, alignment_mode="expand")
    speaker = resolver.resolve_label(name_start, name_end)
    if first is None or inside[first.start] != -1 or speaker is None or speaker.cluster is None:
        return None
    mention = resolver.mention_at(name_start, name_end)
    if mention is None or mention.label != "PERSON" or mention.start != name_start:
        return None
    return _Found(start, content_end, "indirect", None, "label", speaker, (name_start, name_end))


def _reported_clauses(
    doc: Doc, sents: Sentences, inside: list[int], ranges: list[tuple[int, int]]
) -> tuple[list[_Found], dict[int, Cue], set[int]]:
    """Indirect and mixed quotes from speech verbs; also which quotations a verb introduces."""
    text = sents.text
    found: list[_Found] = []
    cue_of: dict[int, Cue] = {}  # quoted span index -> cue from the parse
    absorbed: set[int] = set()  # quotations that are part of a mixed quote
    for tok in doc:
        if inside[tok.i] != -1 or tok.is_space or tok.is_punct:
            continue
        cue = cue_at(doc, tok)
        if cue is None:
            nominal = nominal_cue(tok)
            if nominal is not None and not sents.is_boilerplate(tok.i):
                found.extend(_nominal_quote(doc, text, inside, ranges, *nominal))
            continue
        if sents.is_boilerplate(tok.i):
            continue
        if cue.according:
            content = according_content(doc, tok, sents.of(tok.i))
            if content is not None:
                found.append(_Found(content[0], content[1], "indirect", cue, "according"))
            continue
        pieces = content_pieces(
            tok, sents.of(tok.i), cue.kind == "speech", finding=cue.kind == "finding"
        )
        for first, last, content_tok in pieces:
            kind, quotes_in = _classify(doc, inside, ranges, first, last)
            if cue.kind == "label" and quotes_in and content_tok.dep_ == "dobj":
                continue  # 'called it "a disaster"': the quoted label is the quote
            if kind == "direct":
                for k in quotes_in:
                    cue_of.setdefault(k, cue)
                continue
            if not reports_clause(cue, content_tok, kind):
                continue
            words = sum(doc[i].is_alpha for i in range(first, last + 1))
            if kind == "indirect" and words < (1 if content_tok.pos_ == "PROPN" else 3):
                continue
            absorbed.update(quotes_in)
            start, end = trim_clause(text, doc[first].idx, doc[last].idx + len(doc[last].text))
            if end - start > 1:
                reported = cue
                if cue.kind == "speech" and is_stance_content(content_tok):
                    # "accused him of lying": a speech verb reporting a stance, not words.
                    reported = replace(cue, kind="stance")
                found.append(_Found(start, end, kind, reported, "parse"))
    return found, cue_of, absorbed


def _nominal_quote(
    doc: Doc,
    text: str,
    inside: list[int],
    ranges: list[tuple[int, int]],
    cue: Cue,
    content: tuple[int, int, Token],
) -> list[_Found]:
    """The content of "Smith's claim that ...", when it is more than a word or two."""
    first, last, _ = content
    kind, _quotes = _classify(doc, inside, ranges, first, last)
    if kind == "direct" or sum(doc[i].is_alpha for i in range(first, last + 1)) < 2:
        return []
    start, end = trim_clause(text, doc[first].idx, doc[last].idx + len(doc[last].text))
    return [_Found(start, end, kind, cue, "parse")] if end - start > 1 else []


def _direct_quotes(
    doc: Doc,
    sents: Sentences,
    quoted: list[QuotedSpan],
    inside: list[int],
    ranges: list[tuple[int, int]],
    cue_of: dict[int, Cue],
    absorbed: set[int],
) -> list[_Found]:
    """Quotations not part of a mixed quote, each with its cue (or none: a floating quote)."""
    text = sents.text
    found: list[_Found] = []
    clauses_done: set[int] = set()
    for k, q in enumerate(quoted):
        if k in absorbed or ranges[k][1] < ranges[k][0]:
            continue
        cue = cue_of.get(k)
        how = "parse"
        if q.single and is_heading(text, q) or is_title(text, q):
            continue
        if cue is None:
            # A quotation inside running prose ('the so-called "reform"') is a scare quote
            # or a fragment unless a speech verb takes it as its whole complement.
            if sents.is_boilerplate(ranges[k][0]):
                continue
            if is_embedded(text, q):
                governed = _governing_cue(doc, ranges[k])
                if governed is None:
                    continue
                cue, clause = governed
                if clause is not None:
                    if clause.i not in clauses_done:
                        clauses_done.add(clause.i)
                        found.append(_mixed_clause(text, cue, clause))
                    continue
            else:
                cue = nearby_cue(doc, inside, ranges[k], text, q)
                how = "near"
        words = q.word_count(text)
        if cue is None:
            if words < MIN_FLOATING_WORDS or not q.closed and words < 2 * MIN_FLOATING_WORDS:
                continue
            how = "floating"
        elif words < MIN_FLOATING_WORDS and how == "near" and not is_utterance(text, q):
            continue
        for start, end in paragraph_pieces(text, q.start, q.end):
            found.append(_Found(start, end, "direct", cue, how))
    return found


def _mixed_clause(text: str, cue: Cue, clause: Token) -> _Found:
    """The reported clause around a quoted fragment, as one mixed quote."""
    doc = clause.doc
    first, last = clause_tokens(cue.token, clause)
    start, end = trim_clause(text, doc[first].idx, doc[last].idx + len(doc[last].text))
    return _Found(start, end, "mixed", cue, "parse")


def _governing_cue(doc: Doc, rng: tuple[int, int]) -> tuple[Cue, Token | None] | None:
    """The speech or labelling verb a quoted fragment depends on, a few links up the parse.

    Also returns the reported clause the fragment sits in when there is one ('tweeted that
    Smith was "a con"'), so the whole clause becomes a mixed quote.
    """
    first, last = rng
    root = next(
        (doc[i] for i in range(first, last + 1) if not first <= doc[i].head.i <= last), None
    )
    if root is None:
        return None
    below = root
    tok = root.head
    for _ in range(4):
        if tok.i == root.i or first <= tok.i <= last:
            return None
        cue = cue_at(doc, tok)
        if cue is None and tok.pos_ == "VERB" and lemma(tok) in LABELLING_VERBS:
            cue = Cue(tok, tok.idx, tok.idx + len(tok.text), tok.text, find_subject(tok), "label")
        if cue is not None:
            if cue.kind in ("according", "belief", "finding", "stance") or negated(tok):
                return None
            clause = below if below is not root and has_subject(below) else None
            return cue, clause
        if tok.dep_ == "ROOT":
            return None
        below = tok
        tok = tok.head
    return None


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


def _attribute(text: str, found: list[_Found], resolver: SpeakerResolver) -> list[QuoteSpan]:
    """Resolve speakers in text order, carrying the last speaker into cue-less quotations."""
    out: list[QuoteSpan] = []
    last_speaker: Speaker | None = None
    last_end = -(10**9)
    for f in found:
        speaker: Speaker | None = f.speaker
        if speaker is not None:
            resolver.note_speaker(speaker)
        elif f.cue is not None and f.cue.speaker_head is not None:
            speaker = resolver.resolve(f.cue.speaker_head)
            relative = relative_subject(f.cue.token, f.cue.speaker_head)
            if relative is not None:
                end = relative.idx + len(relative.text)
                speaker = replace(speaker, start=relative.idx, end=end, text=relative.text)
            resolver.note_speaker(speaker)
        elif (
            f.how == "floating" and last_speaker is not None and f.start - last_end < FLOATING_REACH
        ):
            speaker = replace(last_speaker, evidence=_follows(last_speaker.name))
        if speaker is not None:
            last_speaker, last_end = speaker, f.end
        out.append(_quote_span(text, f, speaker))
    return out


def _confidence(f: _Found, speaker: Speaker | None) -> float:
    """How sure we are, for ordering the review queue: lowest needs a human first."""
    base = {"parse": 0.9, "according": 0.85, "near": 0.85, "label": 0.8, "floating": 0.55}[f.how]
    if f.cue is not None and f.cue.kind in ("weak", "belief", "label", "stance", "finding"):
        base -= 0.15
    elif f.cue is not None and f.cue.kind == "nominal":
        base -= 0.2
    if speaker is None:
        return round(base * 0.4, 3)
    factor = {"name": 1.0, "role": 0.9, "group": 0.9, "pronoun": 0.85, "other": 0.75}[speaker.kind]
    if speaker.kind == "pronoun" and speaker.cluster is None:
        factor = 0.6
    return round(max(0.0, min(1.0, base * factor)), 3)


def _quote_span(text: str, f: _Found, speaker: Speaker | None) -> QuoteSpan:
    cue = f.cue
    cue_start, cue_end = (cue.start, cue.end) if cue else f.mark or (None, None)
    return QuoteSpan(
        start=f.start,
        end=f.end,
        text=text[f.start : f.end],
        kind=f.kind,
        cue=text[cue_start:cue_end].strip() if cue_start is not None else "",
        cue_start=cue_start,
        cue_end=cue_end,
        speaker=speaker.name if speaker else None,
        speaker_text=speaker.text if speaker else None,
        speaker_start=speaker.start if speaker else None,
        speaker_end=speaker.end if speaker else None,
        speaker_cluster=speaker.cluster if speaker else None,
        speaker_evidence=speaker.evidence if speaker else "",
        confidence=_confidence(f, speaker),
        category=_category(f),
    )


def _category(f: _Found) -> str:
    """What a poll, a photo or a set of figures shows is attributed to it, but nobody said it:
    an attribution, not a quote (the Gender Gap Tracker counts only what people say)."""
    if f.cue is not None and f.cue.kind == "finding" and f.kind == "indirect":
        return "attribution"
    return "quote"
