"""Attributions beyond quotes: a learned model of what PolNeAR-style annotation counts.

The cue rules find reported speech: what someone said or wrote. News text attributes far more
than that: a belief ("he believes his efforts will be his legacy"), a plan ("pledged to cut
taxes"), a finding ("the analysis shows Democrats outpacing Republicans"), a topic someone
spoke of. Each has hundreds of different cue words, each rare, which rules cannot list.

So every (word, dependent) pair of a parse is a candidate: the word is a possible cue and the
dependent's subtree a possible content. A logistic model over sparse features (cue lemma,
dependency labels, the subject's type, content shape) scores each candidate. The weights are
trained on the PolNeAR training half by `articles.nlp.train_attribution` and shipped in
`data/attribution.json`; applying them needs no library, only a sum of weights.

Candidates overlapping a quote the rules found, or a better candidate, are dropped; the rest
above the model's threshold become quotes of category "attribution". Their source is the
cue's subject, found and resolved as a quote's speaker is.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from spacy.tokens import Doc, Token

from articles.nlp.docindex import doc_text
from articles.nlp.fastpipes import lemma
from articles.nlp.quotemarks import trim_edges
from articles.nlp.results import QuoteSpan
from articles.nlp.speakers import SpeakerResolver

MODEL_PATH = Path(__file__).with_name("data") / "attribution.json"

# Dependents whose subtree may be what a cue attributes.
CONTENT_DEPS = frozenset(
    {
        *("ccomp", "xcomp", "dobj", "prep", "advcl", "attr", "acomp", "oprd", "pcomp", "acl"),
        *("npadvmod", "agent", "dative", "conj", "relcl", "appos", "nsubj", "nsubjpass"),
    }
)
_QUOTE_MARKS = frozenset('"“”«»')
_PRONOUNS = frozenset({"he", "she", "they", "i", "we", "it", "you"})
_SUBJECTS = ("nsubj", "nsubjpass", "csubj")
SOURCE_REACH = 6  # clauses to climb from a cue looking for its source


@dataclass(frozen=True, slots=True)
class Candidate:
    cue: Token
    child: Token
    start: int  # token offsets of the content
    end: int


@dataclass(frozen=True, slots=True)
class AttributionModel:
    weights: dict[str, float]
    bias: float
    threshold: float

    def score(self, features: Iterable[str]) -> float:
        """Probability that a candidate is an attribution."""
        w = self.weights
        z = self.bias + sum(w.get(f, 0.0) for f in features)
        return 1.0 / (1.0 + math.exp(-z)) if z > -40 else 0.0


@lru_cache(maxsize=2)
def load_model(path: str = str(MODEL_PATH)) -> AttributionModel | None:
    """The shipped model, or None when there is none (attribution finding is then off)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return AttributionModel(data["weights"], data["bias"], data["threshold"])


def candidates(doc: Doc) -> list[Candidate]:
    """Every (cue, dependent) pair whose dependent could hold attributed content."""
    out = []
    for cue in doc:
        if cue.is_punct or cue.is_space:
            continue
        for child in cue.children:
            if child.dep_ not in CONTENT_DEPS:
                continue
            head = child
            if child.dep_ == "prep":
                objects = [x for x in child.children if x.dep_ in ("pobj", "pcomp")]
                if not objects:
                    continue
                head = objects[0]
            out.append(Candidate(cue, child, head.left_edge.i, head.right_edge.i + 1))
    return out


def _subject(tok: Token) -> Token | None:
    for child in tok.children:
        if child.dep_ in _SUBJECTS:
            return child
    if tok.dep_ in ("xcomp", "conj"):
        for child in tok.head.children:
            if child.dep_ in ("nsubj", "nsubjpass"):
                return child
    return None


def _kind_of(tok: Token | None) -> str:
    if tok is None:
        return "none"
    if tok.ent_type_:
        return "ent:" + tok.ent_type_
    if tok.lower_ in _PRONOUNS:
        return "pron"
    return "pos:" + tok.pos_


