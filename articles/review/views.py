"""The review screen: corrections to quotes, mentions and entities, history, undo, the queue.

Every action is a POST (CSRF from `<body hx-headers>`) that answers htmx with the refreshed
`#review` partial of the article page, so the text, the panel and the history never disagree;
without htmx it redirects to the article. A refused edit answers 409 with the current state.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget, trigger_client_event

from articles.models import Article, Entity, Mention, Quote, ReviewState
from articles.nlp.entities import entity_key
from articles.review import changes, corrections
from articles.review import entities as entity_corrections
from articles.review import queue as review_queue
from articles.review.article import article_context, quote_row_context
from articles.review.corrections import (
    ENTITY_LABELS,
    BadInput,
    Conflict,
    CorrectionError,
    typed_name,
)
from articles.roles import permission_required

TEMPLATE = "articles/detail.html"
REVIEW_PERMS = ("articles.view_article", "articles.review_article")


def respond_review(
    request: HttpRequest, article_id: int, *, status: int = 200, **extra
) -> HttpResponse:
    """The article page's answer to a review action: its review area (htmx), or a redirect
    with the outcome as a message. Shared with sources/speakers.py."""
    if not request.htmx:
        # Without JavaScript the forms still work: the outcome is a message on the page.
        if extra.get("error"):
            messages.error(request, extra["error"])
        elif extra.get("notice"):
            messages.success(request, extra["notice"])
        return redirect(reverse("articles:detail", args=[article_id]))
    article = get_object_or_404(Article.objects.select_related("reviewed_by"), pk=article_id)
    row = extra.pop("row", None)
    if row is not None and status == 200:
        # Only the quote's row changed (and the counters, message and History, out of band).
        context = quote_row_context(article, row, request.user, **extra)
        response = render(request, f"{TEMPLATE}#quote-answer", context)
        response = reswap(retarget(response, f"#qi-{row}"), "outerHTML")
        quote = context["quote"]
        # The page recolours the quote's words and renames its speaker tag from these.
        detail = {
            "quote": row,
            "status": quote.status,
            "attribution": quote.category == Quote.Category.ATTRIBUTION,
            "speaker": quote.speaker_name,
        }
        return trigger_client_event(response, "quoteChanged", detail, after="settle")
    response = render(
        request,
        f"{TEMPLATE}#review",
        article_context(article, request.user, **extra),
        status=status,
    )
    return trigger_client_event(response, "reviewChanged", {"ok": status == 200})


def _refuse(request: HttpRequest, article_id: int, refused: changes.Refused) -> HttpResponse:
    """Answer a refused undo (or split) with its status and message, with or without htmx.

    Unlike `respond_review` this does not redirect without htmx: the status is the answer.
    """
    article = get_object_or_404(Article.objects.select_related("reviewed_by"), pk=article_id)
    template = f"{TEMPLATE}#review" if request.htmx else TEMPLATE
    context = article_context(article, request.user, error=str(refused))
    response = render(request, template, context, status=refused.status)
    return trigger_client_event(response, "reviewChanged", {"ok": False})


def correction(model: type | None, *perms: str) -> Callable:
    """A POST action on one item (or on an article when model is None).

    The view receives the object and returns extra context for the refreshed partial; a
    value no form sends (BadInput) answers 400, a Conflict 409, any other CorrectionError 422,
    and a refused change-set id (a split's `merge`) its own status, all with the message shown.
    """

    def decorate(action):
        @require_POST
        @permission_required((*REVIEW_PERMS, *perms), raise_exception=True)
        @wraps(action)
        def view(request: HttpRequest, pk: int) -> HttpResponse:
            if model is None:
                article_id = get_object_or_404(Article.objects.only("id"), pk=pk).pk
                obj = article_id
            elif model is Entity:
                obj = get_object_or_404(Entity, pk=pk)
                # Entities are global: the form says which article page to answer with.
                article_id = request.POST.get("article", "")
                known = _ID.fullmatch(article_id) and Article.objects.filter(pk=article_id).exists()
                if not known:
                    return HttpResponseBadRequest("The article is missing.")
                article_id = int(article_id)
            else:
                # An item of an article in the trash is not found, as its article is not.
                obj = get_object_or_404(model.objects.live().only("id", "article_id"), pk=pk)
                article_id = obj.article_id
            if model is Quote and review_queue.from_queue(request):
                # The queue answers with the one card, not the article's review area.
                def answer(_article_id, **extra):
                    extra.pop("focus", None)
                    return review_queue.respond(request, obj.pk, **extra)
            else:

                def answer(article_id, **extra):
                    return respond_review(request, article_id, **extra)

            try:
                extra = action(request, obj, article_id) or {}
            except BadInput as refused:
                return answer(article_id, status=400, error=str(refused))
            except Conflict as refused:
                return answer(
                    article_id,
                    status=409,
                    error=str(refused),
                    conflict=refused.current,
                    focus=request.POST.get("focus", ""),
                )
            except (CorrectionError, ValueError) as refused:
                return answer(article_id, status=422, error=str(refused))
            except changes.Refused as refused:
                return _refuse(request, article_id, refused)
            extra.setdefault("focus", request.POST.get("focus", ""))
            return answer(article_id, **extra)

        return view

    return decorate


# Numbers a form sends: ASCII digits, at most 18 (they fit a bigint). str.isdigit() is also
# true of "²", which int() refuses; int() takes "١٢", and no form of ours sends that.
_ID = re.compile(r"[0-9]{1,18}")


def _int(request: HttpRequest, name: str) -> int | None:
    value = request.POST.get(name, "").strip()
    if not value:
        return None
    if not _ID.fullmatch(value):
        raise BadInput(f"The form sent “{name}” as something other than a number; reload the page.")
    return int(value)


def _name(request: HttpRequest, field: str = "name") -> str:
    """A name the reviewer typed (corrections.typed_name)."""
    return typed_name(request.POST.get(field, ""))


def _version(request: HttpRequest) -> int:
    version = _int(request, "version")
    if version is None:
        raise CorrectionError("The form did not say which version you saw; reload the page.")
    return version


# Quotes ------------------------------------------------------------------------------------


@correction(Quote, "articles.change_quote")
def quote_review(request, quote, article_id):
    status = request.POST.get("status", "")
    corrections.review_quote(quote.pk, _version(request), request.user, status)
    verb = "Accepted" if status == ReviewState.ACCEPTED else "Rejected"
    return {"notice": f"{verb} the quote.", "row": quote.pk}


@correction(Quote, "articles.change_quote")
def quote_edit(request, quote, article_id):
    corrections.correct_quote(
        quote.pk,
        _version(request),
        request.user,
        kind=request.POST.get("kind") or None,
        category=request.POST.get("category") or None,
        start=_int(request, "start"),
        end=_int(request, "end"),
        article_version=_int(request, "article_version"),
    )
    # New boundaries move its marks in the text: those answer with the whole review area.
    moved = request.POST.get("start") or request.POST.get("end")
    return (
        {"notice": "Saved the quote."} if moved else {"notice": "Saved the quote.", "row": quote.pk}
    )


@correction(Quote, "articles.change_quote")
def quote_speaker(request, quote, article_id):
    corrections.set_speaker(
        quote.pk,
        _version(request),
        request.user,
        entity_id=_int(request, "entity"),
        new_name=_name(request, "new_name"),
    )
    return {"notice": "Changed the speaker.", "row": quote.pk}


@correction(Quote, "articles.delete_quote")
def quote_delete(request, quote, article_id):
    corrections.delete_quote(quote.pk, _version(request), request.user)
    return {"notice": "Deleted the quote."}


@correction(None, "articles.add_quote")
def quote_add(request, article_id, _):
    quote = corrections.add_quote(
        article_id,
        request.user,
        _int(request, "start"),
        _int(request, "end"),
        entity_id=_int(request, "entity"),
        new_name=_name(request, "new_name"),
        kind=request.POST.get("kind") or Quote.Kind.DIRECT,
        category=request.POST.get("category") or Quote.Category.QUOTE,
        article_version=_int(request, "article_version"),
    )
    noun = quote.get_category_display().lower()
    return {"notice": f"Added the {noun}.", "focus": f"q{quote.pk}"}


# Mentions ----------------------------------------------------------------------------------


@correction(Mention, "articles.change_mention")
def mention_edit(request, mention, article_id):
    version, user = _version(request), request.user
    entity_id, new_name = _int(request, "entity"), _name(request, "new_name")
    if request.POST.get("label"):
        corrections.relabel_mention(mention.pk, version, user, request.POST["label"])
    elif entity_id:
        corrections.link_mention(mention.pk, version, user, entity_id)
    elif new_name:
        corrections.link_mention(mention.pk, version, user, new_name=new_name)
    else:
        corrections.set_mention_span(
            mention.pk,
            version,
            user,
            _int(request, "start"),
            _int(request, "end"),
            article_version=_int(request, "article_version"),
        )
    return {"notice": "Saved the mention.", "focus": f"m{mention.pk}"}


@correction(Mention, "articles.delete_mention")
def mention_remove(request, mention, article_id):
    corrections.reject_mention(mention.pk, _version(request), request.user)
    return {"notice": "Removed the mention."}


@correction(None, "articles.add_mention")
def mention_add(request, article_id, _):
    mention = corrections.add_mention(
        article_id,
        request.user,
        _int(request, "start"),
        _int(request, "end"),
        request.POST.get("label") or "PERSON",
        entity_id=_int(request, "entity"),
        new_name=_name(request, "new_name"),
        article_version=_int(request, "article_version"),
    )
    return {"notice": "Added the mention.", "focus": f"m{mention.pk}"}


# Entities ----------------------------------------------------------------------------------


@correction(Entity, "articles.change_entity")
def entity_rename(request, entity, article_id):
    entity_corrections.rename_entity(
        entity.pk,
        _version(request),
        request.user,
        _name(request),
        article_id=article_id,
    )
    return {"notice": "Renamed.", "open_entity": entity.pk}


@correction(Entity, "articles.change_entity")
def entity_alias(request, entity, article_id):
    alias = _int(request, "remove")
    if alias:
        entity_corrections.remove_alias(
            entity.pk, _version(request), request.user, alias, article_id=article_id
        )
    else:
        entity_corrections.add_alias(
            entity.pk,
            _version(request),
            request.user,
            _name(request),
            article_id=article_id,
        )
    return {"notice": "Saved the aliases.", "open_entity": entity.pk}


@correction(Entity, "articles.change_entity", "articles.delete_mention")
def entity_merge(request, entity, article_id):
    other = _int(request, "entity")
    if other is None:
        raise CorrectionError("Choose the entity to merge into this one.")
    other_version = Entity.objects.filter(pk=other).values_list("version", flat=True).first()
    kept = entity_corrections.merge_entities(
        entity.pk, _version(request), other, other_version, request.user, article_id=article_id
    )
    return {"notice": f"Merged into {kept.name}.", "open_entity": kept.pk}


@correction(Entity, "articles.change_entity", "articles.add_entity")
def entity_split(request, entity, article_id):
    other = entity_corrections.split_entity(
        entity.pk,
        _version(request),
        request.user,
        request.POST.get("merge"),
        article_id=article_id,
    )
    return {"notice": f"Split {other.name} out again.", "open_entity": other.pk}


@require_GET
@permission_required(REVIEW_PERMS, raise_exception=True)
def entity_search(request: HttpRequest, pk: int) -> HttpResponse:
    """Autocomplete: the article's own entities first, then global ones, by name and alias."""
    article = get_object_or_404(Article.objects.only("id"), pk=pk)
    q = " ".join(request.GET.get("q", "").split())[:100]
    label = request.GET.get("label", "")
    exclude = request.GET.get("exclude", "").strip()
    if any(unicodedata.category(char) == "Cc" for char in q):
        return HttpResponseBadRequest("A name cannot contain control characters.")
    if label and label not in ENTITY_LABELS:
        return HttpResponseBadRequest("Unknown entity type.")
    if exclude and not _ID.fullmatch(exclude):
        return HttpResponseBadRequest("The entity to leave out is not an id.")
    entities = Entity.objects.for_autocomplete(
        article.pk,
        q,
        entity_key(q, label) if q else "",
        label=label,
        exclude=int(exclude) if exclude else None,
    )
    options = list(entities[:12])
    _add_counts_and_samples(options)
    context = {
        "options": options,
        "q": q,
        "create": request.GET.get("create") == "1" and q,
    }
    return render(request, "articles/review_search.html", context)


def _add_counts_and_samples(options: list[Entity]) -> None:
    """Each option's count of standing mentions (`mention_count`) and one of them
    (`sample_mention`): enough to tell two "Holloway"s apart. Two queries, for a dozen."""
    ids = [entity.pk for entity in options]
    counts = dict(
        Mention.objects.standing()
        .filter(entity__in=ids)
        .values("entity")
        .annotate(n=Count("id"))
        .values_list("entity", "n")
    )
    samples = {
        entity_id: (text, title)
        for entity_id, text, title in Mention.objects.standing()
        .live()
        .filter(entity__in=ids)
        .order_by("entity_id", "id")
        .distinct("entity_id")
        .values_list("entity_id", "text", "article__title")
    }
    for entity in options:
        entity.mention_count = counts.get(entity.pk, 0)
        entity.sample_mention = samples.get(entity.pk)


# The article -------------------------------------------------------------------------------


@correction(None)
def review_status(request, article_id, _):
    unreviewed = request.POST.get("unreviewed") or None
    article = corrections.set_review_status(
        article_id, request.user, request.POST.get("status", ""), unreviewed
    )
    status = article.get_review_status_display().lower()
    if unreviewed == corrections.ACCEPT:
        return {"notice": f"Accepted the unreviewed quotes and marked the article {status}."}
    return {"notice": f"Marked {status}."}


@require_POST
@permission_required("articles.view_article", raise_exception=True)
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a change set from this article; `changes.undo` decides who may undo what.

    `scope` is "here" or "all" for a bulk change (see articles/review/changes.py). Answers
    the refreshed review partial, or the refusal's status (400, 403, 404, 409) and message.
    After an undo that changed tags, the tag panel is told to reload (tagsChanged).
    """
    article_id = get_object_or_404(Article.objects.only("id"), pk=pk).pk
    quote = None
    if review_queue.from_queue(request):
        # Undone from the queue: answer with the card of the quote it was about.
        quote = _int(request, "quote") if _ID.fullmatch(request.POST.get("quote", "")) else None
    try:
        undone = changes.undo(
            request.POST.get("change", ""),
            request.user,
            article_id,
            scope=request.POST.get("scope") or changes.ALL,
        )
    except changes.Refused as refused:
        if quote is not None:
            return review_queue.respond(request, quote, status=refused.status, error=str(refused))
        return _refuse(request, article_id, refused)
    if quote is not None:
        return review_queue.respond(request, quote, notice=undone.notice, undone=True)
    response = respond_review(request, article_id, notice=undone.notice)
    return trigger_client_event(response, "tagsChanged") if undone.tags else response
