"""Articles with their tags, entity mentions and quotes as plain records, for export.

One code path for the browser's /export/, `manage.py export_articles` and the benchmark:
which items go out (ItemChoice), the records, and the CSV rows. Every CSV row goes through
csv_row, which keeps spreadsheets from running cells as formulas.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet

from articles.models import Article, Mention, Quote, ReviewState

# One row per quote. New columns go last, so readers that go by position keep working.
CSV_COLUMNS = [
    "article_id",
    "external_id",
    "title",
    "url",
    "quote_start",
    "quote_end",
    "quote",
    "type",
    "speaker",
    "speaker_start",
    "speaker_end",
    "cue",
    "confidence",
    "origin",
    "status",
    "category",
    "continues",
    "outlet",
    "published",
    "speaker_entity_id",
    "quote_id",
    "speaker_evidence",
]
ARTICLE_COLUMNS = [
    "article_id",
    "external_id",
    "title",
    "url",
    "outlet",
    "byline",
    "published",
    "added",
    "extraction_status",
    "review_status",
    "tags",
    "entities",
    "quotes",
]
MENTION_COLUMNS = [
    "article_id",
    "external_id",
    "title",
    "mention_start",
    "mention_end",
    "mention",
    "label",
    "entity",
    "entity_id",
    "origin",
    "status",
    "mention_id",
]
COLUMNS = {"quotes": CSV_COLUMNS, "articles": ARTICLE_COLUMNS, "mentions": MENTION_COLUMNS}

# A spreadsheet runs a cell that starts with one of these as a formula: a title such as
# =HYPERLINK(...) would be live in whoever opens the export (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What a person decided: accepted or corrected machine items, and items a person added (which
# are accepted when added).
REVIEWED_STATES = (ReviewState.ACCEPTED, ReviewState.CORRECTED)


def spreadsheet_safe(cell):
    """The cell, with a leading single quote if it is text a spreadsheet would run as a
    formula (OWASP's rule); spreadsheets show such a cell as text. Numbers are left alone."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def csv_row(cells: list) -> list:
    """A row for a CSV file the app writes: every cell spreadsheet_safe."""
    return [spreadsheet_safe(cell) for cell in cells]


@dataclass(frozen=True)
class ItemChoice:
    """Which mentions and quotes of the chosen articles go out.

    By default every standing item, machine or human, reviewed or not. `reviewed_only` keeps
    the items a person accepted, corrected or added; `rejected` adds the items reviewers
    rejected (marked by their status; negatives for training). Items whose words an edit took
    (detached, empty) never go out: they have no text.
    """

    reviewed_only: bool = False
    rejected: bool = False

    @property
    def states(self) -> tuple[str, ...]:
        states = REVIEWED_STATES if self.reviewed_only else (*REVIEWED_STATES, "unreviewed")
        return (*states, ReviewState.REJECTED) if self.rejected else states


ALL_STANDING = ItemChoice()
# What a record holds besides the article's own fields: its tags, its items, and (for CSV
# rows per article, which need no items) only how many items it has.
PARTS = ("tags", "mentions", "quotes")
COUNTS = "counts"
ARTICLE_FIELDS = (
    "id",
    "external_id",
    "title",
    "source_url",
    "outlet",
    "byline",
    "published",
    "created_at",
    "status",
    "review_status",
)
MENTION_FIELDS = ("id", "start", "end", "text", "label", "entity__name", "entity_id", "origin",
                  "status")  # fmt: skip
QUOTE_FIELDS = ("id", "start", "end", "text", "kind", "category", "continues", "speaker__name",
                "speaker_text", "speaker_id", "speaker_start", "speaker_end", "speaker_evidence",
                "cue", "confidence", "origin", "status")  # fmt: skip


def export_records(
    articles: QuerySet[Article],
    items: ItemChoice = ALL_STANDING,
    *,
    with_text: bool = True,
    ordering: tuple[str, ...] = ("id",),
    parts: Collection[str] = PARTS,
    chunk: int = 500,
) -> Iterator[dict]:
    """The articles as export records, one at a time: offsets index into `text` (left out
    without `with_text`). `parts` (of PARTS, or COUNTS) says what else each record holds; the
    lists it leaves out are empty.

    The articles come from a server-side cursor, `chunk` at a time, and each chunk's items
    from one query per kind: a fixed number of queries per chunk, whatever the articles hold.
    Rows are read as tuples, not models: at 100,000 articles, building half a million model
    instances was most of the time. Call inside a transaction, so that the cursor is not
    declared WITH HOLD (PostgreSQL would compute every row before sending the first).
    """
    fields = [*ARTICLE_FIELDS, *(["body"] if with_text else [])]
    rows = articles.order_by(*ordering)
    if "tags" in parts:
        rows = rows.with_tag_list()
        fields.append("tag_list")
    cursor = rows.values_list(*fields).iterator(chunk_size=chunk)
    while batch := list(itertools.islice(cursor, chunk)):
        ids = [row[0] for row in batch]
        kept = Q(article_id__in=ids, status__in=items.states, end__gt=F("start"))
        mentions = _items_by_article(Mention, kept, MENTION_FIELDS, "mentions" in parts)
        quotes = _items_by_article(Quote, kept, QUOTE_FIELDS, "quotes" in parts)
        counts = _counts(kept) if COUNTS in parts else {}
        for row in batch:
            values = dict(zip(fields, row, strict=True))
            record = _record(values, mentions.get(row[0], []), quotes.get(row[0], []))
            if COUNTS in parts:
                record["counts"] = counts.get(row[0], (0, 0))
            yield record


def _items_by_article(model, kept: Q, fields: tuple[str, ...], wanted: bool) -> dict:
    if not wanted:
        return {}
    found: dict[int, list[tuple]] = {}
    rows = model.objects.filter(kept).order_by("article_id", "start", "id")
    for article_id, *values in rows.values_list("article_id", *fields):
        found.setdefault(article_id, []).append(values)
    return found


def _counts(kept: Q) -> dict[int, tuple[int, int]]:
    """(mentions, quotes) per article of the chunk: two grouped counts."""
    counts: dict[int, list[int]] = {}
    for index, model in enumerate((Mention, Quote)):
        grouped = model.objects.filter(kept).order_by().values("article_id").annotate(n=Count("id"))
        for article_id, n in grouped.values_list("article_id", "n"):
            counts.setdefault(article_id, [0, 0])[index] = n
    return {article_id: tuple(pair) for article_id, pair in counts.items()}


def _record(article: dict, mentions: list[tuple], quotes: list[tuple]) -> dict:
    record = {
        "id": article["id"],
        "external_id": article["external_id"],
        "title": article["title"],
        "url": article["source_url"],
        "outlet": article["outlet"],
        "byline": article["byline"],
        "published": article["published"].isoformat() if article["published"] else None,
        "added": article["created_at"].isoformat(),
        "status": article["status"],
        "review_status": article["review_status"],
        "tags": [tag["name"] for tag in article.get("tag_list") or ()],
        "entities": [
            {
                "id": pk,
                "start": start,
                "end": end,
                "text": text,
                "label": label,
                "entity": entity,
                "entity_id": entity_id,
                "origin": origin,
                "status": status,
            }
            for pk, start, end, text, label, entity, entity_id, origin, status in mentions
        ],
        "quotes": [
            {
                "id": pk,
                "start": start,
                "end": end,
                "text": text,
                "type": kind,
                "category": category,
                "continues": continues,
                "speaker": speaker or speaker_text or None,
                "speaker_id": speaker_id,
                "speaker_start": speaker_start,
                "speaker_end": speaker_end,
                "speaker_evidence": speaker_evidence,
                "cue": cue,
                "confidence": round(confidence, 3),
                "origin": origin,
                "status": status,
            }
            for (
                pk,
                start,
                end,
                text,
                kind,
                category,
                continues,
                speaker,
                speaker_text,
                speaker_id,
                speaker_start,
                speaker_end,
                speaker_evidence,
                cue,
                confidence,
                origin,
                status,
            ) in quotes
        ],  # fmt: skip
    }
    if "body" in article:
        record["text"] = article["body"]
    return record


def quote_rows(record: dict, speaker_id: int | None = None) -> Iterator[list]:
    """CSV rows: one per quote (of one speaker, if given), with its article, safe for
    spreadsheets."""
    for quote in record["quotes"]:
        if speaker_id is not None and quote["speaker_id"] != speaker_id:
            continue
        yield csv_row(
            [
                record["id"],
                record["external_id"],
                record["title"],
                record["url"],
                quote["start"],
                quote["end"],
                quote["text"],
                quote["type"],
                quote["speaker"] or "",
                quote["speaker_start"],
                quote["speaker_end"],
                quote["cue"],
                quote["confidence"],
                quote["origin"],
                quote["status"],
                quote["category"],
                quote["continues"],
                record["outlet"],
                record["published"] or "",
                quote["speaker_id"] or "",
                quote["id"],
                quote["speaker_evidence"],
            ]
        )


def article_rows(record: dict) -> Iterator[list]:
    """One CSV row for the article, with how many of its items go out."""
    yield csv_row(
        [
            record["id"],
            record["external_id"],
            record["title"],
            record["url"],
            record["outlet"],
            record["byline"],
            record["published"] or "",
            record["added"],
            record["status"],
            record["review_status"],
            "; ".join(record["tags"]),
            *record.get("counts", (len(record["entities"]), len(record["quotes"]))),
        ]
    )


def mention_rows(record: dict, entity_id: int | None = None) -> Iterator[list]:
    """CSV rows: one per entity mention (of one entity, if given)."""
    for mention in record["entities"]:
        if entity_id is not None and mention["entity_id"] != entity_id:
            continue
        yield csv_row(
            [
                record["id"],
                record["external_id"],
                record["title"],
                mention["start"],
                mention["end"],
                mention["text"],
                mention["label"],
                mention["entity"],
                mention["entity_id"],
                mention["origin"],
                mention["status"],
                mention["id"],
            ]
        )
