"""Attributions beyond quotes: a learned model of what PolNeAR-style annotation counts.

The cue rules find reported speech: what someone said or wrote. News text attributes far more
than that: a belief ("he believes his efforts will be his legacy"), a plan ("pledged to cut
taxes"), a finding ("the analysis shows Democrats outpacing Republicans"), a topic someone
spoke of. Each has hundreds of different cue words, each rare, which rules cannot list.

So every (word, dependent) pair of a parse is a candidate: the word is a possible cue and the
dependent's subtree a possible content. A logistic model scores each candidate, over sparse
features (cue lemma, dependency labels, the subject's and source's type, content shape) and
the parser's token vectors of the cue, the dependent and the content. The weights are trained
on the PolNeAR training half by `articles.nlp.eval.train_attribution` and shipped in
`data/attribution.json`; applying them takes sums of weights and one small matrix product per
document.

Candidates overlapping a quote the rules found, or a better candidate, are dropped; the rest
above the model's threshold become quotes of category "attribution", with the model's
probability as their confidence. Their source is the nearest subject, agent or owner up the
cue's clauses, resolved as a quote's speaker is.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy
from spacy.attrs import DEP, ENT_TYPE, HEAD, IS_PUNCT, IS_SPACE, LOWER, POS, SENT_START, TAG
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
_ZEROS = itertools.repeat(0.0)
SOURCE_REACH = 6  # clauses to climb from a cue looking for its source


@dataclass(frozen=True, slots=True)
class Candidate:
    cue: Token
    child: Token
    start: int  # token offsets of the content
    end: int


@dataclass(frozen=True, slots=True, eq=False)
class AttributionModel:
    weights: dict[str, float]
    bias: float
    threshold: float
    # (cue part of speech, dependency) pairs that were attributions less than 1% of the time
    # in training, left unscored to save time.
    rare: frozenset[tuple[str, str]] = frozenset()
    # Weights of the parser's token vectors (`Doc.tensor`): the cue's, the dependent's and
    # the content's mean, one after the other. Empty when the model uses none.
    dense: numpy.ndarray = field(default_factory=lambda: numpy.zeros(0, dtype="float32"))

    def weigh(self, features: Iterable[str]) -> float:
        """The summed weights of some of a candidate's features."""
        return sum(map(self.weights.get, features, _ZEROS))

    def probability(self, weight: float) -> float:
        """Probability that a candidate is an attribution, from its features' total weight."""
        z = self.bias + weight
        return 1.0 / (1.0 + math.exp(-z)) if z > -40 else 0.0

    def score(self, features: Iterable[str]) -> float:
        """Probability that a candidate is an attribution."""
        return self.probability(self.weigh(features))

    @classmethod
    def from_data(cls, data: dict) -> AttributionModel:
        """A model from the JSON that training writes (see eval/train_attribution.py)."""
        rare = frozenset((pos, dep) for pos, dep in data.get("rare", []))
        dense = numpy.asarray(data.get("dense", []), dtype="float32")
        return cls(data["weights"], data["bias"], data["threshold"], rare, dense)


