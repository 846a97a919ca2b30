"""The review queue over HTTP: cards in their paragraphs, decisions in place, filters, undo."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from articles.models import Article, Entity, Quote, ReviewState, Tag
from tests.review.test_review import STORY, add_quotes

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
QUEUE = {"from": "queue"}


@pytest.fixture
def person():
    return Entity.objects.create(name="Jane Holloway", label="PERSON", key="jane holloway")


@pytest.fixture
def article(make_article, person):
    article = make_article(STORY * 3, status=Article.Status.EXTRACTED, outlet="Courier")
    add_quotes(article, 3, person)
    return article


def test_each_card_shows_its_quote_marked_in_its_paragraph(client_for, article):
    content = client_for("reviewer").get(reverse("articles:review-queue")).content.decode()
    for quote in article.quotes.all():
        assert f'id="qc-{quote.pk}"' in content
        assert f'<mark class="q q--unreviewed" data-quote="{quote.pk}"' in content
    assert content.count('data-testid="queue-left">3<') == 1
    assert 'Accept<span class="visually-hidden"> quote by Jane Holloway: “' in content


def test_left_is_counted_up_to_a_cap(client_for, article, monkeypatch):
    from articles.review import queue

    monkeypatch.setattr(queue, "LEFT_CAP", 2)
    content = client_for("reviewer").get(reverse("articles:review-queue")).content.decode()
    assert 'data-testid="queue-left">2+<' in content
    monkeypatch.setattr(queue, "LEFT_CAP", 3)
    content = client_for("reviewer").get(reverse("articles:review-queue")).content.decode()
    assert 'data-testid="queue-left">3<' in content


def test_accepting_from_the_queue_answers_with_one_card_and_the_counters(client_for, article):
    client = client_for("reviewer")
    quote = article.quotes.order_by("confidence").first()
    response = client.post(
        reverse("articles:quote-review", args=[quote.pk]),
        {"status": "accepted", "version": quote.version, **QUEUE},
        **HTMX,
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert content.count('class="qc ') == 1 and f'id="qc-{quote.pk}"' in content
    assert 'id="review"' not in content
    assert 'hx-swap-oob="true"' in content and 'data-testid="queue-done">1<' in content
    assert 'data-testid="queue-left">2<' in content
    assert len(content) < 12_000
    trigger = json.loads(response["HX-Trigger-After-Settle"])
    assert trigger["queueChanged"] == {"decided": True, "quote": quote.pk}
    quote.refresh_from_db()
    assert quote.status == ReviewState.ACCEPTED

    # Its Undo puts it back, and answers with the card again.
    change = content.split('name="change" value="')[1].split('"')[0]
    response = client.post(
        reverse("articles:undo", args=[article.pk]),
        {"change": change, "scope": "all", "quote": quote.pk, **QUEUE},
        **HTMX,
    )
    assert response.status_code == 200, response.content.decode()[:500]
    quote.refresh_from_db()
    assert quote.status == ReviewState.UNREVIEWED
    assert f'id="qc-{quote.pk}"' in response.content.decode()


def test_a_stale_decision_in_the_queue_is_refused_with_the_current_card(client_for, article):
    quote = article.quotes.first()
    client = client_for("reviewer")
    url = reverse("articles:quote-review", args=[quote.pk])
    client.post(url, {"status": "rejected", "version": quote.version}, **HTMX)
    response = client.post(url, {"status": "accepted", "version": quote.version, **QUEUE}, **HTMX)
    assert response.status_code == 409
    content = response.content.decode()
    assert 'data-testid="card-error"' in content and "qc--rejected" in content


def test_speaker_and_boundaries_change_in_place(client_for, article, person):
    quote = article.quotes.first()
    client = client_for("reviewer")
    response = client.post(
        reverse("articles:quote-speaker", args=[quote.pk]),
        {"version": quote.version, "new_name": "Mark Fenwick", **QUEUE},
        **HTMX,
    )
    assert response.status_code == 200
    assert "Mark Fenwick" in response.content.decode()
    quote.refresh_from_db()
    response = client.post(
        reverse("articles:quote-edit", args=[quote.pk]),
        {
            "version": quote.version,
            "start": quote.start + 1,
            "end": quote.end,
            "article_version": article.version,
            **QUEUE,
        },
        **HTMX,
    )
    assert response.status_code == 200
    quote.refresh_from_db()
    assert quote.status == ReviewState.CORRECTED


def test_filters_choose_and_bad_values_are_said(client_for, make_article, article, person):
    other = make_article(STORY, status=Article.Status.EXTRACTED, outlet="Gazette")
    fenwick = Entity.objects.create(name="Mark Fenwick", label="PERSON", key="mark fenwick")
    (theirs,) = add_quotes(other, 1, fenwick)
    politics = Tag.objects.create(name="Politics")
    other.tags.add(politics)
    client = client_for("reviewer")

    def listed(query: str) -> set[int]:
        content = client.get(reverse("articles:review-queue") + query).content.decode()
        return {q.pk for q in Quote.objects.all() if f'id="qc-{q.pk}"' in content}

    mine = set(article.quotes.values_list("pk", flat=True))
    assert listed("") == mine | {theirs.pk}
    assert listed("?outlet=Gazette") == {theirs.pk}
    assert listed(f"?tag={politics.pk}") == {theirs.pk}
    assert listed("?speaker=fenwick") == {theirs.pk}
    assert listed(f"?article={article.pk}") == mine
    low = article.quotes.order_by("confidence").first()
    assert listed(f"?high={round(low.confidence * 100)}") >= {low.pk}
    content = client.get(reverse("articles:review-queue") + "?low=abc&order=sideways").content
    assert b"Lowest confidence ignored" in content and b"Order ignored" in content
    ordered = client.get(reverse("articles:review-queue") + "?order=article").content.decode()
    assert ordered.index(f'id="qc-{theirs.pk}"') < min(
        ordered.index(f'id="qc-{pk}"') for pk in mine
    )


def test_accepting_on_the_article_page_answers_with_the_row_not_the_review_area(
    client_for, make_article, person
):
    article = make_article(STORY * 20, status=Article.Status.EXTRACTED)
    quotes = add_quotes(article, 20, person)
    client = client_for("reviewer")
    full = client.post(
        reverse("articles:quote-delete", args=[quotes[1].pk]), {"version": 1}, **HTMX
    ).content
    response = client.post(
        reverse("articles:quote-review", args=[quotes[0].pk]),
        {"status": "accepted", "version": 1},
        **HTMX,
    )
    content = response.content.decode()
    assert response["HX-Retarget"] == f"#qi-{quotes[0].pk}"
    assert response["HX-Reswap"] == "outerHTML"
    assert 'id="review"' not in content and 'id="article-text"' not in content
    assert content.count('class="qi ') == 1
    for part in ("review-counts", "review-messages", "history-list"):
        assert f'id="{part}" hx-swap-oob="true"' in content or f'id="{part}"' in content
    assert "Accepted the quote." in content and "18 to review" in content
    assert len(content) * 3 < len(full), (len(content), len(full))
    trigger = json.loads(response["HX-Trigger-After-Settle"])
    assert trigger["quoteChanged"]["status"] == "accepted"


def test_a_speaker_or_type_change_answers_with_the_row_and_new_bounds_with_the_area(
    client_for, article
):
    quote = article.quotes.first()
    client = client_for("reviewer")
    response = client.post(
        reverse("articles:quote-speaker", args=[quote.pk]),
        {"version": quote.version, "new_name": "Mark Fenwick"},
        **HTMX,
    )
    assert response["HX-Retarget"] == f"#qi-{quote.pk}"
    assert json.loads(response["HX-Trigger-After-Settle"])["quoteChanged"]["speaker"] == (
        "Mark Fenwick"
    )
    response = client.post(
        reverse("articles:quote-edit", args=[quote.pk]),
        {"version": quote.version + 1, "category": "attribution"},
        **HTMX,
    )
    assert json.loads(response["HX-Trigger-After-Settle"])["quoteChanged"]["attribution"]
    response = client.post(
        reverse("articles:quote-edit", args=[quote.pk]),
        {
            "version": quote.version + 2,
            "start": quote.start + 1,
            "end": quote.end,
            "article_version": article.version,
        },
        **HTMX,
    )
    assert response.status_code == 200 and "HX-Retarget" not in response
    assert 'id="review"' in response.content.decode()


HOSTILE_WHY = "“she” is Jane Holloway <script>alert(1)</script>, named before the quote."
ESCAPED_WHY = (
    "“she” is Jane Holloway &lt;script&gt;alert(1)&lt;/script&gt;, named before the quote."
)


def test_the_queue_and_the_article_page_say_why_escaped_until_the_speaker_is_set(
    client_for, article
):
    quote, plain = article.quotes.order_by("start")[:2]
    Quote.objects.filter(pk=quote.pk).update(speaker_evidence=HOSTILE_WHY)
    client = client_for("reviewer")
    why = f'<span class="why__label">Why:</span> {ESCAPED_WHY}</p>'
    for url in (reverse("articles:review-queue"), reverse("articles:detail", args=[article.pk])):
        content = client.get(url).content.decode()
        assert content.count(why) == 1, url  # one line, for the one quote that has evidence
        assert "<script>alert(1)" not in content
        assert content.count('data-testid="speaker-evidence"') == 1
    assert plain.speaker_evidence == ""

    # A new speaker: the row that answers has no evidence line any more.
    response = client.post(
        reverse("articles:quote-speaker", args=[quote.pk]),
        {"version": quote.version, "new_name": "Mark Fenwick"},
        **HTMX,
    )
    content = response.content.decode()
    assert f'id="qi-{quote.pk}"' in content and "Mark Fenwick" in content
    assert "Why:" not in content
    assert Quote.objects.get(pk=quote.pk).speaker_evidence == ""
