"""Clean-up on an entity's page: suggested duplicates, merge, "not an entity"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from articles.models import Article, Entity, Mention, Origin, ReviewState
from tests.review.test_review import STORY

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_article):
    article = make_article(STORY, status=Article.Status.EXTRACTED)
    jane = Entity.objects.create(name="Jane Holloway", label="PERSON", key="jane holloway")
    twin = Entity.objects.create(name="J. Holloway", label="PERSON", key="j holloway")
    other = Entity.objects.create(name="Mark Fenwick", label="PERSON", key="mark fenwick")
    for entity, text in [(jane, "Jane Holloway"), (twin, "Holloway"), (other, "Mark Fenwick")]:
        start = article.body.index(text)
        Mention.objects.create(
            article=article,
            entity=entity,
            start=start,
            end=start + len(text),
            text=text,
            label="PERSON",
        )
    return {"article": article, "jane": jane, "twin": twin, "other": other}


def test_the_entity_page_suggests_duplicates_with_counts_and_a_sample(client_for, people):
    content = client_for("reviewer").get(people["jane"].get_absolute_url()).content.decode()
    suggested = content.split('data-testid="suggested"')[1].split("</ul>")[0]
    assert "J. Holloway" in suggested and "Mark Fenwick" not in suggested
    assert "1 mention" in suggested and "similar name" in suggested
    assert "Merge <strong>J. Holloway</strong> (Person, 1 mention) into <strong>Jane Holloway" in (
        suggested
    )
    # Readers see no clean-up tools.
    assert (
        "Clean up"
        not in client_for("editor").get(people["jane"].get_absolute_url()).content.decode()
    )


def test_merging_from_the_entity_page(client_for, people):
    jane, twin = people["jane"], people["twin"]
    client = client_for("reviewer")
    url = reverse("articles:entity-merge-here", args=[jane.pk])
    response = client.post(url, {"version": jane.version, "other": twin.pk, "other_version": 9})
    assert response.status_code == 302 and Entity.objects.filter(pk=twin.pk).exists()
    response = client.post(
        url, {"version": jane.version, "other": twin.pk, "other_version": twin.version}
    )
    assert response.status_code == 302
    assert not Entity.objects.filter(pk=twin.pk).exists()
    assert Mention.objects.filter(entity=jane).count() == 2
    assert client.post(url, {"version": "x"}).status_code == 400


def test_the_merge_search_shows_type_counts_and_a_sample(client_for, people):
    client = client_for("reviewer")
    url = reverse("articles:entity-candidates", args=[people["jane"].pk])
    content = client.get(url, {"q": "fenwick"}).content.decode()
    assert "Mark Fenwick" in content and "1 mention" in content and "“Mark Fenwick” in" in content
    assert client.get(url, {"q": "a\x00b"}).status_code == 400


def test_not_an_entity_removes_machine_mentions_and_extraction_keeps_it_out(client_for, people):
    other = people["other"]
    client = client_for("reviewer")
    url = reverse("articles:entity-not-an-entity", args=[other.pk])
    assert client.post(url, {"version": other.version}).status_code == 302
    other.refresh_from_db()
    assert other.not_an_entity
    assert Mention.objects.get(entity=other).status == ReviewState.REJECTED
    assert Mention.objects.filter(entity=other, origin=Origin.MACHINE).count() == 1
    # It leaves the directory; the page says what it is.
    listing = client.get(reverse("articles:entities")).content.decode()
    assert f'id="entity-{other.pk}"' not in listing and "not an entity" in listing
    assert b"Marked as not an entity" in client.get(other.get_absolute_url()).content
