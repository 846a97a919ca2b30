"""A person's gender and role: the panel that shows them with their suggestions, and the
reviewers' confirmations and undos (the writes are sources/attributes.py's)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from articles.models import Article, Entity, SpeakerSuggestion
from articles.review import changes
from articles.review.corrections import Conflict, CorrectionError
from articles.roles import RoleRequired, permission_required
from articles.sources import attributes, suggestions

VIEW = "articles.view_article"
CONFIRM = ("articles.view_article", "articles.review_article", "articles.change_entity")


def _panel_context(entity: Entity, user, article_id: int | None, *, refresh: bool) -> dict:
    """The speaker panel: confirmed values, suggestions with evidence, this page's changes.

    With `refresh` (on reading) the suggestions are computed again from the articles first;
    an answer to a POST shows the stored ones, so that a refused POST writes nothing."""
    if refresh:
        suggestion = suggestions.refresh([entity.pk]).get(entity.pk)
    else:
        suggestion = SpeakerSuggestion.objects.filter(entity=entity).first()
    if suggestion is None:
        suggestion = SpeakerSuggestion(entity=entity)
    history = []
    if article_id is None:
        for head, found in changes.on_entity(entity.pk):
            may = changes.may_undo_on_entity(head, found, entity.pk, user)
            history.append({"head": head, "undo": may})
    return {
        "entity": entity,
        "suggestion": suggestion,
        "genders": Entity.Gender.choices,
        "roles": Entity.Role.choices,
        "article_id": article_id,
        "history": history,
        "gender_evidence": [c for c in suggestion.evidence if c["attribute"] == "gender"],
        "role_evidence": [c for c in suggestion.evidence if c["attribute"] == "role"],
    }


def _article_param(value: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise ValueError("The article is not an id.")
    if not Article.objects.filter(pk=int(value)).exists():
        raise ValueError("There is no such article.")
    return int(value)


@require_http_methods(["GET", "POST"])
@permission_required(VIEW, raise_exception=True)
def speaker(request: HttpRequest, pk: int) -> HttpResponse:
    """A person's gender and role: GET shows them, with suggestions and their evidence (the
    panel alone to htmx); POST confirms them (reviewers), answering the article's review
    partial when sent from an article's speaker pill, else the panel."""
    entity = get_object_or_404(Entity, pk=pk)
    try:
        article_id = _article_param(request.POST.get("article") or request.GET.get("article"))
    except ValueError as error:
        return HttpResponseBadRequest(str(error))
    if entity.label != "PERSON":
        raise Http404("Gender and role are kept for people only.")
    if request.method == "POST":
        return _confirm(request, entity, article_id)
    context = _panel_context(entity, request.user, article_id, refresh=True)
    template = "sources/speaker.html"
    if request.htmx:
        template += "#speaker-panel"
    return render(request, template, context)


def _confirm(request: HttpRequest, entity: Entity, article_id: int | None) -> HttpResponse:
    # The article page's own answer: its review partial, or a redirect without htmx.
    from articles.review.views import respond_review

    if not request.user.has_perms(CONFIRM):
        raise RoleRequired(CONFIRM)
    version = request.POST.get("version", "")
    status, error, notice = 200, "", ""
    try:
        if not version.isascii() or not version.isdigit():
            raise CorrectionError("The form did not say which version you saw; reload the page.")
        entity = attributes.confirm(
            entity.pk,
            int(version),
            request.user,
            gender=request.POST.get("gender"),
            role=request.POST.get("role"),
            article_id=article_id,
        )
        notice = f"Saved {entity.name}'s gender and role."
    except Conflict as refused:
        status, error = 409, str(refused)
    except CorrectionError as refused:
        status, error = 422, str(refused)
    if article_id is not None:
        extra = {"error": error} if error else {"notice": notice, "open_entity": entity.pk}
        return respond_review(request, article_id, status=status, **extra)
    if not request.htmx:
        (messages.error if error else messages.success)(request, error or notice)
        return redirect("articles:sources-speaker", pk=entity.pk)
    entity.refresh_from_db()
    context = {
        **_panel_context(entity, request.user, None, refresh=False),
        "error": error,
        "notice": notice,
    }
    response = render(request, "sources/speaker.html#speaker-panel", context, status=status)
    return trigger_client_event(response, "speakerChanged")


@require_POST
@permission_required(CONFIRM, raise_exception=True)
def speaker_undo(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a change made on the person's own page (changes.undo_on_entity decides)."""
    entity = get_object_or_404(Entity, pk=pk)
    status, error, notice = 200, "", ""
    try:
        notice = changes.undo_on_entity(request.POST.get("change", ""), request.user, pk).notice
    except changes.Refused as refused:
        status, error = refused.status, str(refused)
    if not request.htmx:
        (messages.error if error else messages.success)(request, error or notice)
        return redirect("articles:sources-speaker", pk=pk)
    entity.refresh_from_db()
    context = {
        **_panel_context(entity, request.user, None, refresh=False),
        "error": error,
        "notice": notice,
    }
    return render(request, "sources/speaker.html#speaker-panel", context, status=status)
