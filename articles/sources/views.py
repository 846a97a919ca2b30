"""The sources dashboard, its CSV downloads, and confirming a speaker's gender and role."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from articles.browse.exporting import csv_row
from articles.models import Article, Entity, SpeakerSuggestion, Tag
from articles.review import changes
from articles.review.corrections import Conflict, CorrectionError
from articles.roles import permission_required
from articles.sources import attributes, charts, queries, suggestions
from articles.sources.forms import SourcesForm

VIEW = "articles.view_article"
CONFIRM = ("articles.view_article", "articles.review_article", "articles.change_entity")
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


def _charts(figures: queries.Figures, request: HttpRequest) -> dict[str, charts.Chart]:
    get = request.GET
    here = get.urlencode()

    def csv_url(name: str) -> str:
        return reverse("articles:sources-chart-csv", args=[name]) + ("?" + here if here else "")

    def breakdown_chart(name: str, breakdown: queries.Breakdown, title: str, desc: str):
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
        queries.GENDER_SERIES,
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
            queries.GENDER_SERIES,
            [(s.label, s.counts, _search_link(get, **s.params)) for s in figures.by_outlet],
            csv=csv_url("outlets"),
            first_column="Outlet",
        ),
        charts.bars(
            "tags",
            "By tag",
            "Quotes by people in articles with each tag, stacked by gender.",
            queries.GENDER_SERIES,
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
        keys = queries.GENDER_SERIES
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


# Speaker attributes ------------------------------------------------------------------------


def _panel_context(entity: Entity, user, article_id: int | None, *, refresh: bool) -> dict:
    """The speaker panel: confirmed values, suggestions with evidence, this page's changes.

    With `refresh` (on reading) the suggestions are computed again from the articles first;
    an answer to a POST shows the stored ones, so that a refused POST writes nothing."""
    if refresh:
        suggestion = suggestions.refresh([entity.pk]).get(entity.pk)
    else:
        suggestion = SpeakerSuggestion.objects.filter(entity=entity).first()
    if suggestion is None:
        suggestion = SpeakerSuggestion(entity=entity)
    history = []
    if article_id is None:
        for head, found in changes.on_entity(entity.pk):
            may = changes.may_undo_on_entity(head, found, entity.pk, user)
            history.append({"head": head, "undo": may})
    return {
        "entity": entity,
        "suggestion": suggestion,
        "genders": Entity.Gender.choices,
        "roles": Entity.Role.choices,
        "article_id": article_id,
        "history": history,
        "gender_evidence": [c for c in suggestion.evidence if c["attribute"] == "gender"],
        "role_evidence": [c for c in suggestion.evidence if c["attribute"] == "role"],
    }


def _article_param(value: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise ValueError("The article is not an id.")
    if not Article.objects.filter(pk=int(value)).exists():
        raise ValueError("There is no such article.")
    return int(value)


@require_http_methods(["GET", "POST"])
@permission_required(VIEW, raise_exception=True)
def speaker(request: HttpRequest, pk: int) -> HttpResponse:
    """A person's gender and role: GET shows them, with suggestions and their evidence (the
    panel alone to htmx); POST confirms them (reviewers), answering the article's review
    partial when sent from an article's speaker pill, else the panel."""
    entity = get_object_or_404(Entity, pk=pk)
    try:
        article_id = _article_param(request.POST.get("article") or request.GET.get("article"))
    except ValueError as error:
        return HttpResponseBadRequest(str(error))
    if entity.label != "PERSON":
        raise Http404("Gender and role are kept for people only.")
    if request.method == "POST":
        return _confirm(request, entity, article_id)
    context = _panel_context(entity, request.user, article_id, refresh=True)
    template = "sources/speaker.html"
    if request.htmx:
        template += "#speaker-panel"
    return render(request, template, context)


def _confirm(request: HttpRequest, entity: Entity, article_id: int | None) -> HttpResponse:
    from articles.review.views import _respond

    if not request.user.has_perms(CONFIRM):
        from articles.roles import RoleRequired

        raise RoleRequired(CONFIRM)
    version = request.POST.get("version", "")
    status, error, notice = 200, "", ""
    try:
        if not version.isascii() or not version.isdigit():
            raise CorrectionError("The form did not say which version you saw; reload the page.")
        entity = attributes.confirm(
            entity.pk,
            int(version),
            request.user,
            gender=request.POST.get("gender"),
            role=request.POST.get("role"),
            article_id=article_id,
        )
        notice = f"Saved {entity.name}'s gender and role."
    except Conflict as refused:
        status, error = 409, str(refused)
    except CorrectionError as refused:
        status, error = 422, str(refused)
    if article_id is not None:
        extra = {"error": error} if error else {"notice": notice, "open_entity": entity.pk}
        return _respond(request, article_id, status=status, **extra)
    if not request.htmx:
        (messages.error if error else messages.success)(request, error or notice)
        return redirect("articles:sources-speaker", pk=entity.pk)
    entity.refresh_from_db()
    context = {
        **_panel_context(entity, request.user, None, refresh=False),
        "error": error,
        "notice": notice,
    }
    response = render(request, "sources/speaker.html#speaker-panel", context, status=status)
    return trigger_client_event(response, "speakerChanged")


@require_POST
@permission_required(CONFIRM, raise_exception=True)
def speaker_undo(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a change made on the person's own page (changes.undo_on_entity decides)."""
    entity = get_object_or_404(Entity, pk=pk)
    status, error, notice = 200, "", ""
    try:
        notice = changes.undo_on_entity(request.POST.get("change", ""), request.user, pk).notice
    except changes.Refused as refused:
        status, error = refused.status, str(refused)
    if not request.htmx:
        (messages.error if error else messages.success)(request, error or notice)
        return redirect("articles:sources-speaker", pk=pk)
    entity.refresh_from_db()
    context = {
        **_panel_context(entity, request.user, None, refresh=False),
        "error": error,
        "notice": notice,
    }
    return render(request, "sources/speaker.html#speaker-panel", context, status=status)


def speaker_link(entity_id: int) -> str:
    return reverse("articles:sources-speaker", args=[entity_id])
