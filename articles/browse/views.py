"""The article list and the search page."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from articles.browse import keyset, paging, quote_search
from articles.browse.exports import export_params
from articles.browse.forms import ArticleListForm, SearchForm, ignored_values
from articles.browse.search import (
    MAX_TAGS,
    ArticleSearch,
    FacetOption,
    has_searchable_words,
    has_tag,
)
from articles.models import Article, Tag
from articles.roles import permission_required

LIST_PAGE_SIZE = 25
SEARCH_PAGE_SIZE = 20
# Which request parameter each facet sets, and whether it holds several values.
FACET_PARAMS = {
    "tags": ("tag", True),
    "entities": ("entity", False),
    "speakers": ("speaker", False),
    "outlets": ("outlet", False),
    "statuses": ("status", False),
    "reviews": ("review", False),
}


@require_GET
@permission_required("articles.view_article", raise_exception=True)
@vary_on_headers("HX-Request")
def article_list(request: HttpRequest) -> HttpResponse:
    form = ArticleListForm(request.GET)
    articles = (
        Article.objects.with_tag_list().defer("body", "repairs").select_related("uploaded_by")
    )
    filters = form.filters()
    if filters["status"]:
        articles = articles.filter(status=filters["status"])
    if filters["outlet"]:
        articles = articles.filter(outlet=filters["outlet"])
    if filters["tag"]:
        articles = articles.filter(has_tag(filters["tag"]))
    ordering = form.ordering()
    after, before = (
        keyset.cursor(request.GET.get("after")),
        keyset.cursor(request.GET.get("before")),
    )
    if ordering[0].lstrip("-") == "created_at" and "page" not in request.GET:
        # Newest or oldest first: pages by cursor, each as cheap as the first.
        page = keyset.page(
            articles,
            descending=ordering[0].startswith("-"),
            after=after,
            before=before if after is None else None,
            size=LIST_PAGE_SIZE,
        )
    else:
        try:
            page = paging.get_page(
                Paginator(articles.order_by(*ordering), LIST_PAGE_SIZE), request.GET.get("page")
            )
        except paging.BadPage as error:
            return paging.refuse(request, error)
    query = request.GET.copy()
    for key in ("page", "after", "before"):
        query.pop(key, None)
    outlets = Article.objects.outlets()
    context = {
        "form": form,
        "ignored": ignored_values(form, form.NOUNS),
        "page": page,
        "query": query.urlencode(),
        "outlets": outlets,
        # Lazy, so the polled table partial skips it; the full page iterates it once (cached).
        "tags": Tag.objects.with_article_counts(),
        "any_pending": any(article.is_pending for article in page),
        "export_params": export_params(request.GET, form.errors),
        "progress": Article.objects.extraction_progress(),
    }
    template = "articles/list.html"
    if request.htmx:
        template += "#article-table"
    return render(request, template, context)


def toggled(query: QueryDict, key: str, value: str, multiple: bool) -> str:
    """The query string with this facet value switched on or off, back on the first page."""
    query = query.copy()
    query.pop("page", None)
    values = query.getlist(key)
    if value in values:
        values.remove(value)
    elif multiple:
        values.append(value)
    else:
        values = [value]
    query.setlist(key, values)
    return query.urlencode()


@require_GET
@permission_required("articles.view_article", raise_exception=True)
def search(request: HttpRequest) -> HttpResponse:
    """The search page. A search past a cap (MAX_TAGS, the length of its text, the page
    number) is refused with 400 and says why, running no search at all."""
    form = SearchForm(request.GET)
    refused = form.refusals()
    try:
        page_number = paging.page_number(request.GET.get("page"))
    except paging.BadPage as error:
        refused.append(str(error))
    if refused:
        context = {"form": form, "refused": refused, "kept_params": [], "date_kept_params": []}
        return render(request, "articles/search.html", context, status=400)
    params = form.cleaned_data  # invalid filter values are left out, and listed as ignored
    article_search = ArticleSearch(params)
    articles = article_search.results(form.ordering(has_query=bool(article_search.terms)))
    paginator = Paginator(articles, SEARCH_PAGE_SIZE)
    known = article_search.result_count()
    if known is not None:
        paginator.count = known  # a cached_property: the paginator then runs no COUNT
    page = paginator.get_page(page_number)
    article_search.highlight_page(page.object_list)
    facets = article_search.facets(page.paginator.count)
    chosen_tags = len(params.get("tag") or ())
    for attribute, (key, multiple) in FACET_PARAMS.items():
        option: FacetOption
        for option in getattr(facets, attribute):
            full = key == "tag" and not option.selected and chosen_tags >= MAX_TAGS
            # At the cap, another tag is not offered: its link would be refused.
            option.href = "" if full else "?" + toggled(request.GET, key, option.value, multiple)
    query = request.GET.copy()
    query.pop("page", None)
    # Only when nothing matched: say so if the terms were all stop words or operators.
    unsearchable = (
        bool(article_search.terms)
        and not page.paginator.count
        and not has_searchable_words(article_search.terms)
    )
    # A name that finds nothing: names like it, from the trigram index.
    nothing = bool(article_search.terms) and not page.paginator.count
    suggestions = quote_search.did_you_mean(article_search.terms) if nothing else []
    context = {
        "suggestions": suggestions,
        "unsearchable": unsearchable,
        "ignored": form.ignored(),
        "max_tags": MAX_TAGS if chosen_tags >= MAX_TAGS else None,
        "sort_links": _sort_links(form, request.GET, bool(article_search.terms)),
        "kept_params": _params_except(request.GET, "q", "page"),
        "date_kept_params": _params_except(request.GET, "dates", "since", "until", "page"),
        "form": form,
        "search": article_search,
        "page": page,
        "facets": facets,
        "query": query.urlencode(),
        "active": _active_filters(request.GET, facets),
        "export_params": export_params(request.GET, form.errors),
    }
    return render(request, "articles/search.html", context)


def _active_filters(query: QueryDict, facets) -> list[dict[str, str]]:
    """Chips for the filters in force, each with the link that removes it."""
    chips = []
    for attribute, (key, _multiple) in FACET_PARAMS.items():
        for option in getattr(facets, attribute):
            if option.selected:
                chips.append({"label": option.label, "kind": key, "href": option.href})
    for key, label in (("since", "From"), ("until", "Until")):
        if query.get(key):
            rest = query.copy()
            rest.pop(key)
            rest.pop("page", None)
            chips.append(
                {"label": f"{label} {query[key]}", "kind": "date", "href": "?" + rest.urlencode()}
            )
    return chips


def _params_except(query: QueryDict, *keys: str) -> list[tuple[str, list[str]]]:
    """The other parameters, for hidden fields of a form that changes only these keys."""
    return [(key, query.getlist(key)) for key in query if key not in keys]


def _sort_links(form: SearchForm, query: QueryDict, has_query: bool) -> list[dict]:
    current = form.cleaned_data.get("sort") or ("relevance" if has_query else "newest")
    links = []
    for value, label in form.fields["sort"].choices:
        if value == "relevance" and not has_query:
            continue
        rest = query.copy()
        rest.pop("page", None)
        rest["sort"] = value
        links.append({"label": label, "href": "?" + rest.urlencode(), "current": value == current})
    return links
