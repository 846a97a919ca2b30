"""Confirming a person's gender and role: audited, undoable, permissioned; suggestions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from articles.models import Entity, Mention, Quote, SpeakerSuggestion
from articles.review import changes
from articles.review.corrections import Conflict, CorrectionError
from articles.sources import attributes, suggestions
from articles.sources.queries import SourcesQuery
from tests.sources import fixture

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
BODY = (
    "Senator Jane Holloway visited Leeds on Monday. "
    '"We will rebuild every school," Holloway said. Ms Holloway added that she was sure. '
    "Mark Fenwick, a professor at Leeds, said he doubted it."
)


@pytest.fixture
def story(make_article):
    art = make_article(BODY, status="extracted")
    jane = Entity.objects.create(name="Jane Holloway", label="PERSON", key="jane holloway")
    mark = Entity.objects.create(name="Mark Fenwick", label="PERSON", key="mark fenwick")
    for entity, word in ((jane, "Jane Holloway"), (jane, "Holloway said"), (mark, "Mark Fenwick")):
        start = BODY.index(word)
        name = word.replace(" said", "")
        Mention.objects.create(
            article=art,
            entity=entity,
            start=start,
            end=start + len(name),
            text=name,
            label="PERSON",
        )
    start = BODY.index("Ms Holloway") + 3
    Mention.objects.create(
        article=art, entity=jane, start=start, end=start + 8, text="Holloway", label="PERSON"
    )
    q_start = BODY.index('"We')
    Quote.objects.create(
        article=art,
        start=q_start,
        end=q_start + 31,
        text="We will rebuild every school",
        speaker=jane,
        speaker_text="Holloway",
    )
    return {"article": art, "jane": jane, "mark": mark}


def test_suggestions_come_from_the_articles(story):
    stored = suggestions.refresh([story["jane"].pk, story["mark"].pk])
    jane, mark = stored[story["jane"].pk], stored[story["mark"].pk]
    assert (jane.gender, jane.role) == ("woman", "politician")
    assert {clue["kind"] for clue in jane.evidence} >= {"honorific", "title"}
    assert (mark.gender, mark.role) == ("man", "expert")
    assert SpeakerSuggestion.objects.count() == 2
    assert not Entity.objects.get(pk=story["jane"].pk).gender  # never a fact by itself


def test_refresh_costs_a_fixed_number_of_queries(story, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        suggestions.refresh([story["jane"].pk, story["mark"].pk])


def test_confirm_is_audited_and_undone_from_the_article(story, reviewer):
    jane = story["jane"]
    art = story["article"]
    attributes.confirm(
        jane.pk, jane.version, reviewer, gender="woman", role="politician", article_id=art.pk
    )
    jane.refresh_from_db()
    assert (jane.gender, jane.role, jane.version) == ("woman", "politician", 2)
    from pghistory.models import Context

    context = Context.objects.filter(metadata__entity=jane.pk).latest("created_at")
    assert context.metadata["article"] == art.pk  # in that article's History
    assert changes.touching(art.pk) == [context.pk]
    assert context.metadata["action"].startswith("Confirmed Jane Holloway: gender woman")
    changes.undo(context.pk, reviewer, art.pk)
    jane.refresh_from_db()
    assert (jane.gender, jane.role) == ("", "")


def test_confirm_refuses_stale_and_bad_values(story, reviewer):
    jane = story["jane"]
    with pytest.raises(CorrectionError):
        attributes.confirm(jane.pk, jane.version, reviewer, gender="robot")
    with pytest.raises(Conflict):
        attributes.confirm(jane.pk, jane.version + 5, reviewer, gender="woman")
    org = Entity.objects.create(name="Acme", label="ORG", key="acme")
    with pytest.raises(CorrectionError):
        attributes.confirm(org.pk, org.version, reviewer, gender="woman")


def test_confirm_on_the_speaker_page_and_undo_there(client_for, story):
    client = client_for("reviewer")
    jane = story["jane"]
    url = reverse("articles:sources-speaker", args=[jane.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'data-testid="suggested-gender">Woman' in page.content.decode()
    response = client.post(url, {"version": jane.version, "gender": "woman"}, **HTMX)
    assert response.status_code == 200
    assert 'Woman <span class="muted">(confirmed)' in response.content.decode()
    heads = changes.on_entity(jane.pk)
    assert len(heads) == 1
    undo = reverse("articles:sources-speaker-undo", args=[jane.pk])
    response = client.post(undo, {"change": str(heads[0][0].id)}, **HTMX)
    assert response.status_code == 200
    jane.refresh_from_db()
    assert jane.gender == ""
    again = client.post(undo, {"change": str(heads[0][0].id)}, **HTMX)
    assert again.status_code == 409
    assert client.post(undo, {"change": "nonsense"}, **HTMX).status_code == 400


def test_confirm_from_the_article_answers_the_review_partial(client_for, story):
    client = client_for("reviewer")
    jane, art = story["jane"], story["article"]
    url = reverse("articles:sources-speaker", args=[jane.pk])
    response = client.post(
        url,
        {"version": jane.version, "gender": "woman", "role": "politician", "article": art.pk},
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="review"' in html and "Confirmed Jane Holloway" in html
    stale = client.post(url, {"version": 1, "gender": "man", "article": art.pk}, **HTMX)
    assert stale.status_code == 409
    assert client.post(url, {"version": 2, "article": "x1"}).status_code == 400


@pytest.mark.parametrize(("role", "status"), [("editor", 403), ("reviewer", 302), ("admin", 302)])
def test_who_may_confirm(client_for, story, role, status):
    jane = story["jane"]
    url = reverse("articles:sources-speaker", args=[jane.pk])
    client = client_for(role)
    assert client.get(url).status_code == 200  # every role may read
    response = client.post(url, {"version": jane.version, "gender": "woman"})
    assert response.status_code == status
    jane.refresh_from_db()
    assert (jane.gender == "woman") == (status == 302)


def test_the_dashboard_moves_when_a_reviewer_confirms(story, reviewer):
    suggestions.refresh([story["jane"].pk])
    before = SourcesQuery({}).figures().genders.row("woman")
    assert (before.confirmed, before.suggested) == (0, 1)
    jane = story["jane"]
    attributes.confirm(jane.pk, jane.version, reviewer, gender="woman")
    after = SourcesQuery({}).figures().genders.row("woman")
    assert (after.confirmed, after.suggested) == (1, 0)


def test_the_pill_and_the_entity_page_link_the_form(client_for, story):
    client = client_for("reviewer")
    art_html = client.get(story["article"].get_absolute_url()).content.decode()
    assert 'data-testid="speaker-pill"' in art_html
    entity_html = client.get(story["jane"].get_absolute_url()).content.decode()
    assert reverse("articles:sources-speaker", args=[story["jane"].pk]) in entity_html
    org = Entity.objects.create(name="Acme", label="ORG", key="acme")
    assert client.get(reverse("articles:sources-speaker", args=[org.pk])).status_code == 404


def test_suggest_speakers_command(story, capsys):
    from django.core.management import call_command

    call_command("suggest_speakers", "--dry-run")
    assert "1 people would get suggestions" in capsys.readouterr().out
    call_command("suggest_speakers")
    assert SpeakerSuggestion.objects.filter(entity=story["jane"]).exists()
    assert fixture  # the dashboard fixture module imports cleanly alongside
