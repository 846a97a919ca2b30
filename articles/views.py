"""Thin function views. htmx requests get a partial of the same template."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from articles import ingest, search, services
from articles.browse_forms import ArticleListForm
from articles.forms import PasteForm
from articles.models import Article, Tag

PAGE_SIZE = 25


def _limits() -> dict[str, int]:
    return {
        "max_bytes": int(settings.NEWSROOM_MAX_UPLOAD_MB * 1024 * 1024),
        "max_chars": settings.NEWSROOM_MAX_ARTICLE_CHARS,
    }


@require_GET
@permission_required("articles.view_article", raise_exception=True)
@vary_on_headers("HX-Request")
def article_list(request: HttpRequest) -> HttpResponse:
    form = ArticleListForm(request.GET or None)
    articles = (
        Article.objects.defer("body", "repairs")
        .select_related("uploaded_by")
        .annotate(tag_list=search.tag_list())
    )
    if form.is_valid():
        if form.cleaned_data["status"]:
            articles = articles.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["outlet"]:
            articles = articles.filter(outlet=form.cleaned_data["outlet"])
        if form.cleaned_data["tag"]:
            articles = articles.filter(search.has_tag(form.cleaned_data["tag"]))
    articles = articles.order_by(*form.ordering())
    page = Paginator(articles, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    outlets = Article.objects.outlets()
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "outlets": outlets,
        # Lazy, so the polled table partial skips it; the full page iterates it once (cached).
        "tags": Tag.objects.annotate(article_count=Count("articles")).order_by("name"),
        "any_pending": any(article.is_pending for article in page),
    }
    template = "articles/list.html"
    if request.htmx:
        template += "#article-table"
    return render(request, template, context)


@require_GET
@permission_required("articles.view_article", raise_exception=True)
@vary_on_headers("HX-Request")
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The article page: highlighted text, quotes, entities, history (the review screen)."""
    article = get_object_or_404(Article.objects.select_related("uploaded_by", "reviewed_by"), pk=pk)
    if request.htmx:
        # Only the extraction status polls this page; when extraction ends, show the results.
        response = render(request, "articles/detail.html#extraction-status", {"article": article})
        if not article.is_pending:
            response["HX-Refresh"] = "true"
        return response
    from articles.review_views import article_context

    return render(request, "articles/detail.html", article_context(article, request.user))


@require_POST
@permission_required("articles.retry_extraction", raise_exception=True)
def retry_extraction(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk)
    services.queue_extraction(article)
    if request.htmx:
        article.refresh_from_db()
        return render(request, "articles/detail.html#extraction-status", {"article": article})
    return redirect(article)


@require_http_methods(["GET", "POST"])
@permission_required("articles.add_article", raise_exception=True)
def upload(request: HttpRequest) -> HttpResponse:
    """The upload page; without JavaScript its form posts every file here at once."""
    results: list[services.ImportResult] = []
    paste_form = PasteForm()
    if request.method == "POST":
        items = []
        for uploaded in request.FILES.getlist("files"):
            items.extend(_parse_uploaded_file(uploaded))
        results = services.import_items(items, request.user)
        if not results:
            results = [services.ImportResult("Upload", "rejected", message="no file was chosen")]
    context = {
        "results": results,
        "paste_form": paste_form,
        "max_mb": settings.NEWSROOM_MAX_UPLOAD_MB,
        "extensions": ", ".join(ingest.SUPPORTED_EXTENSIONS),
    }
    return render(request, "articles/upload.html", context)


@require_POST
@permission_required("articles.add_article", raise_exception=True)
def upload_file(request: HttpRequest) -> HttpResponse:
    """One file per request, so the page can show progress and a verdict per file."""
    uploaded = request.FILES.get("file")
    if uploaded is None:
        items = [ingest.ParsedItem("Upload", error="no file was received")]
    else:
        items = _parse_uploaded_file(uploaded)
    results = services.import_items(items, request.user)
    return _results(request, results)


@require_POST
@permission_required("articles.add_article", raise_exception=True)
def upload_text(request: HttpRequest) -> HttpResponse:
    form = PasteForm(request.POST)
    if form.is_valid():
        item = ingest.parse_pasted(
            form.cleaned_data["title"], form.cleaned_data["text"], max_chars=_limits()["max_chars"]
        )
    else:
        item = ingest.ParsedItem(
            request.POST.get("title", "").strip() or "Pasted text",
            error="there is no text to import",
        )
    results = services.import_items([item], request.user)
    return _results(request, results)


def _parse_uploaded_file(uploaded) -> list[ingest.ParsedItem]:
    limits = _limits()
    if uploaded.size > limits["max_bytes"]:
        # Refuse before reading: the file may be far larger than memory should hold.
        message = ingest.too_large_message(uploaded.size, limits["max_bytes"])
        return [ingest.ParsedItem(uploaded.name, error=message)]
    return ingest.parse_upload(uploaded.name, uploaded.read(), **limits)


def _results(request: HttpRequest, results: list[services.ImportResult]) -> HttpResponse:
    if request.htmx:
        return render(request, "articles/upload.html#result-rows", {"results": results})
    context = {
        "results": results,
        "paste_form": PasteForm(),
        "max_mb": settings.NEWSROOM_MAX_UPLOAD_MB,
        "extensions": ", ".join(ingest.SUPPORTED_EXTENSIONS),
    }
    return render(request, "articles/upload.html", context)
