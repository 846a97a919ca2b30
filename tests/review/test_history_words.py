"""The History tab in words: "Tagged Politics", "Changed speaker from X to Y", no doubled
quotation marks."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from articles.models import Article, Entity, Quote, Tag
from tests.review.test_review import STORY

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def history_text(client, article) -> str:
    page = client.get(article.get_absolute_url()).content.decode()
    panel = page.split('id="history-list"')[1].split("</section>")[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", panel))


def test_history_says_what_happened_in_words(client_for, make_article):
    article = make_article(STORY, status=Article.Status.EXTRACTED)
    jane = Entity.objects.create(name="Jane Holloway", label="PERSON", key="jane holloway")
    text = '"We will rebuild every school in this city,"'
    start = STORY.index(text)
    quote = Quote.objects.create(
        article=article,
        start=start,
        end=start + len(text),
        text=text,
        speaker=jane,
        speaker_text=jane.name,
    )
    editor, reviewer = client_for("editor"), client_for("reviewer")
    politics = Tag.objects.create(name="Politics")
    editor.post(reverse("articles:article-tag-add", args=[article.pk]), {"name": politics.name})
    reviewer.post(
        reverse("articles:quote-speaker", args=[quote.pk]),
        {"version": quote.version, "new_name": "Mark Fenwick"},
        **HTMX,
    )
    reviewer.post(
        reverse("articles:quote-delete", args=[quote.pk]), {"version": quote.version + 1}, **HTMX
    )
    words = history_text(reviewer, article)
    assert "“We will rebuild every school in this city,”" in words
    assert "Tagged Politics" in words
    assert "tag.add" not in words and "Tagging" not in words
    assert "Changed speaker from Jane Holloway to Mark Fenwick" in words
    assert '“"' not in words and '"”' not in words
