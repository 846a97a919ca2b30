"""The review queue: unreviewed quotes, each in its paragraph, decided in place.

The queue's actions are the article page's (views.py: the same services and version checks);
a form of the queue says `from=queue`, and its answer is then the one card it changed
(`#queue-card`) with the counters out of band, not the article's review area.
"""

from __future__ import annotations

from typing import Any

import pghistory
from django import forms
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from articles.browse import paging
from articles.browse.forms import MAX_ID, ignored_values
from articles.browse.search import has_tag
from articles.models import Article, Quote, ReviewState, Tag
from articles.review import highlight
from articles.roles import permission_required

QUEUE_SIZE = 20
# "Left" is counted up to this many, then shown as "1000+": an exact count of every
# unreviewed quote of a large archive costs more than the rest of the page together.
LEFT_CAP = 1_000
FROM_QUEUE = "queue"
TEMPLATE = "articles/review_queue.html"
REVIEW_PERMS = ("articles.view_article", "articles.review_article")


class QueueForm(forms.Form):
    """The queue's filters and order; an invalid value is ignored, and the page says so."""

    ORDERS = {
        "confidence": ("confidence", "article_id", "start"),
        "article": ("-article_id", "start"),
    }
    NOUNS = {
        "category": "category",
        "tag": "tag",
        "outlet": "outlet",
        "low": "lowest confidence",
        "high": "highest confidence",
        "speaker": "speaker",
        "article": "article",
        "order": "order",
    }
    category = forms.ChoiceField(choices=[*Quote.Category.choices, ("all", "All")], required=False)
    tag = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    outlet = forms.CharField(max_length=200, required=False)
    low = forms.IntegerField(required=False, min_value=0, max_value=100, label="Confidence from")
    high = forms.IntegerField(required=False, min_value=0, max_value=100, label="to (%)")
    speaker = forms.CharField(max_length=200, required=False, strip=True)
    article = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    order = forms.ChoiceField(
        choices=[("confidence", "Least confident first"), ("article", "By article")],
        required=False,
    )

    def quotes(self):
        """The unreviewed quotes these filters choose, in the chosen order."""
        self.is_valid()
        data = self.cleaned_data
        category = data.get("category") or Quote.Category.QUOTE
        quotes = Quote.objects.review_queue(None if category == "all" else category)
        if data.get("tag"):
            quotes = quotes.filter(article__in=Article.objects.filter(has_tag(data["tag"])))
        if data.get("outlet"):
            quotes = quotes.filter(article__outlet=data["outlet"])
        low, high = data.get("low"), data.get("high")
        if low is not None and high is not None and low > high:
            low, high = high, low
        if low is not None:
            quotes = quotes.filter(confidence__gte=low / 100)
        if high is not None:
            quotes = quotes.filter(confidence__lte=high / 100)
        if data.get("speaker"):
            name = data["speaker"]
            quotes = quotes.filter(
                Q(speaker__name__icontains=name) | Q(speaker_text__icontains=name)
            )
        if data.get("article"):
            quotes = quotes.filter(article_id=data["article"])
        order = self.ORDERS.get(data.get("order") or "confidence")
        return quotes.order_by(*order)


def left(quotes) -> int:
    """How many quotes the queue has left, counted up to LEFT_CAP + 1 (one query)."""
    return quotes.order_by()[: LEFT_CAP + 1].count()


def done_today(user) -> int:
    """How many quotes this reviewer has decided since midnight (their last word on each)."""
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        Quote.objects.filter(reviewed_by=user, updated_at__gte=midnight)
        .exclude(status=ReviewState.UNREVIEWED)
        .count()
    )


def cards(quotes: list[Quote]) -> list[dict[str, Any]]:
    """Each quote with the paragraph it is in, the quote marked (bodies read for this page only)."""
    bodies = dict(
        Article.objects.filter(pk__in={q.article_id for q in quotes}).values_list("id", "body")
    )
    return [
        {
            "quote": quote,
            "paragraph": highlight.paragraph_of(bodies.get(quote.article_id, ""), quote),
        }
        for quote in quotes
    ]


@require_GET
@permission_required(REVIEW_PERMS, raise_exception=True)
@vary_on_headers("HX-Request")
def queue(request: HttpRequest) -> HttpResponse:
    """Unreviewed quotes, least confident first (or by article), filtered; decided in place."""
    form = QueueForm(request.GET)
    quotes = form.quotes()
    paginator = Paginator(quotes, QUEUE_SIZE)
    paginator.count = left(quotes)  # a cached_property: the paginator then runs no COUNT
    try:
        page = paging.get_page(paginator, request.GET.get("page"))
    except paging.BadPage as error:
        return paging.refuse(request, error)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "ignored": ignored_values(form, form.NOUNS),
        "page": page,
        "cards": cards(list(page.object_list)),
        "query": query.urlencode(),
        "left": page.paginator.count,
        "left_cap": LEFT_CAP,
        "done_today": done_today(request.user),
        "tags": Tag.objects.order_by("name").only("id", "name"),
        "quote_kinds": Quote.Kind.choices,
        "quote_categories": Quote.Category.choices,
    }
    return render(request, TEMPLATE, context)


def from_queue(request: HttpRequest) -> bool:
    return bool(request.htmx) and request.POST.get("from") == FROM_QUEUE


def respond(request: HttpRequest, quote_id: int, *, status: int = 200, **extra) -> HttpResponse:
    """The one card a queue action changed, and the counters (out of band).

    A successful action carries the id of its change set, for the card's Undo.
    """
    quote = (
        Quote.objects.filter(pk=quote_id)
        .select_related("speaker", "article", "reviewed_by")
        .first()
    )
    if status == 200 and not extra.get("undone"):
        with pghistory.context() as context:
            extra["change"] = context.id
    # The queue's filters come along (hx-include of #queue-context), so "left" is theirs.
    filters = QueueForm(QueryDict(request.POST.get("filters", "")[:2000]))
    context = {
        "card": cards([quote])[0] if quote else None,
        "gone": quote_id,
        "left": left(filters.quotes()),
        "left_cap": LEFT_CAP,
        "done_today": done_today(request.user),
        "quote_kinds": Quote.Kind.choices,
        "quote_categories": Quote.Category.choices,
        "oob": True,
        **extra,
    }
    response = render(request, f"{TEMPLATE}#queue-answer", context, status=status)
    decided = status == 200 and quote is not None and quote.status != ReviewState.UNREVIEWED
    return trigger_client_event(
        response, "queueChanged", {"decided": decided, "quote": quote_id}, after="settle"
    )
