"""Entity pages, the entities index and the speakers directory."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from articles.browse.forms import EntityDirectoryForm, SpeakerDirectoryForm
from articles.models import Article, Entity, Quote

PAGE_SIZE = 25
LABELS = {
    "PERSON": "People",
    "ORG": "Organisations",
    "GPE": "Countries and cities",
    "LOC": "Places",
    "NORP": "Groups",
    "FAC": "Buildings and facilities",
    "EVENT": "Events",
    "LAW": "Laws",
    "PRODUCT": "Products",
    "WORK_OF_ART": "Works",
    "LANGUAGE": "Languages",
}


def _query_without(request: HttpRequest, *keys: str) -> str:
    query = request.GET.copy()
    for key in keys:
        query.pop(key, None)
    return query.urlencode()


@require_GET
@permission_required("articles.view_article", raise_exception=True)
@vary_on_headers("HX-Request", "HX-Target")
def entity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entity = get_object_or_404(Entity, pk=pk)
    articles = (
        Article.objects.mentioning(entity.pk)
        .defer("body", "repairs")
        .with_tag_list()
        .order_by("-published", "-created_at", "-id")
    )
    article_page = Paginator(articles, PAGE_SIZE).get_page(request.GET.get("page"))
    quote_page = Paginator(Quote.objects.spoken_by(entity.pk), PAGE_SIZE).get_page(
        request.GET.get("qpage")
    )
    context = {
        "entity": entity,
        "label_name": LABELS.get(entity.label, entity.label),
        "aliases": entity.other_names(),
        "article_page": article_page,
        "quote_page": quote_page,
        "show_quotes": entity.label == "PERSON" or quote_page.paginator.count > 0,
        "article_query": _query_without(request, "page"),
        "quote_query": _query_without(request, "qpage"),
    }
    template = "articles/entity.html"
    if request.htmx and request.htmx.target in {"entity-articles", "entity-quotes"}:
        template += f"#{request.htmx.target}"
    return render(request, template, context)


@require_GET
@permission_required("articles.view_article", raise_exception=True)
def entity_index(request: HttpRequest) -> HttpResponse:
    form = EntityDirectoryForm(request.GET or None)
    entities = Entity.objects.mentioned()
    if form.is_valid():
        if form.cleaned_data["label"]:
            entities = entities.filter(label=form.cleaned_data["label"])
        if form.cleaned_data["q"]:
            entities = entities.named(form.cleaned_data["q"])
    entities = entities.order_by(*form.ordering())
    page = Paginator(entities, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "labels": LABELS,
        "query": _query_without(request, "page"),
        "label_query": _query_without(request, "page", "label"),
    }
    return render(request, "articles/entities.html", context)


@require_GET
@permission_required("articles.view_article", raise_exception=True)
def speaker_index(request: HttpRequest) -> HttpResponse:
    form = SpeakerDirectoryForm(request.GET or None)
    speakers = Entity.objects.quoted()
    if form.is_valid() and form.cleaned_data["q"]:
        speakers = speakers.named(form.cleaned_data["q"])
    speakers = speakers.order_by(*form.ordering())
    page = Paginator(speakers, PAGE_SIZE).get_page(request.GET.get("page"))
    samples = Quote.objects.best_by_speaker([s.pk for s in page.object_list])
    for speaker in page.object_list:
        # Quote spans may or may not include their quotation marks; the page adds its own.
        speaker.sample_quote = samples.get(speaker.pk, "").strip(" \"'“”‘’")
    context = {"form": form, "page": page, "query": _query_without(request, "page")}
    return render(request, "articles/speakers.html", context)
