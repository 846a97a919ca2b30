"""Articles with their tags, entity mentions and quotes as plain records, for export.

Every CSV row goes through csv_row, which keeps spreadsheets from running cells as formulas.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Prefetch, QuerySet

from articles.models import Article, Mention, Quote

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
    # New columns go last, so readers that go by position keep working.
    "category",
    "continues",
]


# A spreadsheet runs a cell that starts with one of these as a formula: a title such as
# =HYPERLINK(...) would be live in whoever opens the export (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell):
    """The cell, with a leading single quote if it is text a spreadsheet would run as a
    formula (OWASP's rule); spreadsheets show such a cell as text. Numbers are left alone."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def csv_row(cells: list) -> list:
    """A row for a CSV file the app writes: every cell spreadsheet_safe."""
    return [spreadsheet_safe(cell) for cell in cells]


def articles_for_export(articles: QuerySet[Article]) -> QuerySet[Article]:
    """Prefetch everything a record needs, so export costs a fixed number of queries per chunk.

    Only standing mentions and quotes are exported (rejected ones are not).
    """
    mentions = Mention.objects.standing().select_related("entity").order_by("start")
    quotes = Quote.objects.standing().select_related("speaker").order_by("start")
    return articles.order_by("id").prefetch_related(
        "tags", Prefetch("mentions", queryset=mentions), Prefetch("quotes", queryset=quotes)
    )


def article_record(article: Article) -> dict:
    """One article as the JSONL export writes it (from articles_for_export); offsets index
    into `text`."""
    return {
        "id": article.pk,
        "external_id": article.external_id,
        "title": article.title,
        "url": article.source_url,
        "status": article.status,
        "text": article.body,
        "tags": [tag.name for tag in article.tags.all()],
        "entities": [
            {
                "start": m.start,
                "end": m.end,
                "text": m.text,
                "label": m.label,
                "entity": m.entity.name,
                "entity_id": m.entity_id,
                "origin": m.origin,
            }
            for m in article.mentions.all()
        ],
        "quotes": [
            {
                "start": q.start,
                "end": q.end,
                "text": q.text,
                "type": q.kind,
                "category": q.category,
                "continues": q.continues,
                "speaker": q.speaker.name if q.speaker else (q.speaker_text or None),
                "speaker_start": q.speaker_start,
                "speaker_end": q.speaker_end,
                "cue": q.cue,
                "confidence": round(q.confidence, 3),
                "origin": q.origin,
                "status": q.status,
            }
            for q in article.quotes.all()
        ],
    }


def quote_rows(record: dict) -> Iterator[list]:
    """CSV rows: one per quote, with the article it came from, safe for spreadsheets."""
    for quote in record["quotes"]:
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
            ]
        )
