"""Who a quote's speaker mention refers to: names, pronouns, roles and organisations."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from articles.nlp.docindex import doc_text
from articles.nlp.fastpipes import lemma
from articles.nlp.labels import is_shouted
from articles.nlp.lexicon import (
    DOCUMENT_NOUNS,
    FIRST_PERSON,
    GENDERED_PRONOUNS,
    GENDERED_TITLES,
    INTERVIEW_NOUNS,
    ORGANISATION_NOUNS,
    RELATIVE_PRONOUNS,
    ROLE_NOUNS,
    SPEAKER_PRONOUNS,
    SPEECH_VERBS,
    SUBJECT_DEPS,
)
from articles.nlp.results import EntityCluster, EntityMention

# Labels of mentions that can say things.
SPEAKER_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP"})

# How far back (in mentions) a pronoun looks for its antecedent; keeps resolution O(1) per
# pronoun and stops "she" from reaching a person last seen many paragraphs ago.
_ANTECEDENT_WINDOW = 12
_ANTECEDENT_REACH = 1500  # characters

# Tokens that belong to a noun phrase's left side when expanding a subject to its mention.
_NP_LEFT_DEPS = frozenset({"det", "amod", "compound", "poss", "case", "nmod", "nummod", "quantmod"})
_NP_RIGHT_DEPS = frozenset({"compound", "flat", "case"})

# Modifiers whose words tell one role holder from another: "the *British* foreign minister",
# "the *agency's* spokeswoman", "a spokeswoman *for the agency*".
_DESCRIBING_DEPS = frozenset({"amod", "compound", "poss", "nmod"})
_DESCRIBING_PREPS = frozenset({"for", "of", "at", "with"})

# A paragraph that is the interviewer's question: "Q: Why now?", "Question: ...".
_QUESTION_LABEL = re.compile(r"(?:Q|Question)\s*[:.)\u2014-]")

# How many earlier holders of a role a description is compared with: the latest few, so a
# text of thousands of "Minister X" stays linear.
_ROLE_CANDIDATES = 20

# How far back a paragraph's start is looked for (paragraph_start).
_PARAGRAPH_REACH = 5000

# Longest excerpt of the article quoted in a speaker's evidence.
_EXCERPT_CHARS = 100


@dataclass(frozen=True, slots=True)
class Speaker:
    """A speaker mention and, where known, the entity it refers to."""

    start: int  # character offsets of the mention as written
    end: int
    text: str
    cluster: int | None
    name: str | None  # canonical full name, or the mention itself for unnamed groups
    kind: str  # "name", "pronoun", "role", "group", "other"
    evidence: str = ""  # why an unnamed mention is this entity, for the reviewer


@dataclass(frozen=True, slots=True)
class _Role:
    """A role written next to a person's name, and the words that describe it."""

    start: int  # character span of the introduction: "Foreign Minister Jane Doe"
    end: int
    role: str  # the role noun: "minister"
    cluster: int
    words: frozenset[str]  # the introduction's other words: {"foreign", "british"}


