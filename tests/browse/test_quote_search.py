"""Search's Quotes tab and "did you mean"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from articles.models import Article, Entity, Quote

pytestmark = pytest.mark.django_db

BODY = 'Congress will act, Pelosi said. "We have the votes," she warned reporters.'


@pytest.fixture
def quoted(make_article):
    article = make_article(BODY, status=Article.Status.EXTRACTED, title="Votes")
    pelosi = Entity.objects.create(name="Nancy Pelosi", label="PERSON", key="nancy pelosi")
    start = BODY.index('"We')
    end = BODY.index('votes,"') + len('votes,"')
    return Quote.objects.create(
        article=article,
        start=start,
        end=end,
        text=BODY[start:end],
        speaker=pelosi,
        speaker_text="Pelosi",
        cue="warned",
    )


@pytest.mark.parametrize("q", ["have the votes", "pelosi", "warned", "NANCY"])
def test_quotes_are_found_by_words_speaker_and_cue(client_for, quoted, q):
    content = client_for("editor").get(reverse("articles:search-quotes"), {"q": q}).content
    assert f'id="quote-{quoted.pk}"'.encode() in content


def test_a_misspelled_name_suggests_the_real_one(client_for, quoted):
    client = client_for("editor")
    content = client.get(reverse("articles:search-quotes"), {"q": "Pelossi"}).content.decode()
    assert "No quotes" in content and 'data-testid="did-you-mean"' in content
    assert ">Nancy Pelosi</a>" in content
    articles = client.get(reverse("articles:search"), {"q": "Pelossi"}).content.decode()
    assert ">Nancy Pelosi</a>" in articles
    nothing = client.get(reverse("articles:search-quotes"), {"q": "zzzzqqq"}).content.decode()
    assert "did-you-mean" not in nothing


def test_bad_quote_searches_are_refused(client_for, quoted):
    client = client_for("editor")
    url = reverse("articles:search-quotes")
    assert client.get(url, {"q": "a" * 5000}).status_code == 400
    assert client.get(url, {"q": "x", "page": "99999"}).status_code == 400
    assert client_for(None).get(url).status_code == 302


def test_the_evidence_for_a_speaker_shows_escaped_on_search_and_entity_pages(client_for, quoted):
    Quote.objects.filter(pk=quoted.pk).update(
        speaker_evidence="“she” refers back to Nancy Pelosi <script>x</script>"
    )
    client = client_for("reviewer")
    pages = [
        client.get(reverse("articles:search-quotes"), {"q": "votes"}),
        client.get(quoted.speaker.get_absolute_url()),
    ]
    for response in pages:
        content = response.content.decode()
        assert response.status_code == 200
        assert "Why:</span> “she” refers back to Nancy Pelosi &lt;script&gt;" in content
        assert "<script>x" not in content
