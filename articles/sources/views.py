"""The sources dashboard and its CSV downloads."""

from __future__ import annotations

import csv

from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from articles.browse.exporting import csv_row
from articles.browse.exports import export_params
from articles.models import Article, Tag
from articles.roles import permission_required
from articles.sources import charts, queries
from articles.sources import figures as figures_
from articles.sources.forms import SourcesForm

VIEW = "articles.view_article"
SPEAKER_COLUMNS = ["speaker", "entity_id", "kind", "gender", "role", "quotes", "articles"]


def _form(request: HttpRequest) -> tuple[SourcesForm, list[str]]:
    form = SourcesForm(request.GET)
    return form, form.refusals()


def _refused(request: HttpRequest, form: SourcesForm, refused: list[str]) -> HttpResponse:
    context = {"form": form, "refused": refused}
    return render(request, "sources/dashboard.html", context, status=400)


def _search_link(params: QueryDict, **extra) -> str:
    """The search page with the dashboard's filters and these, for the quotes behind a bar."""
    query = QueryDict(mutable=True)
    for key in ("tag", "outlet", "review", "dates", "since", "until"):
        if params.getlist(key):
            query.setlist(key, params.getlist(key))
    for key, value in extra.items():
        if key == "tag":
            values = query.getlist("tag")
            if str(value) not in values:
                query.setlist("tag", [*values, str(value)])
        else:
            query[key] = str(value)
    return reverse("articles:search") + "?" + query.urlencode()


def _charts(figures: figures_.Figures, request: HttpRequest) -> dict[str, charts.Chart]:
    get = request.GET
    here = get.urlencode()

    def csv_url(name: str) -> str:
        return reverse("articles:sources-chart-csv", args=[name]) + ("?" + here if here else "")

    def breakdown_chart(name: str, breakdown: figures_.Breakdown, title: str, desc: str):
        keys = [
            ("confirmed", "Confirmed by a reviewer"),
            ("suggested", "Suggested by the text"),
            ("none", "Not known"),
        ]
        rows = []
        for share in breakdown.rows:
            counts = (
                {"confirmed": share.confirmed, "suggested": share.suggested}
                if name != "kinds"
                else {"none": share.quotes}
            )
            if name != "kinds":
                counts["none"] = share.quotes - share.confirmed - share.suggested
            rows.append((share.label, counts, _search_link(get)))
        if name == "kinds":
            keys = [("none", "Quotes")]
        first = {"kinds": "Speaker", "genders": "Gender", "roles": "Role"}[name]
        return charts.bars(name, title, desc, keys, rows, csv=csv_url(name), first_column=first)

    over_time = charts.columns(
        "over-time",
        f"People quoted by gender, by {figures.unit}",
        "Quotes by people in each period, stacked by gender; suggested genders apart from "
        "confirmed ones.",
        figures_.GENDER_SERIES,
        [(s.label, s.counts, _search_link(get, **s.params)) for s in figures.over_time],
        csv=csv_url("over-time"),
        first_column=figures.unit.capitalize(),
    )
    listed = [
        breakdown_chart("kinds", figures.kinds, "Who is quoted", "Quotes by kind of speaker."),
        breakdown_chart(
            "genders",
            figures.genders,
            "Gender of people quoted",
            "Quotes by people, by gender: confirmed, suggested, or not known.",
        ),
        breakdown_chart(
            "roles",
            figures.roles,
            "Role of people quoted",
            "Quotes by people, by role: confirmed, suggested, or not known.",
        ),
        over_time,
        charts.bars(
            "outlets",
            "By outlet",
            "Quotes by people in each outlet, stacked by gender.",
            figures_.GENDER_SERIES,
            [(s.label, s.counts, _search_link(get, **s.params)) for s in figures.by_outlet],
            csv=csv_url("outlets"),
            first_column="Outlet",
        ),
        charts.bars(
            "tags",
            "By tag",
            "Quotes by people in articles with each tag, stacked by gender.",
            figures_.GENDER_SERIES,
            [(s.label, s.counts, _search_link(get, **s.params)) for s in figures.by_tag],
            csv=csv_url("tags"),
            first_column="Tag",
        ),
    ]
    return {chart.id.replace("-", "_"): chart for chart in listed}