class SpeakerResolver:
    """Resolve speaker tokens of one document; built once, queried per quote."""

    def __init__(
        self, doc: Doc, entities: list[EntityCluster], mentions: list[EntityMention]
    ) -> None:
        self.doc = doc
        self.text = doc_text(doc)
        self.entities = entities
        self.mentions = sorted(mentions, key=lambda m: m.start)
        self.starts = [m.start for m in self.mentions]
        self.gender: dict[int, str] = {}
        self.role_at: list[_Role] = []
        self._interviewee: tuple[int, int, int] | None | bool = False  # False: not looked for
        self.recent_speakers: list[tuple[int, int]] = []  # (char offset, cluster)
        self.frequency: dict[int, int] = {}  # mentions per cluster
        self.subject = [False] * len(self.mentions)  # is mention j a clause subject?
        self._learn(doc)

    def _learn(self, doc: Doc) -> None:
        """Learn each person's gender and roles in one pass over mentions and pronouns."""
        person_tokens: dict[int, int] = {}  # token index of a PERSON mention's head -> cluster
        for j, m in enumerate(self.mentions):
            self.frequency[m.cluster] = self.frequency.get(m.cluster, 0) + 1
            span = doc.char_span(m.start, m.end, alignment_mode="expand")
            if span is None or not len(span):
                continue
            self.subject[j] = span.root.dep_ in ("nsubj", "nsubjpass")
            if m.label != "PERSON":
                continue
            person_tokens[span.root.i] = m.cluster
            before = doc[span.start - 1] if span.start > 0 else None
            if before is not None:
                title = GENDERED_TITLES.get(before.lower_)
                if title and m.cluster not in self.gender:
                    self.gender[m.cluster] = title
            self._learn_roles(span, m.cluster)
        # A gendered pronoun soon after a lone person's mention tells that person's gender.
        votes: dict[int, list[int]] = {}
        last_cluster: int | None = None
        last_at = -100
        for tok in doc:
            cluster = person_tokens.get(tok.i)
            if cluster is not None:
                if last_cluster is not None and cluster != last_cluster and tok.i - last_at < 12:
                    last_cluster = None  # two people close together: pronouns are ambiguous
                else:
                    last_cluster = cluster
                last_at = tok.i
                continue
            g = GENDERED_PRONOUNS.get(tok.lower_)
            if g and last_cluster is not None and tok.i - last_at < 40:
                v = votes.setdefault(last_cluster, [0, 0])
                v[0 if g == "m" else 1] += 1
        for cluster, (m, f) in votes.items():
            if cluster not in self.gender and m != f:
                self.gender[cluster] = "m" if m > f else "f"

    def _learn_roles(self, span: Span, cluster: int) -> None:
        """Record roles written next to a name: "Foreign Minister Jane Doe", "Doe, the
        British foreign minister", "the agency's spokeswoman, Jane Doe"."""
        doc = self.doc
        i = span.start - 1
        while i >= 0 and i >= span.start - 4 and doc[i].pos_ in ("PROPN", "NOUN", "ADJ"):
            i -= 1
        title = doc[i + 1 : span.start]
        for tok in title:
            self._add_role(tok.lower_, title, title.start_char, span.end_char, cluster)
        for child in span.root.children:
            if child.dep_ == "appos":
                phrase = doc[child.left_edge.i : child.right_edge.i + 1]
                self._add_role(lemma(child), phrase, span.start_char, phrase.end_char, cluster)
        if span.root.dep_ == "appos":
            head = span.root.head
            phrase = doc[head.left_edge.i : head.i + 1]
            self._add_role(lemma(head), phrase, phrase.start_char, span.end_char, cluster)

    def _add_role(self, role: str, phrase: Span, start: int, end: int, cluster: int) -> None:
        if role in ROLE_NOUNS and start < end:
            words = frozenset(t.lower_ for t in phrase if t.is_alpha and not t.is_stop)
            self.role_at.append(_Role(start, end, role, cluster, words - {role}))

    def note_speaker(self, speaker: Speaker) -> None:
        """Remember a resolved speaker: later pronouns prefer people who were just quoted.

        Not an interviewee's "I": when an interviewee speaks of "he", it is someone else."""
        if speaker.cluster is not None and speaker.text.lower() not in FIRST_PERSON:
            self.recent_speakers.append((speaker.start, speaker.cluster))

    def mention_at(self, start: int, end: int) -> EntityMention | None:
        """Return the speaker-like mention overlapping [start, end), if any."""
        i = bisect_left(self.starts, start)
        # A mention starting a little before `start` may still overlap it.
        for j in range(max(0, i - 2), min(len(self.mentions), i + 4)):
            m = self.mentions[j]
            if m.start < end and start < m.end and m.label in SPEAKER_LABELS:
                return m
        return None

    def resolve(self, head: Token) -> Speaker:
        """Return the speaker for a subject token, resolving pronouns and descriptions."""
        start, end = noun_phrase_chars(head)
        text = self.text[start:end]
        lower = head.lower_
        if lower in FIRST_PERSON:
            return self._first_person(start, end, text)
        if head.pos_ == "PRON" or lower in SPEAKER_PRONOUNS:
            cluster = self.antecedent(head.idx, SPEAKER_PRONOUNS.get(lower, ""))
            why = "“{text}” refers back to {name}, named shortly before."
            return self._speaker(start, end, text, cluster, "pronoun", why)
        mention = self.mention_at(head.idx, head.idx + len(head.text))
        if mention is None and head.pos_ == "PROPN":
            mention = self.mention_at(start, end)
        if mention is None or mention.label != "PERSON":
            named = self._named_in(head)
            if named is not None:
                return self._speaker(named.start, named.end, named.text, named.cluster, "name")
        if mention is not None:
            return self._speaker(start, end, text, mention.cluster, "name")
        word = lemma(head)
        if word in DOCUMENT_NOUNS:
            issuer = self._issuer(head)
            if issuer is not None:
                # "Suncor's release said", "her statement said": the document is the mention
                # as written, and whoever issued it is who the quote is from.
                why = "“{text}” was issued by {name}."
                return self._speaker(start, end, text, issuer, "role", why)
        if word == "counterpart":
            holder = self._counterpart(head)
            if holder is not None:
                why = "“{text}” is {name}, introduced as “{intro}”."
                return self._speaker(start, end, text, holder.cluster, "role", why, holder)
        if word in ROLE_NOUNS:
            holder = self.role_holder(word, head.idx, describing_words(head))
            if holder is not None:
                why = "“{text}” is {name}, introduced as “{intro}”."
                return self._speaker(start, end, text, holder.cluster, "role", why, holder)
            # A role never spelled out next to a name ("the rookie defenceman"): news
            # prose describes the person it is already talking about.
            cluster = self.antecedent(head.idx, "")
            if cluster is not None:
                why = "“{text}” is taken to be {name}, the person named just before."
                return self._speaker(start, end, text, cluster, "role", why)
        kind = "group" if word in ORGANISATION_NOUNS else "other"
        return Speaker(start, end, text, None, text, kind)

    def _named_in(self, head: Token) -> EntityMention | None:
        """A named speaker inside a description of one.

        "The company's spokeswoman, Jane Doe, said" names Jane Doe (apposition or compound);
        "a study by the finance committee said" names the committee behind the document.
        """
        for child in head.children:
            if child.dep_ in ("appos", "compound") and child.i > head.i or child.dep_ == "appos":
                named = self.mention_at(child.idx, child.idx + len(child.text))
                if named is not None and named.label == "PERSON":
                    return named
        if lemma(head) in DOCUMENT_NOUNS:
            for child in head.children:
                if child.dep_ == "prep" and child.lower_ in ("by", "from", "of"):
                    for obj in child.children:
                        named = self.mention_at(obj.idx, obj.idx + len(obj.text))
                        if obj.dep_ == "pobj" and named is not None:
                            return named
        return None

    def _issuer(self, head: Token) -> int | None:
        """The cluster of whoever a possessive gives as a document's owner, if any."""
        for child in head.children:
            if child.dep_ != "poss":
                continue
            if child.pos_ == "PRON" or child.lower_ in SPEAKER_PRONOUNS:
                return self.antecedent(child.idx, SPEAKER_PRONOUNS.get(child.lower_, ""))
            owner = self.mention_at(child.idx, child.idx + len(child.text))
            if owner is not None:
                return owner.cluster
        return None

    def resolve_label(self, start: int, end: int) -> Speaker | None:
        """Speaker named by a layout label ("PENCE:", "― Jane Doe"), or None if not a name."""
        text = self.text[start:end]
        mention = self.mention_at(start, end)
        if mention is not None:
            return self._speaker(start, end, text, mention.cluster, "name")
        # A transcript label gives the surname only: "PENCE" for "Mike Pence".
        last = text.split()[-1].strip(".").lower() if text.split() else ""
        for cluster, entity in enumerate(self.entities):
            if entity.label == "PERSON" and entity.canonical.split()[-1].lower() == last:
                return self._speaker(start, end, text, cluster, "name")
        if is_shouted(text):
            return Speaker(start, end, text, None, text.title(), "name")
        return None

    def _speaker(
        self,
        start: int,
        end: int,
        text: str,
        cluster: int | None,
        kind: str,
        why: str = "",
        intro: _Role | tuple[int, int] | None = None,
    ) -> Speaker:
        """A speaker; `why` is its evidence with {text}, {name} and {intro} (the article's
        words at `intro`) still to fill in."""
        if cluster is None:
            return Speaker(start, end, text, None, None, kind)
        name = self.entities[cluster].canonical
        if isinstance(intro, _Role):
            intro = (intro.start, intro.end)
        words = excerpt(self.text, *intro) if intro else ""
        evidence = why.format(text=text, name=name, intro=words)
        return Speaker(start, end, text, cluster, name, kind, evidence)

    def role_holder(
        self, role: str, before: int, words: frozenset[str] = frozenset()
    ) -> _Role | None:
        """The person introduced with `role` before offset `before` whose introduction shares
        most of the description's `words` ("the British foreign minister"); the latest wins
        a tie."""
        best: _Role | None = None
        shared = -1
        seen = 0
        for entry in reversed(self.role_at):
            if entry.start < before and entry.role == role:
                n = len(words & entry.words)
                if n > shared:
                    best, shared = entry, n
                seen += 1
                if seen == _ROLE_CANDIDATES:
                    break
        return best

    def _counterpart(self, head: Token) -> _Role | None:
        """ "His counterpart": the latest other person introduced with the owner's role, or
        else with any role ("Prime Minister Lee met President Kim. Her counterpart said")."""
        owner = self._issuer(head)
        if owner is None:
            return None
        recent = [e for e in self.role_at[-_ROLE_CANDIDATES * 5 :] if e.start < head.idx]
        roles = {entry.role for entry in recent if entry.cluster == owner}
        others = [e for e in recent if e.cluster != owner]
        same = [e for e in others if e.role in roles]
        return (same or others or [None])[-1]

    def _first_person(self, start: int, end: int, text: str) -> Speaker:
        """ "I" or "we" outside a quotation: the interviewee when the article interviews
        someone it names (but not in the interviewer's questions), else the unnamed writer.
        Inside a quotation, the quotation's speaker takes over (quotes.py)."""
        found = self.interviewee()
        if found is None or _QUESTION_LABEL.match(self.text, paragraph_start(self.text, start)):
            return Speaker(start, end, text, None, None, "pronoun")
        cluster, said_start, said_end = found
        why = "“{text}” is {name}, whom the article interviews (“{intro}”)."
        return self._speaker(start, end, text, cluster, "pronoun", why, (said_start, said_end))

    def interviewee(self) -> tuple[int, int, int] | None:
        """The person the article interviews, and the span that says so: "an interview with
        Jane Doe", "Q&A with Jane Doe", "Doe said in an interview". Looked for once."""
        if self._interviewee is False:
            self._interviewee = None
            for tok in self.doc:
                if tok.lower_ in INTERVIEW_NOUNS or lemma(tok) in INTERVIEW_NOUNS:
                    self._interviewee = self._interviewed(tok)
                    if self._interviewee is not None:
                        break
        return self._interviewee  # type: ignore[return-value]

    def _interviewed(self, noun: Token) -> tuple[int, int, int] | None:
        candidates = [
            obj
            for prep in noun.children
            if prep.dep_ == "prep" and prep.lower_ == "with"
            for obj in prep.children
            if obj.dep_ == "pobj"
        ]
        if noun.dep_ == "pobj" and noun.head.lower_ in ("in", "during"):
            verb = noun.head.head
            candidates += [c for c in verb.children if c.dep_ in SUBJECT_DEPS]
        for tok in candidates:
            named = self.mention_at(tok.idx, tok.idx + len(tok.text))
            if named is not None and named.label == "PERSON":
                end = max(noun.idx + len(noun), named.end)
                return named.cluster, min(noun.idx, named.start), end
        return None

    def antecedent(self, offset: int, gender: str) -> int | None:
        """Return the cluster a pronoun at `offset` most likely refers to.

        Candidates are the last few mentions; each scores for recency, for being a subject,
        for having just been quoted (news prose keeps quoting the same person), for agreeing
        in gender and for how often the article names them.
        """
        plural = gender == "p"
        labels = ("ORG", "NORP", "GPE") if plural else ("PERSON",)
        if gender == "n":
            labels = ("ORG", "GPE")
        scores: dict[int, float] = {}
        subject_after: dict[int, int] = {}  # cluster -> offset of its latest subject mention
        i = bisect_left(self.starts, offset)
        rank = 0
        for j in range(i - 1, max(-1, i - 1 - _ANTECEDENT_WINDOW), -1):
            m = self.mentions[j]
            if m.label not in labels or offset - m.end > _ANTECEDENT_REACH:
                continue
            g = self.gender.get(m.cluster)
            if g and gender in ("m", "f") and g != gender:
                continue
            score = -0.3 * rank + 0.15 * min(self.frequency.get(m.cluster, 0), 5)
            if self.subject[j]:
                score += 1.0
                subject_after[m.cluster] = max(subject_after.get(m.cluster, -1), m.start)
            if g and g == gender:
                score += 0.5
            rank += 1
            scores[m.cluster] = max(scores.get(m.cluster, -99.0), score)
        for n, (at, cluster) in enumerate(reversed(self.recent_speakers[-2:])):
            if offset - at > _ANTECEDENT_REACH:
                continue
            if any(c != cluster and after > at for c, after in subject_after.items()):
                continue  # someone new became the topic since this person was quoted
            entity = self.entities[cluster]
            g = self.gender.get(cluster)
            if entity.label not in labels and not plural:
                continue
            if g and gender in ("m", "f") and g != gender:
                continue
            bonus = 1.5 if n == 0 else 0.75
            scores[cluster] = scores.get(cluster, 0.0) + bonus
        if not scores:
            return None
        return max(scores, key=lambda c: scores[c])


