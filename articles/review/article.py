"""The article page: the text with its extractions highlighted, quotes, entities, history."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from articles.editing import trash
from articles.models import Article, Entity, EntityAlias, Mention, Quote, ReviewState
from articles.review import entities as entity_corrections
from articles.review import highlight, history
from articles.review.corrections import ENTITY_LABELS
from articles.roles import permission_required


@require_GET
@permission_required("articles.view_article", raise_exception=True)
@vary_on_headers("HX-Request")
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The article page: highlighted text, quotes, entities, history (the review screen).

    An article in the trash gets a 404 page that says so, with the way to restore it.
    """
    article = Article.objects.select_related("uploaded_by", "reviewed_by").filter(pk=pk).first()
    if article is None:
        trashed = get_object_or_404(Article.with_trash.select_related("deleted_by"), pk=pk)
        context = {"article": trashed, "purge_at": trash.purge_date(trashed)}
        return render(request, "articles/in_trash.html", context, status=404)
    if request.htmx:
        # Only the extraction status polls this page; when extraction ends, show the results.
        response = render(request, "articles/detail.html#extraction-status", {"article": article})
        if not article.is_pending:
            response["HX-Refresh"] = "true"
        return response
    return render(request, "articles/detail.html", article_context(article, request.user))


def article_context(article: Article, user=None, **extra) -> dict:
    """Everything the article page shows, in a fixed number of queries."""
    quotes = list(Quote.objects.filter(article=article).select_related("speaker", "reviewed_by"))
    mentions = list(Mention.objects.filter(article=article).select_related("entity"))
    entities: dict[int, dict] = {}
    for mention in mentions:
        row = entities.setdefault(
            mention.entity_id, {"entity": mention.entity, "mentions": [], "kept": 0}
        )
        row["mentions"].append(mention)
        row["kept"] += mention.is_standing
    merges = entity_corrections.merges_into(entities) if entities else {}
    aliases: dict[int, list[EntityAlias]] = {}
    if entities:
        for alias in EntityAlias.objects.filter(entity__in=entities).order_by("name"):
            # An alias that is the entity's own name says nothing new.
            if alias.name != entities[alias.entity_id]["entity"].name:
                aliases.setdefault(alias.entity_id, []).append(alias)
    for pk, row in entities.items():
        row["merges"] = merges.get(pk, [])
        row["aliases"] = aliases.get(pk, [])
        row["url"] = _entity_url(row["entity"])
        row["css"] = highlight.entity_class(row["entity"].label)
    entity_rows = sorted(
        entities.values(), key=lambda r: (r["entity"].label != "PERSON", -r["kept"])
    )
    labels_present = sorted(
        {m.label for m in mentions if m.is_standing},
        key=lambda label: list(ENTITY_LABELS).index(label) if label in ENTITY_LABELS else 99,
    )
    counts = {state: 0 for state in ReviewState.values}
    for quote in quotes:
        counts[quote.status] += 1
    flagged = [item for item in (*quotes, *mentions) if item.edited_from]
    changes = history.change_sets(article, user)
    return {
        "article": article,
        "paragraphs": highlight.paragraphs(article.body, quotes, mentions),
        "quotes": quotes,
        "quote_counts": counts,
        "quote_total": len(quotes),
        "flagged": flagged,
        "trash_days": trash.trash_days(),
        "entities": entity_rows,
        "legend": [
            (label, ENTITY_LABELS.get(label, label), highlight.entity_class(label))
            for label in labels_present
        ],
        "entity_labels": ENTITY_LABELS.items(),
        "quote_kinds": Quote.Kind.choices,
        "quote_categories": Quote.Category.choices,
        "review_statuses": Article.ReviewStatus.choices,
        "changes": changes,
        "last_undoable": history.last_undoable(changes, user),
        **extra,
    }


def quote_row_context(article: Article, quote_id: int, user, **extra) -> dict:
    """What a correction of one quote answers with on the article page: its row, and out of
    band the counters, the message with its Undo and the History (not the text or entities)."""
    quote = Quote.objects.select_related("speaker", "reviewed_by").get(pk=quote_id)
    counts = {state: 0 for state in ReviewState.values}
    for status in Quote.objects.filter(article=article).values_list("status", flat=True):
        counts[status] += 1
    changes = history.change_sets(article, user)
    return {
        "article": article,
        "quote": quote,
        "quote_counts": counts,
        "quote_total": sum(counts.values()),
        "quote_kinds": Quote.Kind.choices,
        "quote_categories": Quote.Category.choices,
        "changes": changes,
        "last_undoable": history.last_undoable(changes, user),
        "oob": True,
        **extra,
    }


def _entity_url(entity: Entity) -> str:
    # The entity pages are another screen's; link only once their URL exists.
    try:
        return entity.get_absolute_url()
    except NoReverseMatch:
        return ""
