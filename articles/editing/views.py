"""The article editor, deleting to the trash, the trash and restoring from it."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from articles.browse import paging
from articles.editing import edits, trash
from articles.editing.forms import ArticleForm
from articles.models import Article
from articles.roles import permission_required
from newsroom.views import conflict

EDIT_PERMS = ("articles.view_article", "articles.change_article")
TRASH_PERMS = ("articles.view_article", "articles.delete_article")
TRASH_PAGE_SIZE = 25


@require_http_methods(["GET", "POST"])
@permission_required(EDIT_PERMS)
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit an article's metadata and text. A stale form (409) shows the current values
    beside the editor's, whose text is kept; saving it again overwrites them."""
    article = get_object_or_404(Article, pk=pk)
    if request.method == "GET":
        return _editor(request, article, ArticleForm.for_article(article))
    form = ArticleForm(request.POST)
    if not form.is_valid():
        return _editor(request, article, form, status=422)
    try:
        edited = edits.edit_article(
            article.pk, request.user, form.cleaned_data["version"], form.values()
        )
    except edits.Stale as stale:
        return _editor(request, stale.current, _refreshed(form, stale.current), stale=stale)
    except edits.EditError as refused:
        form.add_error(None, str(refused))
        return _editor(request, article, form, status=refused.status)
    except Article.DoesNotExist:
        raise Http404("This article is no longer here.") from None
    messages.success(request, edited.summary)
    return redirect(edited.article)


def _refreshed(form: ArticleForm, current: Article) -> ArticleForm:
    """The editor's form again, carrying the current version, so saving it overwrites."""
    data = form.data.copy()
    data["version"] = str(current.version)
    refreshed = ArticleForm(data)
    refreshed.is_valid()
    return refreshed


def _editor(
    request: HttpRequest,
    article: Article,
    form: ArticleForm,
    *,
    status: int = 200,
    stale: edits.Stale | None = None,
) -> HttpResponse:
    theirs = []
    if stale is not None:
        for name in edits.EDITABLE:
            current = getattr(stale.current, name)
            mine = form.cleaned_data.get(name) if hasattr(form, "cleaned_data") else None
            if current != mine:
                theirs.append((form[name].label, current, name == "body"))
    context = {
        "article": article,
        "form": form,
        "stale": stale,
        "theirs": theirs,
        "kept_items": article.quotes.exclude(origin="machine", status="unreviewed").count()
        + article.mentions.exclude(origin="machine", status="unreviewed").count(),
    }
    return render(request, "articles/edit.html", context, status=stale.status if stale else status)


@require_POST
@permission_required(TRASH_PERMS)
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Move an article to the trash; back to the list, with the way to restore it."""
    article = get_object_or_404(Article.objects.only("pk", "title"), pk=pk)
    version = request.POST.get("version", "")
    try:
        trash.trash(article.pk, request.user, int(version) if version.isdecimal() else None)
    except edits.Stale:
        return conflict(
            request,
            "Someone changed this article since you opened it, so it was not deleted. "
            "Look at it again before deleting it.",
            article.get_absolute_url(),
            "Back to the article",
        )
    except edits.EditError as refused:
        messages.error(request, str(refused))
        return redirect("articles:trash")
    messages.success(
        request,
        format_html(
            'Moved “{}” to the trash. You can <a href="{}">restore it from the trash</a> '
            "for {} days.",
            article.title,
            reverse("articles:trash"),
            f"{trash.trash_days():g}",
        ),
    )
    return redirect("articles:list")


@require_GET
@permission_required(TRASH_PERMS)
def trash_index(request: HttpRequest) -> HttpResponse:
    """The articles in the trash, last deleted first, each with when it will be purged."""
    articles = Article.with_trash.in_trash().select_related("deleted_by").defer("body", "repairs")
    try:
        page = paging.get_page(Paginator(articles, TRASH_PAGE_SIZE), request.GET.get("page"))
    except paging.BadPage as error:
        return paging.refuse(request, error)
    for article in page.object_list:
        article.purge_at = trash.purge_date(article)
    context = {"page": page, "days": trash.trash_days()}
    return render(request, "articles/trash.html", context)


@require_POST
@permission_required(TRASH_PERMS)
def restore(request: HttpRequest, pk: int) -> HttpResponse:
    """Take an article out of the trash and open it."""
    article = get_object_or_404(Article.with_trash.only("pk", "title", "deleted_at"), pk=pk)
    try:
        restored = trash.restore(article.pk, request.user)
    except edits.EditError:
        messages.info(request, f"“{article.title}” was not in the trash: it is here.")
        return redirect(article)
    messages.success(request, f"Restored “{restored.title}” from the trash.")
    return redirect(restored)
