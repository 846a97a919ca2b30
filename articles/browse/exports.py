"""Exports of any selection of articles: CSV, JSONL and spaCy DocBin, streamed.

The selection is the search's own: ExportForm is SearchForm (the article list's parameters are
a subset of it), so an export link carries the page's filters and every rule of the search
(caps, refusals) holds for it. An export refuses any invalid value rather than ignore it: a
dropped filter would export more than was asked.

CSV and JSONL are written as the rows come, from a server-side cursor: memory stays flat and
the first byte leaves at once, whatever the number of articles. A spaCy DocBin is one
compressed file that spaCy reads whole, so it is built in memory and capped
(NEWSROOM_EXPORT_SPACY_MAX_ARTICLES).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from articles.browse.exporting import (
    COLUMNS,
    COUNTS,
    PARTS,
    ItemChoice,
    article_rows,
    csv_row,
    export_records,
    mention_rows,
    quote_rows,
)
from articles.browse.forms import SearchForm
from articles.browse.search import ArticleSearch
from articles.models import Article
from articles.roles import permission_required

# What each kind of CSV row reads besides the article.
CSV_PARTS = {"quotes": ("quotes",), "mentions": ("mentions",), "articles": ("tags", COUNTS)}
# Articles fetched per round trip of the cursor (their items: one query per kind).
CHUNK = 500
FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "jsonl": ("application/x-ndjson; charset=utf-8", "jsonl"),
    "spacy": ("application/octet-stream", "spacy"),
}


class ExportForm(SearchForm):
    """The search's parameters, and what to export."""

    NOUNS = {
        **SearchForm.NOUNS,
        "format": "format",
        "rows": "rows",
        "items": "items",
        "rejected": "rejected items",
    }
    format = forms.ChoiceField(choices=[(name, name) for name in FORMATS], required=False)
    rows = forms.ChoiceField(
        choices=[("quotes", "One row per quote"), ("articles", "One row per article"),
                 ("mentions", "One row per entity mention")],
        required=False,
    )  # fmt: skip
    items = forms.ChoiceField(
        choices=[("all", "Machine and reviewed items"), ("reviewed", "Reviewed items only")],
        required=False,
    )
    rejected = forms.ChoiceField(choices=[("", "no"), ("0", "no"), ("1", "yes")], required=False)


@dataclass(frozen=True)
class Export:
    """A validated export: the articles, the format and which items and rows."""

    articles: QuerySet[Article]
    format: str
    rows: str
    items: ItemChoice
    ordering: tuple[str, ...]
    entity_id: int | None = None
    speaker_id: int | None = None

    @classmethod
    def from_form(cls, form: ExportForm) -> Export:
        """Call after form.problems() came back empty."""
        data = form.cleaned_data
        search = ArticleSearch(data)
        ordering = form.ordering(has_query=bool(search.terms))
        articles = search.results(ordering)  # with the rank, when it sorts by it
        fmt = data.get("format") or "csv"
        return cls(
            articles=articles,
            format=fmt,
            rows=data.get("rows") or "quotes",
            items=ItemChoice(
                reviewed_only=data.get("items") == "reviewed",
                rejected=data.get("rejected") == "1",
            ),
            ordering=ordering,
            entity_id=data.get("entity"),
            speaker_id=data.get("speaker"),
        )

    def filename(self) -> str:
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        suffix = f"-{self.rows}" if self.format == "csv" else ""
        return f"newsroom-{stamp}{suffix}.{FORMATS[self.format][1]}"

    def records(self) -> Iterator[dict]:
        """The records, one article at a time, from a server-side cursor.

        The cursor lives in a transaction: outside one, Django declares it WITH HOLD, and
        PostgreSQL then computes every row before sending the first. The export also reads
        one consistent snapshot.
        """
        with_text = self.format != "csv"
        parts = CSV_PARTS[self.rows] if self.format == "csv" else PARTS
        with transaction.atomic():
            yield from export_records(
                self.articles,
                self.items,
                with_text=with_text,
                ordering=self.ordering,
                parts=parts,
                chunk=CHUNK,
            )

    def csv_lines(self) -> Iterator[str]:
        writer = csv.writer(_Line())
        yield writer.writerow(csv_row(COLUMNS[self.rows]))
        batch: list[str] = []
        for record in self.records():
            if self.rows == "articles":
                rows = article_rows(record)
            elif self.rows == "mentions":
                rows = mention_rows(record, self.entity_id)
            else:
                rows = quote_rows(record, self.speaker_id)
            batch.extend(writer.writerow(row) for row in rows)
            if len(batch) >= 200:
                yield "".join(batch)
                batch.clear()
        if batch:
            yield "".join(batch)

    def jsonl_lines(self) -> Iterator[str]:
        for record in self.records():
            yield json.dumps(record, ensure_ascii=False) + "\n"

    def docbin_bytes(self) -> bytes:
        # spaCy is imported here, not at import time: only this format needs it.
        from articles.nlp.docbin import new_docbin, new_tokenizer, record_doc

        docbin, tokenizer = new_docbin(), new_tokenizer()
        for record in self.records():
            docbin.add(record_doc(record, tokenizer))
        return docbin.to_bytes()

    def chunks(self) -> Iterable[str] | Iterable[bytes]:
        if self.format == "jsonl":
            return self.jsonl_lines()
        if self.format == "spacy":
            return [self.docbin_bytes()]
        return self.csv_lines()


class _Line:
    """A file-like object whose write returns what it was given: csv.writer then hands back
    each row as text, to be streamed."""

    def write(self, value: str) -> str:
        return value


def export_params(query: QueryDict, invalid: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The filters of a list or search page's query, as (name, value) pairs for its export
    form: not its page number, nor the parameters the page ignored as `invalid` (an export
    refuses them)."""
    names = set(SearchForm.base_fields) - set(invalid)
    return [(name, value) for name in query if name in names for value in query.getlist(name)]


def spacy_refusal(export: Export) -> str:
    """Why a spaCy export is refused (too many articles), or ''."""
    limit = settings.NEWSROOM_EXPORT_SPACY_MAX_ARTICLES
    count = export.articles.order_by()[: limit + 1].count()
    if count > limit:
        return (
            f"A spaCy export holds at most {limit:,} articles, and this selection has more. "
            "Narrow it (a tag, a date range, an outlet), or export JSONL, which has no limit."
        )
    return ""


@require_GET
@permission_required("articles.view_article", raise_exception=True)
def export(request: HttpRequest) -> HttpResponse:
    """The export of the current filters, as a download."""
    form = ExportForm(request.GET)
    refused = form.problems()
    if refused:
        return render(request, "400.html", {"message": " ".join(refused)}, status=400)
    chosen = Export.from_form(form)
    if chosen.format == "spacy" and (message := spacy_refusal(chosen)):
        return render(request, "400.html", {"message": message}, status=400)
    return streamed(chosen)


def streamed(chosen: Export) -> StreamingHttpResponse:
    """The export as a download, written as it is read."""
    response = StreamingHttpResponse(chosen.chunks(), content_type=FORMATS[chosen.format][0])
    response["Content-Disposition"] = f'attachment; filename="{chosen.filename()}"'
    response["Cache-Control"] = "no-store"
    return response
