"""The upload page: files (one request per file, for progress) and pasted text."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from articles.intake import imports, ingest
from articles.intake.forms import PasteForm


def _limits() -> dict[str, int]:
    return {
        "max_bytes": int(settings.NEWSROOM_MAX_UPLOAD_MB * 1024 * 1024),
        "max_chars": settings.NEWSROOM_MAX_ARTICLE_CHARS,
    }


@require_http_methods(["GET", "POST"])
@permission_required("articles.add_article", raise_exception=True)
def upload(request: HttpRequest) -> HttpResponse:
    """The upload page; without JavaScript its form posts every file here at once."""
    results: list[imports.ImportResult] = []
    paste_form = PasteForm()
    if request.method == "POST":
        items = []
        for uploaded in request.FILES.getlist("files"):
            items.extend(_parse_uploaded_file(uploaded))
        results = imports.import_items(items, request.user)
        if not results:
            results = [imports.ImportResult("Upload", "rejected", message="no file was chosen")]
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
    results = imports.import_items(items, request.user)
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
    results = imports.import_items([item], request.user)
    return _results(request, results)


def _parse_uploaded_file(uploaded) -> list[ingest.ParsedItem]:
    limits = _limits()
    if uploaded.size > limits["max_bytes"]:
        # Refuse before reading: the file may be far larger than memory should hold.
        message = ingest.too_large_message(uploaded.size, limits["max_bytes"])
        return [ingest.ParsedItem(uploaded.name, error=message)]
    return ingest.parse_upload(uploaded.name, uploaded.read(), **limits)


def _results(request: HttpRequest, results: list[imports.ImportResult]) -> HttpResponse:
    if request.htmx:
        return render(request, "articles/upload.html#result-rows", {"results": results})
    context = {
        "results": results,
        "paste_form": PasteForm(),
        "max_mb": settings.NEWSROOM_MAX_UPLOAD_MB,
        "extensions": ", ".join(ingest.SUPPORTED_EXTENSIONS),
    }
    return render(request, "articles/upload.html", context)