@lru_cache(maxsize=2)
def load_model(path: str = str(MODEL_PATH)) -> AttributionModel | None:
    """The shipped model, or None when there is none (attribution finding is then off)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return AttributionModel.from_data(data)


class _Tree:
    """A document's parse as plain lists, built once: walking Token objects is slow."""

    __slots__ = (
        "doc",
        "head",
        "dep",
        "pos",
        "tag",
        "lower",
        "ent",
        "skip",
        "kids",
        "marks",
        "verbs",
        "sent_start",
        "sent_end",
        "_lemmas",
    )

    def __init__(self, doc: Doc) -> None:
        n = len(doc)
        array = doc.to_array([HEAD, SENT_START, IS_PUNCT, IS_SPACE, DEP, POS, TAG, LOWER, ENT_TYPE])
        strings = doc.vocab.strings
        names = {k: strings[k] if k else "" for k in set(array[:, 4:].ravel().tolist())}
        # HEAD comes as the head's offset from the token, stored unsigned.
        self.head = (array[:, 0].astype("int64") + numpy.arange(n)).tolist()
        self.dep, self.pos, self.tag, self.lower, self.ent = (
            [names[k] for k in array[:, col].tolist()] for col in range(4, 9)
        )
        self.skip = (array[:, 2] | array[:, 3]).astype(bool).tolist()
        self.kids: list[list[int]] = [[] for _ in range(n)]
        for i, h in enumerate(self.head):
            if h != i:
                self.kids[h].append(i)
        self.marks, self.verbs = [0], [0]
        for lower, pos in zip(self.lower, self.pos, strict=True):
            self.marks.append(self.marks[-1] + (lower in _QUOTE_MARKS))
            self.verbs.append(self.verbs[-1] + (pos in ("VERB", "AUX")))
        starts = [i for i, flag in enumerate(array[:, 1].tolist()) if flag == 1 or i == 0]
        self.sent_start, self.sent_end = [0] * n, [0] * n
        for start, end in zip(starts, [*starts[1:], n], strict=True):
            self.sent_start[start:end] = [start] * (end - start)
            self.sent_end[start:end] = [end] * (end - start)
        self.doc = doc
        self._lemmas: dict[int, str] = {}

    def lemma(self, i: int) -> str:
        found = self._lemmas.get(i)
        if found is None:
            found = self._lemmas[i] = lemma(self.doc[i])
        return found

    def kind(self, i: int | None) -> str:
        """The type of a possible source or subject: entity type, pronoun or part of speech."""
        if i is None:
            return "none"
        if self.ent[i]:
            return "ent:" + self.ent[i]
        if self.lower[i] in _PRONOUNS:
            return "pron"
        return "pos:" + self.pos[i]


def _tree(doc: Doc) -> _Tree:
    tree = doc.user_data.get("attribution_tree")
    if tree is None:
        tree = doc.user_data["attribution_tree"] = _Tree(doc)
    return tree


def candidates(doc: Doc) -> list[Candidate]:
    """Every (cue, dependent) pair whose dependent could hold attributed content."""
    t = _tree(doc)
    out = []
    for i, kids in enumerate(t.kids):
        if t.skip[i]:
            continue
        for j in kids:
            dep = t.dep[j]
            if dep not in CONTENT_DEPS:
                continue
            head = j
            if dep == "prep":
                head = next((x for x in t.kids[j] if t.dep[x] in ("pobj", "pcomp")), -1)
                if head < 0:
                    continue
            h = doc[head]
            out.append(Candidate(doc[i], doc[j], h.left_edge.i, h.right_edge.i + 1))
    return out


def _token_vectors(doc: Doc) -> numpy.ndarray | None:
    """The parser's vector of each token, or None when the pipeline left none."""
    tensor = doc.tensor
    if tensor is None or tensor.ndim != 2 or tensor.shape[0] != len(doc):
        return None
    return tensor


def dense_features(doc: Doc, c: Candidate) -> numpy.ndarray | None:
    """The token-vector features of one candidate (for training), or None when the parse
    left no vectors: the cue's vector, the dependent's, and the mean over the content."""
    tensor = _token_vectors(doc)
    if tensor is None:
        return None
    content = tensor[c.start : c.end].mean(axis=0)
    return numpy.concatenate([tensor[c.cue.i], tensor[c.child.i], content]).astype("float32")


