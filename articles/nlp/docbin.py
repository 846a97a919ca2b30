"""Export records as spaCy Docs for training: entities as doc.ents, quotes and speakers as
span groups, saved together in one DocBin (.spacy).

Pure functions over export records (articles/browse/exporting.py's export_records); no Django.
The text is tokenised by a blank English pipeline (tokeniser rules only, no trained weights)
and every stored item's boundaries are made token boundaries, so each span covers exactly the
characters that were stored.

Span groups (training data for spancat and for attribution):
- "quotes": quotes and attributions, labelled by category ("quote", "attribution"); the kb_id
  is the speaker's entity id, if any.
- "speakers": the speaker's words in the text, labelled "SPEAKER", kb_id the entity id.
- "rejected_entities", "rejected_quotes": items reviewers rejected, when asked for (negatives).
Each doc's user_data holds the article's id and title and, for every quote span, its id,
kind, status and speaker name (in doc order), under "newsroom".
"""

from __future__ import annotations

import spacy
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc, DocBin
from spacy.util import filter_spans

# Token attributes a training corpus needs: ORTH and SPACY (always kept) and the entities.
DOCBIN_ATTRS = ["ORTH", "SPACY", "ENT_IOB", "ENT_TYPE", "ENT_KB_ID"]
REJECTED = "rejected"


def new_tokenizer() -> Tokenizer:
    """A blank English pipeline's tokenizer (no model is loaded). One per export: its
    vocabulary grows with every new word, and is freed with it."""
    return spacy.blank("en").tokenizer


def _boundaries(record: dict) -> list[int]:
    cuts = {0, len(record["text"])}
    for item in record["entities"] + record["quotes"]:
        cuts.update((item["start"], item["end"]))
    for quote in record["quotes"]:
        if quote.get("speaker_start") is not None and quote.get("speaker_end") is not None:
            cuts.update((quote["speaker_start"], quote["speaker_end"]))
    return sorted(cut for cut in cuts if 0 <= cut <= len(record["text"]))


def tokenised(record: dict, tokenizer: Tokenizer) -> Doc:
    """The record's text as a Doc whose token boundaries include every item's boundaries."""
    text = record["text"]
    words: list[str] = []
    spaces: list[bool] = []
    cuts = _boundaries(record)
    for start, end in zip(cuts, cuts[1:], strict=False):
        piece = tokenizer(text[start:end])
        for token in piece:
            words.append(token.text)
            spaces.append(bool(token.whitespace_))
    doc = Doc(tokenizer.vocab, words=words, spaces=spaces)
    assert doc.text == text, "tokenising must keep the text"  # noqa: S101 - an invariant
    return doc


def record_doc(record: dict, tokenizer: Tokenizer) -> Doc:
    """One export record as a Doc with its entities and span groups."""
    doc = tokenised(record, tokenizer)
    entities, rejected_entities = [], []
    for mention in record["entities"]:
        span = doc.char_span(mention["start"], mention["end"], label=mention["label"])
        if span is None:
            continue
        span.kb_id_ = str(mention["entity_id"])
        (rejected_entities if mention["status"] == REJECTED else entities).append(span)
    # doc.ents cannot overlap: the longest of overlapping mentions is kept there.
    doc.ents = filter_spans(entities)
    quotes, speakers, rejected_quotes, details = [], [], [], []
    for quote in record["quotes"]:
        span = doc.char_span(quote["start"], quote["end"], label=quote["category"])
        if span is None:
            continue
        span.kb_id_ = str(quote["speaker_id"] or "")
        if quote["status"] == REJECTED:
            rejected_quotes.append(span)
            continue
        quotes.append(span)
        details.append(
            {
                "id": quote["id"],
                "kind": quote["type"],
                "status": quote["status"],
                "speaker": quote["speaker"],
            }
        )
        if quote["speaker_start"] is not None and quote["speaker_end"] is not None:
            speaker = doc.char_span(quote["speaker_start"], quote["speaker_end"], label="SPEAKER")
            if speaker is not None:
                speaker.kb_id_ = str(quote["speaker_id"] or "")
                speakers.append(speaker)
    doc.spans["quotes"] = quotes
    doc.spans["speakers"] = speakers
    if rejected_entities or rejected_quotes:
        doc.spans["rejected_entities"] = rejected_entities
        doc.spans["rejected_quotes"] = rejected_quotes
    doc.user_data["newsroom"] = {
        "article_id": record["id"],
        "title": record["title"],
        "quotes": details,
    }
    return doc


def new_docbin() -> DocBin:
    return DocBin(attrs=DOCBIN_ATTRS, store_user_data=True)
