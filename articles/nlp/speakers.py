"""Who a quote's speaker mention refers to: names, pronouns, roles and organisations."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from spacy.tokens import Doc, Token

from articles.nlp.lexicon import (
    GENDERED_PRONOUNS,
    GENDERED_TITLES,
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

# Tokens that belong to a noun phrase's left side when expanding a subject to its mention.
_NP_LEFT_DEPS = frozenset({"det", "amod", "compound", "poss", "case", "nmod", "nummod", "quantmod"})
_NP_RIGHT_DEPS = frozenset({"compound", "flat", "case"})


@dataclass(frozen=True, slots=True)
class Speaker:
    """A speaker mention and, where known, the entity it refers to."""

    start: int  # character offsets of the mention as written
    end: int
    text: str
    cluster: int | None
    name: str | None  # canonical full name, or the mention itself for unnamed groups
    kind: str  # "name", "pronoun", "role", "group", "other"


class SpeakerResolver:
    """Resolve speaker tokens of one document; built once, queried per quote."""

    def __init__(
        self, doc: Doc, entities: list[EntityCluster], mentions: list[EntityMention]
    ) -> None:
        self.doc = doc
        self.entities = entities
        self.mentions = sorted(mentions, key=lambda m: m.start)
        self.starts = [m.start for m in self.mentions]
        self.gender: dict[int, str] = {}
        self.roles: dict[str, int] = {}  # role noun -> most recent person cluster with it
        self.role_at: list[tuple[int, str, int]] = []  # (char offset, role, cluster)
        self.recent_speakers: list[tuple[int, int]] = []  # (char offset, cluster)
        self._learn(doc)

    def _learn(self, doc: Doc) -> None:
        """Learn each person's gender and roles in one pass over mentions and pronouns."""
        person_tokens: dict[int, int] = {}  # token index of a PERSON mention's head -> cluster
        for m in self.mentions:
            if m.label != "PERSON":
                continue
            span = doc.char_span(m.start, m.end, alignment_mode="expand")
            if span is None or not len(span):
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

    def _learn_roles(self, span, cluster: int) -> None:
        """Record roles written next to a name: "Foreign Minister Jane Doe", "Doe, the minister"."""
        doc = self.doc
        roles: list[str] = []
        i = span.start - 1
        while i >= 0 and i >= span.start - 4 and doc[i].pos_ in ("PROPN", "NOUN", "ADJ"):
            roles.append(doc[i].lower_)
            i -= 1
        for child in span.root.children:
            if child.dep_ == "appos":
                roles.append(child.lemma_.lower())
        if span.root.dep_ == "appos":
            roles.append(span.root.head.lemma_.lower())
        for role in roles:
            if role in ROLE_NOUNS:
                self.role_at.append((span.start_char, role, cluster))

    def note_speaker(self, offset: int, cluster: int | None) -> None:
        """Remember a resolved speaker: later pronouns prefer people who were just quoted."""
        if cluster is not None:
            self.recent_speakers.append((offset, cluster))

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
        text = self.doc.text[start:end]
        lower = head.lower_
        if head.pos_ == "PRON" or lower in SPEAKER_PRONOUNS:
            cluster = self.antecedent(head.idx, SPEAKER_PRONOUNS.get(lower, ""))
            return self._speaker(start, end, text, cluster, "pronoun")
        mention = self.mention_at(head.idx, head.idx + len(head.text))
        if mention is None:
            mention = self.mention_at(start, end)
        if mention is None or mention.label != "PERSON":
            # "The company's spokeswoman, Jane Doe, said": the named person is the speaker.
            for child in head.children:
                if child.dep_ == "appos":
                    named = self.mention_at(child.idx, child.idx + len(child.text))
                    if named is not None and named.label == "PERSON":
                        return self._speaker(
                            named.start, named.end, named.text, named.cluster, "name"
                        )
        if mention is not None:
            return self._speaker(start, end, text, mention.cluster, "name")
        lemma = head.lemma_.lower()
        if lemma in ROLE_NOUNS:
            cluster = self.role_holder(lemma, head.idx)
            if cluster is not None:
                return self._speaker(start, end, text, cluster, "role")
        kind = "group" if lemma in ORGANISATION_NOUNS else "other"
        return Speaker(start, end, text, None, text, kind)

    def _speaker(self, start: int, end: int, text: str, cluster: int | None, kind: str) -> Speaker:
        name = self.entities[cluster].canonical if cluster is not None else None
        return Speaker(start, end, text, cluster, name, kind)

    def role_holder(self, role: str, before: int) -> int | None:
        """Return the person most recently introduced with `role` before offset `before`."""
        for offset, r, cluster in reversed(self.role_at):
            if offset < before and r == role:
                return cluster
        return None

    def antecedent(self, offset: int, gender: str) -> int | None:
        """Return the cluster a pronoun at `offset` most likely refers to."""
        want_person = gender in ("m", "f", "")
        i = bisect_left(self.starts, offset)
        best: int | None = None
        for j in range(i - 1, max(-1, i - 1 - _ANTECEDENT_WINDOW), -1):
            m = self.mentions[j]
            if gender == "n":
                if m.label in ("ORG", "GPE"):
                    return m.cluster
                continue
            if m.label != "PERSON" or not want_person:
                continue
            g = self.gender.get(m.cluster)
            if g and gender and g != gender:
                continue
            best = m.cluster
            break
        # The person just quoted outranks a compatible bystander mentioned in between.
        if best is not None and self.recent_speakers and gender in ("m", "f"):
            last_offset, last = self.recent_speakers[-1]
            g = self.gender.get(last)
            if last != best and g == gender and offset - last_offset < 600:
                best_gender = self.gender.get(best)
                if best_gender != gender:
                    return last
        return best


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


def find_subject(verb: Token) -> Token | None:
    """Return the speaker token of a speech verb, following clause links upwards."""
    tok = verb
    if verb.tag_ == "VBG" and verb.dep_ in ("advcl", "conj", "xcomp"):
        # "..., adding that ...": the speaker is the subject of the speech verb above.
        head = verb.head
        for _ in range(3):
            if head.lemma_.lower() in SPEECH_VERBS or head.dep_ == "ROOT":
                break
            head = head.head
        if head.lemma_.lower() in SPEECH_VERBS:
            tok = head
    for _ in range(5):
        for child in tok.children:
            # "He was quoted as saying": the passive subject of "quote" is the speaker.
            if child.dep_ in SUBJECT_DEPS and (
                child.dep_ != "nsubjpass" or tok.lemma_.lower() == "quote"
            ):
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
        if tok.dep_ in ("conj", "advcl", "xcomp", "acl", "pcomp", "prep") and tok.head is not tok:
            tok = tok.head
            continue
        break
    return _adjacent_subject(verb)


def _adjacent_subject(verb: Token) -> Token | None:
    """Fallback for a misparsed cue: a name or pronoun right before or after the verb."""
    doc = verb.doc
    for i in (verb.i - 1, verb.i + 1):
        if 0 <= i < len(doc):
            tok = doc[i]
            if tok.pos_ == "PROPN" or tok.lower_ in SPEAKER_PRONOUNS and tok.pos_ == "PRON":
                # Walk to the last token of a multi-word name.
                while tok.dep_ in ("compound", "flat") and tok.head.i == tok.i + 1:
                    tok = tok.head
                return tok
    return None