def describing_words(head: Token) -> frozenset[str]:
    """The words that single out the holder of a role: "the British foreign minister"."""
    words: set[str] = set()
    for child in head.children:
        if child.dep_ in _DESCRIBING_DEPS or (
            child.dep_ == "prep" and child.lower_ in _DESCRIBING_PREPS
        ):
            words.update(t.lower_ for t in child.subtree if t.is_alpha and not t.is_stop)
    return frozenset(words)


def excerpt(text: str, start: int, end: int) -> str:
    """A stretch of the article for evidence: one line, at most _EXCERPT_CHARS."""
    words = " ".join(text[start:end].split())
    return words if len(words) <= _EXCERPT_CHARS else words[: _EXCERPT_CHARS - 1] + "…"


def paragraph_start(text: str, offset: int) -> int:
    """Where the paragraph holding `offset` begins, looking back at most _PARAGRAPH_REACH
    characters (a question is short; a 1 MB line must not be scanned once per speaker)."""
    floor = max(0, offset - _PARAGRAPH_REACH)
    found = text.rfind("\n", floor, offset)
    return found + 1 if found >= 0 else floor


def noun_phrase_chars(head: Token) -> tuple[int, int]:
    """Character span of the noun phrase headed by `head`, without clauses or appositions."""
    left = head
    for child in head.lefts:
        if child.dep_ in _NP_LEFT_DEPS:
            left = child.left_edge if child.left_edge.i < left.i else child
            break
    right = head
    for child in head.rights:
        if child.dep_ in _NP_RIGHT_DEPS and child.i == right.i + 1:
            right = child
        else:
            break
    return left.idx, right.idx + len(right.text)