class _DenseScores:
    """The dense weights applied to a document's token vectors once; each candidate's share
    is then two lookups and a difference of running sums."""

    __slots__ = ("cue", "child", "running")

    def __init__(self, tensor: numpy.ndarray, weights: numpy.ndarray) -> None:
        projected = tensor.astype("float32") @ weights.reshape(3, -1).T
        self.cue = projected[:, 0].tolist()
        self.child = projected[:, 1].tolist()
        self.running = [0.0, *numpy.cumsum(projected[:, 2], dtype="float64").tolist()]

    @classmethod
    def of(cls, doc: Doc, model: AttributionModel) -> _DenseScores | None:
        tensor = _token_vectors(doc)
        if tensor is None or not len(model.dense) or 3 * tensor.shape[1] != len(model.dense):
            return None
        return cls(tensor, model.dense)

    def weight(self, c: Candidate) -> float:
        running = self.running
        mean = (running[c.end] - running[c.start]) / (c.end - c.start)
        return self.cue[c.cue.i] + self.child[c.child.i] + mean


def _subject(t: _Tree, i: int) -> int | None:
    for k in t.kids[i]:
        if t.dep[k] in _SUBJECTS:
            return k
    if t.dep[i] in ("xcomp", "conj"):
        for k in t.kids[t.head[i]]:
            if t.dep[k] in ("nsubj", "nsubjpass"):
                return k
    return None


@dataclass(frozen=True, slots=True)
class _CueInfo:
    """What a candidate's features need from its cue, worked out once per cue."""

    features: list[str]
    lemma: str
    subject: str  # the subject's kind
    sent_len: int


def _cue_info(t: _Tree, i: int) -> _CueInfo:
    marks = t.marks
    cl, dep = t.lemma(i), t.dep[i]
    f = ["b", "cl=" + cl, "cp=" + t.pos[i], "ct=" + t.tag[i], "cdep=" + dep]
    subj = _subject(t, i)
    kind = t.kind(subj)
    f.append("subj=" + kind)
    f.append(f"cl|subj={cl}|{kind}")
    if subj is not None:
        f.append("subjl=" + (t.lower[subj] if t.pos[subj] in ("PRON", "NOUN") else "NAME"))
    hl = t.lemma(t.head[i])
    f.append("hl=" + hl)
    f.append(f"cdep|hl={dep}|{hl}")
    for k in t.kids[i]:
        if t.dep[k] == "neg":
            f.append("neg")
        elif t.dep[k] == "aux" and t.tag[k] == "MD":
            f.append("modal")
        elif t.dep[k] == "auxpass":
            f.append("pass")
    sent_start, sent_end = t.sent_start[i], t.sent_end[i]
    f.append(f"sentq={int(marks[sent_end] > marks[sent_start])}")
    if i > 0:
        f.append("prev=" + t.lower[i - 1])
    # Inside a quotation: an odd number of marks between the sentence start and the cue.
    f.append(f"inq={(marks[i] - marks[sent_start]) % 2}")
    return _CueInfo(f, cl, kind, sent_end - sent_start)


def _pair_features(t: _Tree, c: Candidate, info: _CueInfo) -> list[str]:
    i, j = c.cue.i, c.child.i
    cl, dd, kind = info.lemma, t.dep[j], info.subject
    cp, dpos = t.pos[i], t.pos[j]
    f = [
        "dd=" + dd,
        f"cl|dd={cl}|{dd}",
        f"cp|dd={cp}|{dd}",
        f"cdep|dd={t.dep[i]}|{dd}",
        "dpos=" + dpos,
        "dtag=" + t.tag[j],
        f"dd|subj={dd}|{kind}",
    ]
    if dd == "prep":
        f.append(f"cl|prep={cl}|{t.lower[j]}")
        f.append("prep=" + t.lower[j])
    has_subject = 0
    for k in t.kids[j]:
        if t.dep[k] == "mark":
            f.append("mark=" + t.lower[k])
            f.append(f"cl|mark={cl}|{t.lower[k]}")
        elif t.dep[k] in ("nsubj", "nsubjpass"):
            has_subject = 1
    n = c.end - c.start
    f.append(f"len={n}" if n < 20 else f"len={20 + min(n // 10, 5)}")
    f.append(f"quoted={int(t.marks[c.end] > t.marks[c.start])}")
    f.append(f"dverb={int(t.verbs[c.end] > t.verbs[c.start])}")
    f.append(f"dsubj={has_subject}")
    after = int(c.start > i)
    f.append(f"after={after}")
    f.append(f"cl|after={cl}|{after}")
    f.append(f"cover={round(n / max(1, info.sent_len), 1):.1f}")
    source = _source(t, i, c.start, c.end)
    skind = t.kind(source)
    f.append("src=" + skind)
    f.append(f"cl|src={cl}|{skind}")
    f.append(f"srcdep={t.dep[source] if source is not None else 'none'}")
    if source is not None and t.pos[source] in ("NOUN", "PRON"):
        f.append("srcl=" + t.lemma(source))
    f.append(f"cl|dpos={cl}|{dpos}")
    dl = t.lemma(j)
    f.append("dl=" + dl)
    f.append(f"cl|dl={cl}|{dl}")
    f.append("first=" + t.lower[c.start])
    return f


