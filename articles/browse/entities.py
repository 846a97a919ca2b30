"""Entity pages, the entities index and the speakers directory."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from articles.browse import paging
from articles.browse.forms import EntityDirectoryForm, SpeakerDirectoryForm, ignored_values
from articles.models import Article, Entity, Quote
from articles.review import changes, duplicates
from articles.roles import permission_required

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
    """An entity's articles and quotes. A merged-away entity's page sends its readers to the
    entity it joined (302: the merge may be split again)."""
    entity = Entity.objects.filter(pk=pk).first()
    if entity is None:
        joined = changes.merged_into(pk)
        if joined is None:
            raise Http404("There is no such entity.")
        entity_id, name = joined
        messages.info(request, f"“{name or 'That entity'}” was merged into this one.")
        return redirect("articles:entity", pk=entity_id)
    articles = (
        Article.objects.mentioning(entity.pk)
        .defer("body", "repairs")
        .with_tag_list()
        .order_by("-published", "-created_at", "-id")
    )
    try:
        article_page = paging.get_page(Paginator(articles, PAGE_SIZE), request.GET.get("page"))
        quote_page = paging.get_page(
            Paginator(Quote.objects.spoken_by(entity.pk), PAGE_SIZE), request.GET.get("qpage")
        )
    except paging.BadPage as error:
        return paging.refuse(request, error)
    may_clean = request.user.has_perms(("articles.review_article", "articles.change_entity"))
    context = {
        "entity": entity,
        "may_clean": may_clean,
        # Suggestions only on the full page (not the paging partials), for reviewers.
        "candidates": duplicates.suggested(entity) if may_clean and not request.htmx else [],
        "label_name": LABELS.get(entity.label, entity.label),
        "aliases": entity.other_names(),
        "article_page": article_page,
        "quote_page": quote_page,
        "show_quotes": entity.label == "PERSON" or quote_page.paginator.count > 0,
        "article_query": _query_without(request, "page"),
        "quote_query": _query_without(request, "qpage"),
        "export_mentions": [("entity", entity.pk)],
        "export_quotes": [("speaker", entity.pk)],
    }
    template = "articles/entity.html"
    if request.htmx and request.htmx.target in {"entity-articles", "entity-quotes"}:
        template += f"#{request.htmx.target}"
    return render(request, template, context)


@require_GET
@permission_required("articles.view_article", raise_exception=True)
def entity_index(request: HttpRequest) -> HttpResponse:
    form = EntityDirectoryForm(request.GET)
    entities = Entity.objects.mentioned()
    form.is_valid()  # invalid values are left out, and listed as ignored
    if form.cleaned_data.get("label"):
        entities = entities.filter(label=form.cleaned_data["label"])
    if form.cleaned_data.get("q"):
        entities = entities.named(form.cleaned_data["q"])
    entities = entities.order_by(*form.ordering())
    try:
        page = paging.get_page(Paginator(entities, PAGE_SIZE), request.GET.get("page"))
    except paging.BadPage as error:
        return paging.refuse(request, error)
    context = {
        "form": form,
        "ignored": ignored_values(form, form.NOUNS),
        "page": page,
        "labels": LABELS,
        "query": _query_without(request, "page"),
        "label_query": _query_without(request, "page", "label"),
    }
    return render(request, "articles/entities.html", context)


@require_GET
@permission_required("articles.view_article", raise_exception=True)
def speaker_index(request: HttpRequest) -> HttpResponse:
    form = SpeakerDirectoryForm(request.GET)
    speakers = Entity.objects.quoted()
    form.is_valid()  # invalid values are left out, and listed as ignored
    if form.cleaned_data.get("q"):
        speakers = speakers.named(form.cleaned_data["q"])
    speakers = speakers.order_by(*form.ordering())
    try:
        page = paging.get_page(Paginator(speakers, PAGE_SIZE), request.GET.get("page"))
    except paging.BadPage as error:
        return paging.refuse(request, error)
    samples = Quote.objects.best_by_speaker([s.pk for s in page.object_list])
    for speaker in page.object_list:
        # Quote spans may or may not include their quotation marks; the page adds its own.
        speaker.sample_quote = samples.get(speaker.pk, "").strip(" \"'“”‘’")
    context = {
        "form": form,
        "ignored": ignored_values(form, form.NOUNS),
        "page": page,
        "query": _query_without(request, "page"),
    }
    return render(request, "articles/speakers.html", context)