# What may stand between a speaker and its verb: "Jane Doe, had said", "Doe, then, said".
_SKIPPED_BEFORE_VERB = frozenset({"punct", "aux", "auxpass", "neg", "advmod"})


def find_subject(verb: Token) -> Token | None:
    """Return the speaker token of a speech verb, following clause links upwards."""
    tok = verb
    if verb.tag_ == "VBG" and verb.dep_ in ("advcl", "conj", "xcomp"):
        # "..., adding that ...": the speaker is the subject of the speech verb above.
        head = verb.head
        for _ in range(3):
            if lemma(head) in SPEECH_VERBS or head.dep_ == "ROOT":
                break
            head = head.head
        if lemma(head) in SPEECH_VERBS:
            tok = head
    shared = False  # climbed from a conjunct: "He was asked about it and said ..."
    for _ in range(5):
        # "He was quoted as saying": the passive subject of "quote" is the speaker.
        subjects = [
            child
            for child in tok.children
            if child.dep_ in SUBJECT_DEPS
            and (child.dep_ != "nsubjpass" or shared or lemma(tok) == "quote")
        ]
        if subjects:
            # Two subjects come from a misparse: '"It will," said Acton' gives "said" both
            # "It" and "Acton". The one nearest the verb is the speaker.
            child = min(subjects, key=lambda c: abs(c.i - tok.i))
            if child.lower_ in RELATIVE_PRONOUNS and tok.dep_ == "relcl":
                return tok.head
            return child
        for child in tok.children:
            if child.dep_ == "agent":
                for grand in child.children:
                    if grand.dep_ == "pobj":
                        return grand
        if tok.dep_ == "relcl":
            return tok.head
        if tok.dep_ == "acl" and tok.head.pos_ == "NOUN":
            # "issued a statement saying ...", "in an article stating ...": whoever issued it.
            noun = tok.head
            if noun.dep_ == "dobj" or (noun.dep_ == "pobj" and noun.head.lower_ == "in"):
                tok = noun.head
                continue
        if tok.dep_ in ("conj", "advcl", "xcomp", "acl", "pcomp", "prep") and tok.head is not tok:
            # A passive subject speaks for a conjunct ("was asked about it and said") and for
            # an infinitive ("was prompted to say"): both share the subject above them.
            shared = tok.dep_ in ("conj", "xcomp")
            from_verb = tok.dep_ == "conj" and tok.pos_ in ("VERB", "AUX")
            tok = tok.head
            if from_verb and tok.pos_ in ("NOUN", "PROPN") and tok.dep_ == "dobj":
                # "He adopted an accent and joked, ...": the parser hung the second verb on
                # the first one's object; its subject is the first verb's.
                tok = tok.head
            continue
        break
    return _adjacent_subject(verb)