def features(doc: Doc, c: Candidate) -> list[str]:
    """The sparse features of one candidate, as strings; the model weighs each."""
    t = _tree(doc)
    info = _cue_info(t, c.cue.i)
    return info.features + _pair_features(t, c, info)


def _source(t: _Tree, i: int, start: int, end: int) -> int | None:
    for _ in range(SOURCE_REACH):
        kids = t.kids[i]
        for k in kids:
            if t.dep[k] == "agent":
                for g in t.kids[k]:
                    if t.dep[g] == "pobj" and not start <= g < end:
                        return g
        owner = t.pos[i] in ("NOUN", "PROPN")
        found = [
            k
            for k in kids
            if (t.dep[k] in ("nsubj", "csubj") or (t.dep[k] == "poss" and owner))
            and not start <= k < end
        ]
        if found:
            return min(found, key=lambda k: abs(k - i))
        if t.head[i] == i:
            break
        i = t.head[i]
    return None


def source_head(cue: Token, content: tuple[int, int] = (0, 0)) -> Token | None:
    """Who the attribution is to: the nearest subject, agent or owner up the cue's clauses.

    Words inside the content (token offsets) are never its source. A relative pronoun stays
    as written ("the council, which called for ..."): it is the source mention, and
    resolving it is the speaker resolver's job.
    """
    found = _source(_tree(cue.doc), cue.i, *content)
    return cue.doc[found] if found is not None else None


def find_attributions(
    doc: Doc,
    quotes: list[QuoteSpan],
    resolver: SpeakerResolver,
    model: AttributionModel | None = None,
) -> list[QuoteSpan]:
    """Attributions the model finds that no quote in `quotes` or better attribution covers,
    best scored first."""
    model = model or load_model()
    if model is None or not len(doc):
        return []
    text = doc_text(doc)
    taken = [trim_edges(text, q.start, q.end) for q in quotes]
    tree = _tree(doc)
    # A model trained with token vectors needs them: without (another spaCy pipeline), only
    # its sparse features count.
    dense = _DenseScores.of(doc, model)
    scored = []
    cues: dict[int, tuple[_CueInfo, float]] = {}  # the cue's share of the score, once per cue
    for c in candidates(doc):
        if (tree.pos[c.cue.i], tree.dep[c.child.i]) in model.rare:
            continue
        known = cues.get(c.cue.i)
        if known is None:
            info = _cue_info(tree, c.cue.i)
            known = cues[c.cue.i] = (info, model.weigh(info.features))
        info, share = known
        weight = share + model.weigh(_pair_features(tree, c, info))
        if dense is not None:
            weight += dense.weight(c)
        p = model.probability(weight)
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
        source = _source(tree, c.cue.i, c.start, c.end)
        speaker = resolver.resolve(doc[source]) if source is not None else None
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
                speaker_evidence=speaker.evidence if speaker else "",
                confidence=round(p, 3),
                category="attribution",
            )
        )
    return out
