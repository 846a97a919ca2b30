"""Clean-up on an entity's own page: merge duplicates into it, or mark it as not an entity.

Plain forms that POST and redirect back (303) with a message: no htmx needed. The merge
search is a GET partial the page loads as the reviewer types.
"""

from __future__ import annotations

import unicodedata

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from articles.models import Entity
from articles.nlp.entities import entity_key
from articles.review import duplicates
from articles.review import entities as entity_corrections
from articles.review.corrections import CorrectionError
from articles.review.views import _ID, REVIEW_PERMS
from articles.roles import permission_required


def _number(request: HttpRequest, name: str) -> int | None:
    value = request.POST.get(name, "").strip()
    return int(value) if _ID.fullmatch(value) else None


def _back(entity_id: int) -> HttpResponse:
    return redirect("articles:entity", pk=entity_id, permanent=False)


@require_POST
@permission_required(
    (*REVIEW_PERMS, "articles.change_entity", "articles.delete_mention"), raise_exception=True
)
def merge_here(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge the chosen entity (`other`, at `other_version`) into this one (at `version`)."""
    entity = get_object_or_404(Entity, pk=pk)
    other, other_version = _number(request, "other"), _number(request, "other_version")
    version = _number(request, "version")
    if other is None or version is None:
        return HttpResponseBadRequest("Choose the entity to merge into this one.")
    try:
        kept = entity_corrections.merge_entities(
            entity.pk, version, other, other_version, request.user
        )
    except CorrectionError as refused:
        messages.error(request, f"Not merged. {refused}")
        return _back(entity.pk)
    messages.success(request, f"Merged into {kept.name}; a split from an article undoes it.")
    return _back(kept.pk)


@require_POST
@permission_required((*REVIEW_PERMS, "articles.change_entity"), raise_exception=True)
def not_an_entity(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark this entity as extraction noise (its machine mentions go, and stay gone)."""
    entity = get_object_or_404(Entity, pk=pk)
    version = _number(request, "version")
    if version is None:
        return HttpResponseBadRequest("The form did not say which version you saw.")
    try:
        removed = entity_corrections.mark_not_an_entity(entity.pk, version, request.user)
    except CorrectionError as refused:
        messages.error(request, f"Not changed. {refused}")
        return _back(entity.pk)
    messages.success(
        request,
        f"Marked {entity.name} as not an entity: {removed} mention{'s' if removed != 1 else ''} "
        "removed; extraction will not bring it back.",
    )
    return _back(entity.pk)


@require_GET
@permission_required(REVIEW_PERMS, raise_exception=True)
def merge_candidates(request: HttpRequest, pk: int) -> HttpResponse:
    """The merge search: entities of this type like the name typed, with counts and a sample."""
    entity = get_object_or_404(Entity, pk=pk)
    q = " ".join(request.GET.get("q", "").split())[:100]
    if any(unicodedata.category(char) == "Cc" for char in q):
        return HttpResponseBadRequest("A name cannot contain control characters.")
    found = duplicates.search(entity, entity_key(q, entity.label) if q else "")
    context = {"entity": entity, "candidates": found, "q": q, "searched": True}
    return render(request, "articles/entity.html#merge-candidates", context)