@require_GET
@permission_required(VIEW, raise_exception=True)
def dashboard(request: HttpRequest) -> HttpResponse:
    """Who the newsroom quotes, for the filters; every role may read it."""
    form, refused = _form(request)
    if refused:
        return _refused(request, form, refused)
    sources = queries.SourcesQuery(form.cleaned_data)
    figures = sources.cached_figures()
    for row in (*figures.people, *figures.organisations, *figures.new_voices):
        # A speaker's quotes behind the figure: the search page, same filters, that speaker.
        row["quotes_href"] = _search_link(request.GET, speaker=row["speaker_id"])
    chosen_tags = set(form.cleaned_data.get("tag") or [])
    context = {
        "form": form,
        "ignored": form.ignored(),
        "figures": figures,
        "charts": _charts(figures, request),
        "outlets": Article.objects.outlets(),
        "tags": list(Tag.objects.order_by("name").values_list("pk", "name")),
        "chosen_tags": chosen_tags,
        "query": request.GET.urlencode(),
        "speakers_csv": reverse("articles:sources-speakers-csv")
        + ("?" + request.GET.urlencode() if request.GET else ""),
        "basis": form.cleaned_data.get("basis") or "all",
        "basis_links": _basis_links(request.GET),
        # The quotes behind the dashboard, downloadable like any list's (browse/exports.py).
        "export_params": export_params(request.GET, form.errors),
    }
    return render(request, "sources/dashboard.html", context)


def _basis_links(query: QueryDict) -> list[dict]:
    links = []
    current = query.get("basis") or "all"
    for value, label in SourcesForm.BASES:
        rest = query.copy()
        rest["basis"] = value
        links.append({"label": label, "href": "?" + rest.urlencode(), "current": value == current})
    return links


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    lines = (writer.writerow(csv_row(list(row))) for row in [header, *rows])
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _kind(label: str) -> str:
    return "person" if label == "PERSON" else "organisation"


@require_GET
@permission_required(VIEW, raise_exception=True)
def speakers_csv(request: HttpRequest) -> HttpResponse:
    """One row per speaker for the filters: speaker, entity_id, kind, gender, role, quotes,
    articles. Gender and role are the confirmed values; empty where no reviewer set one."""
    form, refused = _form(request)
    if refused:
        return _refused(request, form, refused)
    rows = (
        queries.SourcesQuery(form.cleaned_data)
        .speaker_rows()
        .order_by("-quotes", "speaker__name", "speaker_id")
    )
    lines = (
        [
            row["speaker__name"],
            row["speaker_id"],
            _kind(row["speaker__label"]),
            row["speaker__gender"],
            row["speaker__role"],
            row["quotes"],
            row["articles"],
        ]
        for row in rows.iterator(chunk_size=2000)
    )
    return _csv("speakers.csv", SPEAKER_COLUMNS, lines)


CHARTS = ("kinds", "genders", "roles", "over-time", "outlets", "tags", "people", "new-voices")


@require_GET
@permission_required(VIEW, raise_exception=True)
def chart_csv(request: HttpRequest, name: str) -> HttpResponse:
    """The data of one chart or list of the dashboard, as CSV, for the same filters."""
    if name not in CHARTS:
        raise Http404("There is no such chart.")
    form, refused = _form(request)
    if refused:
        return _refused(request, form, refused)
    figures = queries.SourcesQuery(form.cleaned_data).cached_figures()
    if name in ("kinds", "genders", "roles"):
        breakdown = getattr(figures, name)
        header = [
            name[:-1],
            "quotes",
            "share",
            "unreviewed_quotes",
            "confirmed",
            "suggested",
            "reviewed_quotes",
            "reviewed_share",
        ]
        rows = [
            [
                s.label,
                s.quotes,
                _round(s.share),
                s.unreviewed,
                s.confirmed,
                s.suggested,
                s.reviewed,
                _round(s.reviewed_share),
            ]
            for s in breakdown.rows
        ]
    elif name in ("over-time", "outlets", "tags"):
        series = {"over-time": figures.over_time, "outlets": figures.by_outlet}.get(
            name, figures.by_tag
        )
        first = {"over-time": figures.unit, "outlets": "outlet", "tags": "tag"}[name]
        keys = figures_.GENDER_SERIES
        header = [first, "quotes", *[key.replace(":", "_") for key, _ in keys]]
        rows = [[s.label, s.total, *[s.counts.get(key, 0) for key, _ in keys]] for s in series]
    else:
        people = figures.people + figures.organisations if name == "people" else figures.new_voices
        header = ["speaker", "entity_id", "kind", "quotes", "articles", "first_seen", "last_seen"]
        rows = [
            [
                p["speaker__name"],
                p["speaker_id"],
                _kind(p["speaker__label"]),
                p["quotes"],
                p["articles"],
                p["first_seen"],
                p["last_seen"],
            ]
            for p in people
        ]
    return _csv(f"{name}.csv", header, rows)


def _round(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"
