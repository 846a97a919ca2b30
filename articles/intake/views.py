"""The upload page: files (one request per file, for progress), pasted text, background imports."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from articles.intake import imports, ingest, jobs
from articles.intake.forms import FileDefaultsForm, PasteForm
from articles.models import Article, ImportJob
from articles.roles import permission_required

UPLOAD_VIEWS = {"upload", "upload-file", "upload-text"}
RECENT_JOBS = 5


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
    if request.method == "POST":
        defaults = FileDefaultsForm(request.POST)
        if not defaults.is_valid():
            results = [imports.ImportResult("Upload", "rejected", message=defaults.refusal())]
            return _page(request, results, defaults=defaults)
        for uploaded in request.FILES.getlist("files"):
            results.extend(_import_file(request, uploaded, defaults.defaults()))
        if not results:
            results = [imports.ImportResult("Upload", "rejected", message="no file was chosen")]
        return _page(request, results, defaults=defaults)
    return _page(request, results)


@require_POST
@permission_required("articles.add_article", raise_exception=True)
def upload_file(request: HttpRequest) -> HttpResponse:
    """One file per request, so the page can show progress and a verdict per file."""
    uploaded = request.FILES.get("file")
    defaults = FileDefaultsForm(request.POST)
    label = ingest.upload_name(uploaded.name) if uploaded is not None else "Upload"
    if uploaded is None:
        results = [imports.ImportResult("Upload", "rejected", message="no file was received")]
    elif not defaults.is_valid():
        results = [imports.ImportResult(label, "rejected", message=defaults.refusal())]
    else:
        results = _import_file(request, uploaded, defaults.defaults())
    return _results(request, results)


@require_POST
@permission_required("articles.add_article", raise_exception=True)
def upload_text(request: HttpRequest) -> HttpResponse:
    item = pasted_item(PasteForm(request.POST))
    results = imports.import_items([item], request.user)
    return _results(request, results)


def pasted_item(form: PasteForm, external_id: str = "") -> ingest.ParsedItem:
    """A pasted article (the paste form's, or the API's) as a draft, or why it is refused."""
    if not form.is_valid():
        title = form.cleaned_data.get("title") or ""
        return ingest.ParsedItem(title.strip() or "Pasted text", error=form.refusal())
    data = form.cleaned_data
    return ingest.parse_pasted(
        data["title"],
        data["text"],
        max_chars=_limits()["max_chars"],
        byline=data["byline"],
        outlet=data["outlet"],
        published=data["published"],
        source_url=data["source_url"],
        external_id=external_id,
    )


@require_GET
@permission_required("articles.add_article", raise_exception=True)
@vary_on_headers("HX-Request", "HX-Target")
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """A background import: its progress row (the upload page polls it) or its own page
    (which polls itself for its summary)."""
    job = get_object_or_404(_visible_jobs(request.user).defer("data"), pk=pk)
    if request.htmx and request.htmx.target != "import-summary":
        return render(request, "articles/upload.html#job-row", {"job": job})
    return render(request, "articles/import_job.html", {"job": job})


# At most this many articles in one status poll (a batch of more shows the first ones).
STATUS_MAX_IDS = 1000


@require_GET
@permission_required("articles.add_article", raise_exception=True)
def upload_status(request: HttpRequest) -> HttpResponse:
    """How far extraction has got with the articles of an upload: "N of M extracted", and
    each row's state out of band. Polled by the upload page while any is pending."""
    raw = request.GET.get("ids", "")
    parts = raw.split(",") if raw else []
    if len(parts) > STATUS_MAX_IDS or not all(
        p.isascii() and p.isdigit() and len(p) < 19 for p in parts
    ):
        return HttpResponseBadRequest("ids must be at most 1000 article numbers, comma-separated.")
    ids = sorted({int(p) for p in parts})
    articles = list(Article.objects.filter(pk__in=ids).only("id", "status").order_by("id"))
    counts = {status: 0 for status in Article.Status.values}
    for article in articles:
        counts[article.status] += 1
    pending = counts[Article.Status.QUEUED] + counts[Article.Status.PROCESSING]
    context = {
        "articles": articles,
        "ids": ",".join(str(article.pk) for article in articles),
        "total": len(articles),
        "done": counts[Article.Status.EXTRACTED],
        "failed": counts[Article.Status.FAILED],
        "pending": pending,
    }
    return render(request, "articles/upload.html#extract-progress", context)


def _import_file(
    request: HttpRequest, uploaded, defaults: ingest.Defaults
) -> list[imports.ImportResult]:
    limits = _limits()
    name = ingest.upload_name(uploaded.name)
    if uploaded.size > limits["max_bytes"]:
        # Refuse before reading: the file may be far larger than memory should hold.
        message = ingest.too_large_message(uploaded.size, limits["max_bytes"])
        return [imports.ImportResult(name, "rejected", message=message)]
    data = uploaded.read()
    if not jobs.background_candidate(name, data):
        items = ingest.parse_upload(name, data, **limits, defaults=defaults)
        return imports.import_items(items, request.user)
    try:
        ingest.check_upload(name, data, limits["max_bytes"])
        ingest.read_text(data)
    except ingest.IngestError as error:
        return [imports.ImportResult(name, "rejected", message=str(error))]
    job = jobs.queue_import(name, data, request.user, defaults=defaults)
    return [imports.ImportResult(name, "queued", job=job)]


def _visible_jobs(user):
    """Editors see their own imports; those who may view every import see all."""
    if user.has_perm("articles.view_importjob"):
        return ImportJob.objects.all()
    return ImportJob.objects.filter(created_by=user)


def _page(
    request: HttpRequest,
    results: list[imports.ImportResult],
    status: int = 200,
    defaults: FileDefaultsForm | None = None,
):
    shown = {result.job.pk for result in results if result.job is not None}
    context = {
        "results": results,
        "paste_form": PasteForm(),
        "defaults_form": defaults or FileDefaultsForm(),
        "max_mb": settings.NEWSROOM_MAX_UPLOAD_MB,
        "extensions": ", ".join(ingest.SUPPORTED_EXTENSIONS),
        "inline_max": jobs.INLINE_MAX_ITEMS,
        "recent_jobs": ImportJob.objects.filter(created_by=request.user)
        .exclude(pk__in=shown)
        .defer("data", "verdicts")[:RECENT_JOBS],
    }
    return render(request, "articles/upload.html", context, status=status)


def _results(
    request: HttpRequest, results: list[imports.ImportResult], status: int = 200
) -> HttpResponse:
    if request.htmx:
        return render(request, "articles/upload.html#result-rows", {"results": results})
    return _page(request, results, status)


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
