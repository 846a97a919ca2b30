"""Articles with their tags, entity mentions and quotes as plain records, for export.

One code path for the browser's /export/, `manage.py export_articles` and the benchmark:
which items go out (ItemChoice), the records, and the CSV rows. Every CSV row goes through
csv_row, which keeps spreadsheets from running cells as formulas.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass

from django.db.models import F, Prefetch, QuerySet

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
# What a record holds besides the article's own fields.
PARTS = ("tags", "mentions", "quotes")


def articles_for_export(
    articles: QuerySet[Article],
    items: ItemChoice = ALL_STANDING,
    *,
    with_text: bool = True,
    ordering: tuple[str, ...] = ("id",),
    parts: Collection[str] = PARTS,
) -> QuerySet[Article]:
    """Prefetch everything a record needs, so export costs a fixed number of queries per chunk
    (iterate with .iterator(chunk_size=...)). Without `with_text`, bodies stay in the
    database; `parts` (of PARTS) leaves out what a record will not need (article_record then
    gives those lists empty)."""
    kept = {"status__in": items.states, "end__gt": F("start")}
    mentions = Mention.objects.filter(**kept).select_related("entity").order_by("start", "id")
    quotes = Quote.objects.filter(**kept).select_related("speaker").order_by("start", "id")
    fields = [
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
    ]
    return (
        # defer(None) first: a field deferred before (as search results defer the body) is
        # otherwise left out of only().
        articles.defer(None)
        .only(*fields, *(["body"] if with_text else []))
        .order_by(*ordering)
        .prefetch_related(
            *(["tags"] if "tags" in parts else []),
            *([Prefetch("mentions", queryset=mentions)] if "mentions" in parts else []),
            *([Prefetch("quotes", queryset=quotes)] if "quotes" in parts else []),
        )
    )


def article_record(article: Article, parts: Collection[str] = PARTS) -> dict:
    """One article as the JSONL export writes it (from articles_for_export with the same
    `parts`); offsets index into `text` (absent when the body was not loaded)."""
    tags = article.tags.all() if "tags" in parts else ()
    mentions = article.mentions.all() if "mentions" in parts else ()
    quotes = article.quotes.all() if "quotes" in parts else ()
    record = {
        "id": article.pk,
        "external_id": article.external_id,
        "title": article.title,
        "url": article.source_url,
        "outlet": article.outlet,
        "byline": article.byline,
        "published": article.published.isoformat() if article.published else None,
        "added": article.created_at.isoformat(),
        "status": article.status,
        "review_status": article.review_status,
        "tags": [tag.name for tag in tags],
        "entities": [
            {
                "id": m.pk,
                "start": m.start,
                "end": m.end,
                "text": m.text,
                "label": m.label,
                "entity": m.entity.name,
                "entity_id": m.entity_id,
                "origin": m.origin,
                "status": m.status,
            }
            for m in mentions
        ],
        "quotes": [
            {
                "id": q.pk,
                "start": q.start,
                "end": q.end,
                "text": q.text,
                "type": q.kind,
                "category": q.category,
                "continues": q.continues,
                "speaker": q.speaker.name if q.speaker else (q.speaker_text or None),
                "speaker_id": q.speaker_id,
                "speaker_start": q.speaker_start,
                "speaker_end": q.speaker_end,
                "cue": q.cue,
                "confidence": round(q.confidence, 3),
                "origin": q.origin,
                "status": q.status,
            }
            for q in quotes
        ],
    }
    if "body" in article.__dict__:
        record["text"] = article.body
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
            len(record["entities"]),
            len(record["quotes"]),
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
