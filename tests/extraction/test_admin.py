"""The admin shows extraction state read-only and queues articles again through the queue."""

from __future__ import annotations

import pytest
from django.urls import reverse

from articles.extraction import queue
from articles.models import Article, Quote

pytestmark = pytest.mark.django_db


def test_the_admin_action_requeues_through_the_queue(client_for, make_article):
    failed = make_article(status=Article.Status.FAILED, attempts=3, last_error="boom")
    busy = make_article()
    queue.claim_batch("w", 5, 60)
    response = client_for("admin").post(
        reverse("admin:articles_article_changelist"),
        {"action": "queue_extraction", "_selected_action": [failed.pk, busy.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "1 articles queued for extraction; 1 being extracted now were left alone" in (
        response.content.decode()
    )
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == (Article.Status.QUEUED, 0, "")
    assert Article.objects.get(pk=busy.pk).claimed_by == "w"


def test_extraction_state_is_read_only_in_the_admin(client_for, make_article):
    article = make_article()
    page = client_for("admin").get(reverse("admin:articles_article_change", args=[article.pk]))
    assert page.status_code == 200
    form = page.context["adminform"].form
    for name in ("status", "attempts", "claimed_by", "lease_expires_at", "next_attempt_at"):
        assert name not in form.fields


def test_a_quotes_speaker_evidence_is_shown_read_only_in_the_admin(client_for, make_article):
    article = make_article('She said "yes".')
    quote = Quote.objects.create(
        article=article, start=9, end=14, text='"yes"', speaker_evidence="“She” is <b>Ann</b>."
    )
    page = client_for("admin").get(reverse("admin:articles_quote_change", args=[quote.pk]))
    assert page.status_code == 200
    assert "speaker_evidence" not in page.context["adminform"].form.fields
    assert "“She” is &lt;b&gt;Ann&lt;/b&gt;." in page.content.decode()