def features(doc: Doc, c: Candidate) -> list[str]:
    """The sparse features of one candidate, as strings; the model weighs each."""
    cue, child = c.cue, c.child
    cl, dd = lemma(cue), child.dep_
    f = [
        "b",
        "cl=" + cl,
        "cp=" + cue.pos_,
        "ct=" + cue.tag_,
        "cdep=" + cue.dep_,
        "dd=" + dd,
        f"cl|dd={cl}|{dd}",
        f"cp|dd={cue.pos_}|{dd}",
        f"cdep|dd={cue.dep_}|{dd}",
    ]
    if dd == "prep":
        f.append(f"cl|prep={cl}|{child.lower_}")
        f.append("prep=" + child.lower_)
    f.append("dpos=" + child.pos_)
    f.append("dtag=" + child.tag_)
    for mark in child.children:
        if mark.dep_ == "mark":
            f.append("mark=" + mark.lower_)
            f.append(f"cl|mark={cl}|{mark.lower_}")
    subj = _subject(cue)
    kind = _kind_of(subj)
    f.append("subj=" + kind)
    f.append(f"cl|subj={cl}|{kind}")
    f.append(f"dd|subj={dd}|{kind}")
    if subj is not None:
        f.append("subjl=" + (subj.lower_ if subj.pos_ in ("PRON", "NOUN") else "NAME"))
    hl = lemma(cue.head)
    f.append("hl=" + hl)
    f.append(f"cdep|hl={cue.dep_}|{hl}")
    n = c.end - c.start
    f.append(f"len={n}" if n < 20 else f"len={20 + min(n // 10, 5)}")
    span = doc[c.start : c.end]
    f.append(f"quoted={int(any(t.text in _QUOTE_MARKS for t in span))}")
    f.append(f"dverb={int(any(t.pos_ in ('VERB', 'AUX') for t in span))}")
    f.append(f"dsubj={int(any(x.dep_ in ('nsubj', 'nsubjpass') for x in child.children))}")
    for x in cue.children:
        if x.dep_ == "neg":
            f.append("neg")
        elif x.dep_ == "aux" and x.tag_ == "MD":
            f.append("modal")
        elif x.dep_ == "auxpass":
            f.append("pass")
    f.append(f"after={int(c.start > cue.i)}")
    sent = cue.sent
    f.append(f"sentq={int(any(t.text in _QUOTE_MARKS for t in sent))}")
    f.append(f"cover={round(n / max(1, len(sent)), 1):.1f}")
    if cue.i > 0:
        f.append("prev=" + doc[cue.i - 1].lower_)
    source = source_head(cue)
    skind = _kind_of(source)
    f.append("src=" + skind)
    f.append(f"cl|src={cl}|{skind}")
    f.append(f"srcdep={source.dep_ if source is not None else 'none'}")
    f.append(f"cl|dpos={cl}|{child.pos_}")
    return f


def source_head(cue: Token) -> Token | None:
    """Who the attribution is to: the nearest subject, agent or owner up the cue's clauses.

    A relative pronoun stays as written ("the council, which called for ..."): it is the
    source mention, and resolving it is the speaker resolver's job.
    """
    tok = cue
    for _ in range(SOURCE_REACH):
        for child in tok.children:
            if child.dep_ == "agent":
                for grand in child.children:
                    if grand.dep_ == "pobj":
                        return grand
        for child in tok.children:
            if child.dep_ in ("nsubj", "csubj") or (
                child.dep_ == "poss" and tok.pos_ in ("NOUN", "PROPN")
            ):
                return child
        if tok.head is tok:
            break
        tok = tok.head
    return None


def find_attributions(
    doc: Doc,
    quotes: list[QuoteSpan],
    resolver: SpeakerResolver,
    model: AttributionModel | None = None,
) -> list[QuoteSpan]:
    """Attributions the model finds that no quote in `quotes` already covers."""
    model = model or load_model()
    if model is None or not len(doc):
        return []
    text = doc_text(doc)
    taken = [trim_edges(text, q.start, q.end) for q in quotes]
    scored = []
    for c in candidates(doc):
        p = model.score(features(doc, c))
        if p >= model.threshold:
            scored.append((p, c))
    scored.sort(key=lambda pc: (-pc[0], pc[1].start))
    out = []
    for p, c in scored:
        last = doc[c.end - 1]
        start, end = trim_edges(text, doc[c.start].idx, last.idx + len(last.text))
        if end <= start or any(start < e and s < end for s, e in taken):
            continue
        taken.append((start, end))
        head = source_head(c.cue)
        speaker = resolver.resolve(head) if head is not None else None
        cue = c.cue
        out.append(
            QuoteSpan(
                start=start,
                end=end,
                text=text[start:end],
                kind="indirect",
                cue=cue.text,
                cue_start=cue.idx,
                cue_end=cue.idx + len(cue.text),
                speaker=speaker.name if speaker else None,
                speaker_text=speaker.text if speaker else None,
                speaker_start=speaker.start if speaker else None,
                speaker_end=speaker.end if speaker else None,
                speaker_cluster=speaker.cluster if speaker else None,
                confidence=round(p * 0.6, 3),
                category="attribution",
            )
        )
    out.sort(key=lambda q: q.start)
    return out
