"""Queue an article for extraction again (the Retry and Re-extract buttons)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from articles.extraction import queue
from articles.models import Article
from articles.roles import permission_required


@require_POST
@permission_required("articles.retry_extraction", raise_exception=True)
def retry_extraction(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk)
    queue.requeue(article.pk)
    if request.htmx:
        article.refresh_from_db()
        return render(request, "articles/detail.html#extraction-status", {"article": article})
    return redirect(article)
