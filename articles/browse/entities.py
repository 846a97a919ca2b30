"""Entity pages, the entities index and the speakers directory."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from articles.browse.forms import EntityDirectoryForm, SpeakerDirectoryForm
from articles.browse.search import mentions_entity, tag_list
from articles.models import Article, Entity, EntityAlias, Mention, Quote, ReviewState

PAGE_SIZE = 25
NOT_REJECTED = ~Q(status=ReviewState.REJECTED)
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
    aliases = EntityAlias.objects.filter(entity=entity).exclude(name=entity.name).order_by("name")
    mention_count = (
        Mention.objects.filter(article=OuterRef("pk"), entity=entity)
        .filter(NOT_REJECTED)
        .order_by()
        .values("article")
        .annotate(n=Count("pk"))
        .values("n")
    )
    articles = (
        Article.objects.filter(mentions_entity(entity.pk))
        .defer("body", "repairs")
        .annotate(mention_count=Coalesce(Subquery(mention_count), 0), tag_list=tag_list())
        .order_by("-published", "-created_at", "-id")
    )
    article_page = Paginator(articles, PAGE_SIZE).get_page(request.GET.get("page"))
    quotes = (
        Quote.objects.filter(speaker=entity)
        .filter(NOT_REJECTED)
        .select_related("article")
        .defer("article__body", "article__repairs")
        .order_by("-article__published", "-article__created_at", "article_id", "start")
    )
    quote_page = Paginator(quotes, PAGE_SIZE).get_page(request.GET.get("qpage"))
    context = {
        "entity": entity,
        "label_name": LABELS.get(entity.label, entity.label),
        "aliases": aliases,
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
@vary_on_headers("HX-Request")
def entity_index(request: HttpRequest) -> HttpResponse:
    form = EntityDirectoryForm(request.GET or None)
    entities = Entity.objects.annotate(
        mention_count=Count("mentions", filter=Q(mentions__status__in=_kept())),
        article_count=Count(
            "mentions__article", filter=Q(mentions__status__in=_kept()), distinct=True
        ),
    ).filter(mention_count__gt=0)
    if form.is_valid():
        if form.cleaned_data["label"]:
            entities = entities.filter(label=form.cleaned_data["label"])
        if form.cleaned_data["q"]:
            entities = _named(entities, form.cleaned_data["q"])
    entities = entities.order_by(*form.ordering())
    page = Paginator(entities, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "labels": LABELS,
        "query": _query_without(request, "page"),
        "label_query": _query_without(request, "page", "label"),
    }
    template = "articles/entities.html"
    if request.htmx:
        template += "#entity-table"
    return render(request, template, context)


@require_GET
@permission_required("articles.view_article", raise_exception=True)
@vary_on_headers("HX-Request")
def speaker_index(request: HttpRequest) -> HttpResponse:
    form = SpeakerDirectoryForm(request.GET or None)
    kept = Q(quotes__status__in=_kept())
    speakers = Entity.objects.annotate(
        quote_count=Count("quotes", filter=kept),
        article_count=Count("quotes__article", filter=kept, distinct=True),
        last_quoted=Max(
            Coalesce("quotes__article__published", TruncDate("quotes__article__created_at")),
            filter=kept,
        ),
    ).filter(quote_count__gt=0)
    if form.is_valid() and form.cleaned_data["q"]:
        speakers = _named(speakers, form.cleaned_data["q"])
    speakers = speakers.order_by(*form.ordering())
    page = Paginator(speakers, PAGE_SIZE).get_page(request.GET.get("page"))
    # One quote per speaker on the page, the most confident: a single DISTINCT ON query.
    samples = dict(
        Quote.objects.filter(speaker__in=[s.pk for s in page.object_list])
        .filter(NOT_REJECTED)
        .order_by("speaker_id", "-confidence", "-id")
        .distinct("speaker_id")
        .values_list("speaker_id", "text")
    )
    for speaker in page.object_list:
        # Quote spans may or may not include their quotation marks; the page adds its own.
        speaker.sample_quote = samples.get(speaker.pk, "").strip(" \"'“”‘’")
    context = {"form": form, "page": page, "query": _query_without(request, "page")}
    template = "articles/speakers.html"
    if request.htmx:
        template += "#speaker-table"
    return render(request, template, context)


def _kept() -> list[str]:
    return [state for state in ReviewState.values if state != ReviewState.REJECTED]


def _named(entities, text: str):
    """Entities whose name or one of whose aliases contains the text."""
    alias = EntityAlias.objects.filter(entity=OuterRef("pk"), name__icontains=text)
    return entities.filter(Q(name__icontains=text) | Q(Exists(alias)))
