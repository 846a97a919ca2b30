"""Cheaper stand-ins for two spaCy components whose work the extractor mostly throws away.

- The model's `attribute_ruler` sets part of speech and morphology from each token's tag, word
  and dependency with about 180 patterns. spaCy runs them through the Matcher and applies every
  match through a new Span, which costs about a tenth of the whole pipeline on news text.
  `FastAttributes` applies the same patterns, in the same order, with one cache lookup per token
  keyed by the token's tag, word, dependency and space flag. The results are identical; the
  tests compare both on real articles.
- The `lemmatizer` lemmatizes every token, but the extractor only asks for the lemmas of verbs
  and a few nouns. `lemma(tok)` runs the model's own lemmatizer on first use instead, with its
  word lists as sets rather than lists, and keeps the answer.

`install(nlp)` swaps both in when the model's patterns use only what `FastAttributes`
understands; otherwise it leaves the pipeline as it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from spacy.attrs import DEP, IS_SPACE, LOWER, ORTH, TAG
from spacy.language import Language
from spacy.tokens import Doc, Token
from spacy.tokens._retokenize import set_token_attrs

# Pattern keys FastAttributes understands: the array attribute and the token property to test.
_FEATURES: dict[str, tuple[int, str]] = {
    "TAG": (TAG, "tag_"),
    "LOWER": (LOWER, "lower_"),
    "DEP": (DEP, "dep_"),
    "IS_SPACE": (IS_SPACE, "is_space"),
    "ORTH": (ORTH, "orth_"),
    "TEXT": (ORTH, "orth_"),
}

TokenTest = Callable[[Token], bool]

# For `lemma`, by vocabulary: the model's lemmatizer, and its answers by (word, part of
# speech, morphology). A loaded pipeline lives as long as the process.
_LEMMATIZERS: dict[int, tuple[Callable[[Token], list[str]], dict[tuple[int, int, int], str]]] = {}


class UnsupportedPattern(ValueError):
    """The attribute ruler uses a pattern feature FastAttributes does not implement."""


def _value_test(spec: Any) -> Callable[[Any], bool]:
    if isinstance(spec, (str, bool, int)):
        return lambda value: value == spec
    if isinstance(spec, dict) and len(spec) == 1:
        ((op, arg),) = spec.items()
        if op == "IN":
            allowed = frozenset(arg)
            return lambda value: value in allowed
        if op == "NOT_IN":
            banned = frozenset(arg)
            return lambda value: value not in banned
        if op == "REGEX":
            pattern = re.compile(arg)
            return lambda value: pattern.search(value) is not None
    raise UnsupportedPattern(f"unsupported value pattern {spec!r}")


def _token_test(spec: dict[str, Any]) -> TokenTest:
    tests = []
    for key, value_spec in spec.items():
        if key not in _FEATURES:
            raise UnsupportedPattern(f"unsupported token feature {key!r}")
        tests.append((_FEATURES[key][1], _value_test(value_spec)))
    return lambda tok: all(test(getattr(tok, prop)) for prop, test in tests)


class FastAttributes:
    """The attribute ruler's patterns applied with a per-token cache; same results, less time.

    The ruler matches every pattern against the untouched document, then applies matches in
    pattern order, so a later pattern overrides an earlier one. A token's outcome therefore
    depends only on its own features, except for patterns longer than one token, which are
    checked against the neighbours wherever their tokens can match.
    """

    def __init__(self, patterns: Sequence[dict[str, Any]], attrs: Sequence[dict[int, Any]]):
        self._attrs = list(attrs)
        self._single: list[tuple[int, TokenTest]] = []  # (rule, test)
        self._multi: list[tuple[int, list[TokenTest], int]] = []  # (rule, tests, index)
        features: set[str] = set()
        for rule, entry in enumerate(patterns):
            index = entry.get("index", 0)
            for sequence in entry["patterns"]:
                features.update(key for spec in sequence for key in spec)
                tests = [_token_test(spec) for spec in sequence]
                if len(tests) == 1 and index in (0, -1):
                    self._single.append((rule, tests[0]))
                else:
                    self._multi.append((rule, tests, index % len(tests)))
        self._key_attrs = sorted({_FEATURES[f][0] for f in features})
        # Words the patterns name, and their regular expressions: any other word behaves like
        # every word that matches the same expressions, so they share one cache entry.
        self._word_columns = [i for i, a in enumerate(self._key_attrs) if a in (LOWER, ORTH)]
        self._words, self._regexes = _named_words(patterns)
        self._word_classes: dict[int, Any] = {}
        # features -> (folded attrs or None, single rules that matched, multi-token parts matched)
        self._cache: dict[tuple, tuple[dict | None, tuple[int, ...], frozenset]] = {}

    @classmethod
    def from_ruler(cls, ruler) -> FastAttributes:
        return cls(ruler.patterns, ruler.attrs)

    def _word_class(self, word: int, vocab) -> Any:
        """A word the patterns name stands for itself; others by which expressions match."""
        cls = self._word_classes.get(word)
        if cls is None:
            text = vocab.strings[word]
            if text in self._words:
                cls = word
            else:
                cls = tuple(bool(r.search(text)) for r in self._regexes)
            self._word_classes[word] = cls
        return cls

    def _entry(self, tok: Token) -> tuple[dict | None, tuple[int, ...], frozenset]:
        rules = tuple(rule for rule, test in self._single if test(tok))
        parts = frozenset(
            (m, j)
            for m, (_, tests, _) in enumerate(self._multi)
            for j, test in enumerate(tests)
            if test(tok)
        )
        return self._fold(rules), rules, parts

    def _fold(self, rules: Sequence[int]) -> dict | None:
        if not rules:
            return None
        folded: dict = {}
        for rule in sorted(rules):
            folded.update(self._attrs[rule])
        return folded

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        cache = self._cache
        entries = []
        rows = doc.to_array(self._key_attrs).reshape(len(doc), -1).tolist()
        for i, row in enumerate(rows):
            for column in self._word_columns:
                row[column] = self._word_class(row[column], doc.vocab)
            key = tuple(row)
            entry = cache.get(key)
            if entry is None:
                entry = cache[key] = self._entry(doc[i])
            entries.append(entry)
        extra = self._multi_matches(entries) if self._multi else {}
        for i, (folded, rules, _) in enumerate(entries):
            if i in extra:
                folded = self._fold(rules + tuple(extra[i]))
            if folded:
                set_token_attrs(doc[i], folded)
        return doc

    def _multi_matches(self, entries) -> dict[int, list[int]]:
        """Rules of several tokens that match, by the token they apply to."""
        extra: dict[int, list[int]] = {}
        n = len(entries)
        for start, (_, _, parts) in enumerate(entries):
            for m, j in parts:
                if j:
                    continue
                rule, tests, index = self._multi[m]
                if start + len(tests) <= n and all(
                    (m, k) in entries[start + k][2] for k in range(1, len(tests))
                ):
                    extra.setdefault(start + index, []).append(rule)
        return extra


def _named_words(patterns: Sequence[dict[str, Any]]) -> tuple[frozenset[str], list[re.Pattern]]:
    words: set[str] = set()
    regexes: list[re.Pattern] = []
    for entry in patterns:
        for sequence in entry["patterns"]:
            for spec in sequence:
                for key in ("LOWER", "ORTH", "TEXT"):
                    value = spec.get(key)
                    if isinstance(value, str):
                        words.add(value)
                    elif isinstance(value, dict):
                        for op, arg in value.items():
                            if op == "REGEX":
                                regexes.append(re.compile(arg))
                            else:
                                words.update(arg)
    return frozenset(words), regexes


@Language.factory("fast_attributes")
def make_fast_attributes(nlp: Language, name: str) -> FastAttributes:
    return FastAttributes.from_ruler(nlp.get_pipe("attribute_ruler"))


def install(nlp: Language) -> bool:
    """Run FastAttributes in place of the attribute ruler, and lemmatize lazily; True if done."""
    if "attribute_ruler" not in nlp.pipe_names or "fast_attributes" in nlp.pipe_names:
        return False
    try:
        nlp.add_pipe("fast_attributes", after="attribute_ruler")
    except UnsupportedPattern:
        return False
    nlp.disable_pipe("attribute_ruler")
    if "lemmatizer" in nlp.pipe_names:
        lemmatizer = nlp.get_pipe("lemmatizer")
        mode, overwrite = getattr(lemmatizer, "mode", ""), getattr(lemmatizer, "overwrite", True)
        if mode == "rule" and not overwrite:
            _index_as_sets(lemmatizer)
            _LEMMATIZERS[id(nlp.vocab)] = (lemmatizer.lemmatize, {})
            nlp.disable_pipe("lemmatizer")
    return True


def _index_as_sets(lemmatizer) -> None:
    """Make the lemmatizer's word lists sets: its rules test `form in index`, and a list of
    57,000 nouns made that the slowest step of lemmatizing a plural. Same answers."""
    index = lemmatizer.lookups.get_table("lemma_index", None)
    if index is None:
        return
    for pos, words in list(index.items()):
        index[pos] = frozenset(words)


def lemma(tok: Token) -> str:
    """The token's lemma, lower-cased; lemmatized now if the pipeline left it for later.

    spaCy's rule lemmatizer caches only some of its answers (not base forms, which are most
    nouns and verbs), so the answers are kept here by word, part of speech and morphology:
    everything its rules read.
    """
    if not tok.lemma:
        found = _LEMMATIZERS.get(id(tok.vocab))
        if found is None:
            return tok.lower_
        lemmatize, known = found
        key = (tok.orth, tok.pos, tok.morph.key)
        word = known.get(key)
        if word is None:
            word = known[key] = lemmatize(tok)[0]
        tok.lemma_ = word
    return tok.lemma_.lower()
