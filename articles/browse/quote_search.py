"""The Quotes tab of search: quotes by their words, speaker or cue; and "did you mean" for a
name that finds nothing, from the trigram index over entity keys (migration 0007)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connection, transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from articles.browse import paging
from articles.browse.search import MAX_QUERY_CHARS
from articles.models import Quote
from articles.nlp.entities import entity_key
from articles.roles import permission_required

PAGE_SIZE = 20
# How like a name the words must be (pg_trgm word_similarity; 0.5 finds "Pelossi" for Pelosi).
LIKENESS = 0.5


def matching_quotes(q: str):
    """Standing quotes of live articles whose words, speaker or cue contain `q`."""
    return (
        Quote.objects.standing()
        .live()
        .filter(
            Q(text__icontains=q)
            | Q(speaker__name__icontains=q)
            | Q(speaker_text__icontains=q)
            | Q(cue__icontains=q)
        )
        .select_related("speaker", "article")
        .defer("article__body", "article__repairs")
        .order_by("-article__created_at", "article_id", "start")
    )


def did_you_mean(q: str, limit: int = 3) -> list[str]:
    """Names of entities that are quoted or mentioned and look like `q`, likest first."""
    key = entity_key(q)
    if len(key) < 3:
        return []
    sql = """
        SELECT e.name FROM articles_entity e
        WHERE %(key)s <%% e.key AND NOT e.not_an_entity
          AND (EXISTS (SELECT 1 FROM articles_quote q WHERE q.speaker_id = e.id)
               OR EXISTS (SELECT 1 FROM articles_mention m WHERE m.entity_id = e.id))
        ORDER BY word_similarity(%(key)s, e.key) DESC, e.name LIMIT %(limit)s
    """
    # SET LOCAL lasts for this transaction only, so the index can serve the <% operator.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL pg_trgm.word_similarity_threshold = {LIKENESS}")
        cursor.execute(sql, {"key": key, "limit": limit})
        return [row[0] for row in cursor.fetchall()]


@require_GET
@permission_required("articles.view_article", raise_exception=True)
def quote_search(request: HttpRequest) -> HttpResponse:
    """Quotes matching the search text; when none do, names like it."""
    q = " ".join(request.GET.get("q", "").split())
    if len(q) > MAX_QUERY_CHARS or "\x00" in q:
        message = f"The search text must be at most {MAX_QUERY_CHARS} characters, with no NUL."
        return render(request, "400.html", {"message": message}, status=400)
    try:
        page_number = paging.page_number(request.GET.get("page"))
    except paging.BadPage as error:
        return paging.refuse(request, error)
    page = None
    suggestions: list[str] = []
    if q:
        page = Paginator(matching_quotes(q), PAGE_SIZE).get_page(page_number)
        if not page.paginator.count:
            suggestions = did_you_mean(q)
    context = {"q": q, "page": page, "suggestions": suggestions, "tab": "quotes"}
    return render(request, "articles/search_quotes.html", context)
