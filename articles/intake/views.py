"""The upload page: files (one request per file, for progress) and pasted text."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from articles.intake import imports, ingest
from articles.intake.forms import PasteForm

UPLOAD_VIEWS = {"upload", "upload-file", "upload-text"}


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


def _results(
    request: HttpRequest, results: list[imports.ImportResult], status: int = 200
) -> HttpResponse:
    if request.htmx:
        return render(request, "articles/upload.html#result-rows", {"results": results})
    context = {
        "results": results,
        "paste_form": PasteForm(),
        "max_mb": settings.NEWSROOM_MAX_UPLOAD_MB,
        "extensions": ", ".join(ingest.SUPPORTED_EXTENSIONS),
    }
    return render(request, "articles/upload.html", context, status=status)


def refused_upload(request: HttpRequest, exception: Exception) -> HttpResponse:
    """An upload request Django refused before the view ran, as a verdict on the upload page.

    Called by the project's 400 handler; the request's body could not be read, so nothing
    was stored. htmx gets the verdict row (status 200, so that it is shown); a plain form
    post gets the page with status 400.
    """
    if isinstance(exception, TooManyFilesSent):
        message = (
            f"too many files in one upload (the limit is {settings.DATA_UPLOAD_MAX_NUMBER_FILES}); "
            "nothing was stored: send them in smaller groups"
        )
    elif isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1048576
        message = (
            f"the text is too large to read (over {limit:.3g} MB in one request); "
            "nothing was stored"
        )
    else:
        message = (
            "the upload could not be read (a file name or a field is too long, or the request "
            "was damaged); nothing was stored"
        )
    label = "Pasted text" if request.resolver_match.url_name == "upload-text" else "Upload"
    result = imports.ImportResult(label, "rejected", message=message)
    return _results(request, [result], status=200 if request.htmx else 400)
