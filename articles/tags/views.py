"""Tags: the management page, the tags of one article (htmx panel) and bulk tagging."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from articles.models import Article, Tag
from articles.roles import permission_required
from articles.tags import tagging
from articles.tags.forms import TAG_NAME_MAX, BulkTagForm, TagNameForm

PANEL = "articles/_tags.html#tag-panel"


# --- Tag management ----------------------------------------------------------------------------


@require_GET
@permission_required("articles.view_article", raise_exception=True)
def tag_index(request: HttpRequest) -> HttpResponse:
    return _tag_index(request, TagNameForm())


def _tag_index(request: HttpRequest, form: TagNameForm, status: int = 200) -> HttpResponse:
    context = {"tags": Tag.objects.with_article_counts(), "form": form}
    return render(request, "articles/tags.html", context, status=status)


@require_POST
@permission_required("articles.add_tag", raise_exception=True)
def tag_create(request: HttpRequest) -> HttpResponse:
    form = TagNameForm(request.POST)
    if form.is_valid():
        try:
            tag, created = tagging.get_or_create_tag(form.cleaned_data["name"], request.user)
        except ValidationError as error:
            form.add_error("name", error)
        else:
            if created:
                messages.success(request, f"Tag “{tag.name}” created.")
            else:
                messages.info(request, f"There is already a tag called “{tag.name}”.")
            return redirect("articles:tags")
    return _tag_index(request, form, status=400)


@require_POST
@permission_required("articles.change_tag", raise_exception=True)
def tag_rename(request: HttpRequest, pk: int) -> HttpResponse:
    tag = get_object_or_404(Tag, pk=pk)
    old_name = tag.name
    form = TagNameForm(request.POST)
    error = None
    if form.is_valid():
        try:
            tagging.rename_tag(tag, form.cleaned_data["name"], request.user)
        except ValidationError as exc:
            error = exc.messages[0]
    else:
        error = form.errors["name"][0]
    if request.htmx:
        tag.article_count = tag.articles.count()
        if error:
            tag.name = old_name
        response = render(request, "articles/tags.html#tag-row", {"tag": tag, "error": error})
        return trigger_client_event(response, "tagsChanged") if not error else response
    if error:
        messages.error(request, f"“{old_name}” was not renamed: {error}")
    else:
        messages.success(request, f"Tag “{old_name}” renamed to “{tag.name}”.")
    return redirect("articles:tags")


@require_POST
@permission_required("articles.delete_tag", raise_exception=True)
def tag_delete(request: HttpRequest, pk: int) -> HttpResponse:
    tag = get_object_or_404(Tag, pk=pk)
    name = tag.name
    tagging.delete_tag(tag, request.user)
    if request.htmx:
        # An empty 200 lets htmx swap the row away.
        return trigger_client_event(HttpResponse(""), "tagsChanged")
    messages.success(request, f"Tag “{name}” deleted.")
    return redirect("articles:tags")


# --- Tags of one article -----------------------------------------------------------------------


def _panel(
    request: HttpRequest, article: Article, error: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "article": article,
        "article_tags": list(article.tags.order_by("name")),
        "tag_error": error,
    }
    if request.user.has_perm("articles.tag_article"):
        context["suggestions"] = tagging.suggest_tags(article)
        context["all_tags"] = Tag.objects.values_list("name", flat=True)
    template = PANEL if request.htmx else "articles/article_tags.html"
    return render(request, template, context, status=status)


@require_GET
@permission_required("articles.view_article", raise_exception=True)
@vary_on_headers("HX-Request")
def article_tags(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article.objects.only("pk", "title"), pk=pk)
    return _panel(request, article)


@require_POST
@permission_required("articles.tag_article", raise_exception=True)
def article_tag_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Apply a tag by name, creating it if the user may create tags."""
    article = get_object_or_404(Article.objects.only("pk", "title"), pk=pk)
    form = TagNameForm(request.POST)
    error = ""
    if not form.is_valid():
        error = f"Type a tag name of at most {TAG_NAME_MAX} characters."
    else:
        try:
            tag = tagging.tag_to_apply(form.cleaned_data["name"], request.user)
            tagging.apply_tag(article, tag, request.user)
        except ValidationError as exc:
            error = exc.messages[0]
    return _done(request, article, error)


@require_POST
@permission_required("articles.tag_article", raise_exception=True)
def article_tag_remove(request: HttpRequest, pk: int, tag_pk: int) -> HttpResponse:
    article = get_object_or_404(Article.objects.only("pk", "title"), pk=pk)
    tag = get_object_or_404(Tag, pk=tag_pk)
    tagging.remove_tag(article, tag, request.user)
    return _done(request, article)


def _done(request: HttpRequest, article: Article, error: str = "") -> HttpResponse:
    if request.htmx:
        # The fresh panel, and no tagsChanged: the panel reloads itself on that event.
        return _panel(request, article, error, status=200)
    if error:
        messages.error(request, error)
    return redirect(article)


@require_POST
@permission_required("articles.tag_article", raise_exception=True)
def bulk_tag(request: HttpRequest) -> HttpResponse:
    """Tag the articles ticked on the list, then go back to the same list page."""
    form = BulkTagForm(request.POST)
    next_url = _local_url(request, request.POST.get("next") or "")
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return HttpResponseRedirect(next_url)
    try:
        tag = tagging.tag_to_apply(form.cleaned_data["name"], request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return HttpResponseRedirect(next_url)
    added, already = tagging.bulk_apply_tag(form.cleaned_data["articles"], tag, request.user)
    note = f" ({already} already had it)" if already and added else ""
    if added:
        messages.success(
            request, f"Tagged {added} article{'s' if added != 1 else ''} “{tag.name}”{note}."
        )
    else:
        messages.info(request, f"The selected articles were already tagged “{tag.name}”.")
    return HttpResponseRedirect(next_url)


def _local_url(request: HttpRequest, url: str) -> str:
    """The page to go back to: a path of this site, or else the article list.

    Only a path: redirect() would take a bare word for the name of a view to reverse.
    """
    local = url.startswith("/") and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if not local or any(ord(char) < 32 or ord(char) == 127 for char in url):
        return reverse("articles:list")
    return url