def _adjacent_subject(verb: Token) -> Token | None:
    """Fallback for a misparsed cue: a name or pronoun right before or after the verb, or a
    name in apposition just before it ("In a statement, her adviser, Jane Doe, said: ...",
    where the parser hangs the speaker on the fronted phrase)."""
    doc = verb.doc
    appositive = _appositive_before(verb)
    if appositive is not None:
        return appositive
    for i in (verb.i - 1, verb.i + 1):
        if 0 <= i < len(doc):
            tok = doc[i]
            if tok.pos_ == "PROPN" or tok.lower_ in SPEAKER_PRONOUNS and tok.pos_ == "PRON":
                # Walk to the last token of a multi-word name.
                while tok.dep_ in ("compound", "flat") and tok.head.i == tok.i + 1:
                    tok = tok.head
                return tok
    return None


def _appositive_before(verb: Token) -> Token | None:
    """The name in apposition that ends just before `verb`, past commas and auxiliaries."""
    doc = verb.doc
    i = verb.i - 1
    while i >= verb.sent.start and (doc[i].dep_ in _SKIPPED_BEFORE_VERB or doc[i].is_punct):
        if doc[i].text not in (",", "\u2014", "-") and doc[i].is_punct:
            return None
        i -= 1
    if i < verb.sent.start or i == verb.i - 1:
        return None
    tok = doc[i]
    if tok.pos_ != "PROPN":
        return None
    while tok.dep_ in ("compound", "flat") and tok.head.i > tok.i and tok.head.i < verb.i:
        tok = tok.head
    return tok if tok.dep_ == "appos" else None


def relative_subject(verb: Token, speaker_head: Token) -> Token | None:
    """The relative pronoun that stands for a speaker in "Smith, who said ...".

    The speaker is resolved from the noun ("Smith"), but the mention is the pronoun where the
    clause names it, as attribution annotators mark it.
    """
    tok = verb
    for _ in range(5):
        if tok.dep_ == "relcl" and tok.head.i == speaker_head.i:
            return next(
                (
                    c
                    for c in tok.children
                    if c.dep_ in SUBJECT_DEPS and c.lower_ in RELATIVE_PRONOUNS
                ),
                None,
            )
        if tok.head.i == tok.i:
            return None
        tok = tok.head
    return None
