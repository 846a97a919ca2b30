"""Tag writes and suggestions (articles.tags.tagging) and the tag views around them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.models import Entity, ReviewState, Tag
from articles.tags import tagging
from tests.conftest import add_mention

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def entity(name: str, label: str = "PERSON") -> Entity:
    return Entity.objects.create(name=name, label=label, key=name.lower())


# --- tagging.py ----------------------------------------------------------------------------------


def test_get_or_create_tag_is_case_and_space_insensitive(editor):
    tag, created = tagging.get_or_create_tag("  Climate   change ", editor)
    assert (tag.name, created, tag.created_by) == ("Climate change", True, editor)
    again, created = tagging.get_or_create_tag("CLIMATE CHANGE", editor)
    assert (again, created) == (tag, False)
    assert Tag.objects.count() == 1


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_tag_names_must_be_present_and_short(name, editor):
    with pytest.raises(ValidationError):
        tagging.get_or_create_tag(name, editor)


def test_apply_remove_and_bulk_apply(make_article):
    tag = Tag.objects.create(name="Ports")
    one, two, three = make_article(), make_article(), make_article()
    tagging.apply_tag(one, tag)
    tagging.apply_tag(one, tag)  # applying twice is harmless
    assert list(one.tags.all()) == [tag]
    assert tagging.bulk_apply_tag([one.pk, two.pk, 987654], tag) == (1, 1)
    assert set(tag.articles.all()) == {one, two}
    tagging.remove_tag(one, tag)
    assert set(tag.articles.all()) == {two}
    assert not three.tags.exists()


def test_bulk_apply_issues_a_fixed_number_of_queries(make_article):
    tag = Tag.objects.create(name="Ports")
    few = [make_article().pk for _ in range(3)]
    many = [make_article().pk for _ in range(30)]
    with CaptureQueriesContext(connection) as small:
        tagging.bulk_apply_tag(few, tag)
    with CaptureQueriesContext(connection) as large:
        tagging.bulk_apply_tag(many, tag)
    assert len(small) == len(large) <= 4


def test_rename_refuses_a_name_taken_whatever_its_case():
    ports, harbours = Tag.objects.create(name="Ports"), Tag.objects.create(name="Harbours")
    with pytest.raises(tagging.TagNameTaken):
        tagging.rename_tag(harbours, "PORTS")
    tagging.rename_tag(ports, "ports")  # a change of case of its own name is allowed
    tagging.rename_tag(harbours, "Harbours and docks")
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Harbours and docks", "ports"]


def test_delete_tag_keeps_the_articles(make_article):
    tag = Tag.objects.create(name="Ports")
    article = make_article()
    article.tags.add(tag)
    tagging.delete_tag(tag)
    article.refresh_from_db()
    assert not article.tags.exists()


def test_suggestions_are_the_most_mentioned_entities_not_yet_tags(make_article):
    article = make_article()
    ada, nasa, paris = entity("Ada Lovelace"), entity("NASA", "ORG"), entity("Paris", "GPE")
    date, gone = entity("Monday", "DATE"), entity("Ghost", "PERSON")
    add_mention(article, nasa, 4)
    add_mention(article, ada, 2)
    add_mention(article, paris, 3)
    add_mention(article, date, 9)  # not a kind of entity worth a tag
    add_mention(article, gone, 5, status=ReviewState.REJECTED)  # rejected in review
    add_mention(make_article(), entity("Elsewhere"), 7)  # another article's entity
    Tag.objects.create(name="paris")  # exists, not yet on the article
    article.tags.add(Tag.objects.create(name="Ada lovelace"))  # already on it
    suggestions = tagging.suggest_tags(article)
    assert [(s.name, s.mentions, s.existing_tag) for s in suggestions] == [
        ("NASA", 4, False),
        ("paris", 3, True),  # the existing tag, as it is spelt
    ]


def test_suggestions_offer_an_existing_tag_matching_an_alias(make_article):
    from articles.models import EntityAlias

    article = make_article()
    trump = entity("Trump")
    EntityAlias.objects.create(entity=trump, name="Donald Trump", key="donald trump")
    add_mention(article, trump, 2)
    Tag.objects.create(name="donald trump")
    [suggestion] = tagging.suggest_tags(article)
    assert (suggestion.name, suggestion.entity_name, suggestion.existing_tag) == (
        "donald trump",
        "Trump",
        True,
    )
    article.tags.add(Tag.objects.get())
    assert tagging.suggest_tags(article) == []  # the alias's tag is on the article already


def test_suggestions_take_one_query_and_merge_same_names(make_article):
    article = make_article()
    add_mention(article, entity("Mercury", "PERSON"), 2)
    add_mention(article, entity("Mercury", "LOC"), 1)
    for n in range(10):
        add_mention(article, entity(f"Person {n}"))
    with CaptureQueriesContext(connection) as queries:
        suggestions = tagging.suggest_tags(article)
    assert len(queries) == 1
    assert [s.name for s in suggestions].count("Mercury") == 1
    assert len(suggestions) == tagging.MAX_SUGGESTIONS


# --- The article's tag panel ---------------------------------------------------------------------


def test_article_page_loads_the_tag_panel_without_querying_tags(client_for, make_article):
    article = make_article()
    page = client_for("editor").get(article.get_absolute_url()).text
    panel_url = reverse("articles:article-tags", args=[article.pk])
    assert f'hx-get="{panel_url}" hx-trigger="load"' in page


def test_panel_shows_tags_add_box_and_suggestions_to_editors(client_for, make_article):
    article = make_article()
    article.tags.add(Tag.objects.create(name="Ports"))
    add_mention(article, entity("Ada Lovelace"), 2)
    url = reverse("articles:article-tags", args=[article.pk])
    panel = client_for("editor").get(url, headers=HTMX)
    assert panel.text.lstrip().startswith('<section id="article-tags"')
    assert "<html" not in panel.text
    assert "Ports" in panel.text
    assert 'data-suggestion="Ada Lovelace"' in panel.text
    assert reverse("articles:article-tag-add", args=[article.pk]) in panel.text
    read_only = client_for("reviewer").get(url, headers=HTMX).text
    assert "Ports" in read_only
    assert "data-suggestion" not in read_only
    assert reverse("articles:article-tag-add", args=[article.pk]) not in read_only
    # Without htmx the same URL is a page of its own.
    assert "<html" in client_for("reviewer").get(url).text


def test_accepting_a_suggestion_creates_the_tag_and_updates_the_panel(client_for, make_article):
    article = make_article()
    add_mention(article, entity("Ada Lovelace"), 2)
    client = client_for("editor")
    response = client.post(
        reverse("articles:article-tag-add", args=[article.pk]),
        {"name": "Ada Lovelace"},
        headers=HTMX,
    )
    assert response.status_code == 200
    # The answer is the fresh panel; tagsChanged would make the panel load itself again.
    assert "HX-Trigger" not in response
    assert list(article.tags.values_list("name", flat=True)) == ["Ada Lovelace"]
    assert 'data-suggestion="Ada Lovelace"' not in response.text  # now a tag, no longer offered
    assert 'aria-label="Remove tag Ada Lovelace"' in response.text


def test_adding_an_existing_tag_reuses_it(client_for, make_article):
    ports = Tag.objects.create(name="Ports")
    article = make_article()
    client_for("editor").post(
        reverse("articles:article-tag-add", args=[article.pk]), {"name": "PORTS"}
    )
    assert list(article.tags.all()) == [ports]
    assert Tag.objects.count() == 1


def test_without_add_tag_permission_only_existing_tags_apply(make_user, make_article, client):
    from django.contrib.auth.models import Permission

    tagger = make_user()
    tagger.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_article", "tag_article"])
    )
    client.force_login(tagger)
    article = make_article()
    Tag.objects.create(name="Ports")
    url = reverse("articles:article-tag-add", args=[article.pk])
    refused = client.post(url, {"name": "Brand new"}, headers=HTMX)
    assert "you may not create tags" in refused.text
    assert not Tag.objects.filter(name="Brand new").exists()
    client.post(url, {"name": "ports"}, headers=HTMX)
    assert list(article.tags.values_list("name", flat=True)) == ["Ports"]


def test_empty_or_long_tag_names_show_an_error(client_for, make_article):
    article = make_article()
    url = reverse("articles:article-tag-add", args=[article.pk])
    for name in ["", "x" * 81]:
        response = client_for("editor").post(url, {"name": name}, headers=HTMX)
        assert 'role="alert"' in response.text
        assert "HX-Trigger" not in response
    assert not Tag.objects.exists()


def test_removing_a_tag(client_for, make_article):
    tag = Tag.objects.create(name="Ports")
    article = make_article()
    article.tags.add(tag)
    url = reverse("articles:article-tag-remove", args=[article.pk, tag.pk])
    response = client_for("editor").post(url)
    assert response["Location"] == article.get_absolute_url()
    assert not article.tags.exists()
    assert Tag.objects.filter(pk=tag.pk).exists()  # removed from the article, not deleted


# --- Tag management page -------------------------------------------------------------------------


def test_tags_page_lists_counts_and_offers_actions_by_permission(client_for, make_article):
    ports = Tag.objects.create(name="Ports")
    Tag.objects.create(name="Unused")
    make_article().tags.add(ports)
    make_article().tags.add(ports)
    editor_page = client_for("editor").get(reverse("articles:tags")).text
    assert f'<a href="{reverse("articles:search")}?tag={ports.pk}">2</a>' in editor_page
    assert reverse("articles:tag-rename", args=[ports.pk]) in editor_page
    assert reverse("articles:tag-delete", args=[ports.pk]) in editor_page
    assert reverse("articles:tag-create") in editor_page
    reviewer_page = client_for("reviewer").get(reverse("articles:tags")).text
    assert "Unused" in reviewer_page
    assert reverse("articles:tag-rename", args=[ports.pk]) not in reviewer_page
    assert reverse("articles:tag-create") not in reviewer_page


def test_create_tag(client_for):
    client = client_for("editor")
    response = client.post(reverse("articles:tag-create"), {"name": "Ports"}, follow=True)
    assert "Tag “Ports” created." in response.text
    again = client.post(reverse("articles:tag-create"), {"name": "ports"}, follow=True)
    assert "There is already a tag called “Ports”." in again.text
    assert Tag.objects.count() == 1
    refused = client.post(reverse("articles:tag-create"), {"name": "  "})
    assert refused.status_code == 400


def test_rename_tag_over_htmx_and_without(client_for):
    Tag.objects.create(name="Docks")
    ports = Tag.objects.create(name="Ports")
    client = client_for("editor")
    url = reverse("articles:tag-rename", args=[ports.pk])
    row = client.post(url, {"name": "Harbours"}, headers=HTMX)
    assert row.text.lstrip().startswith(f'<tr id="tag-{ports.pk}">')
    assert "Harbours" in row.text
    assert "tagsChanged" in row["HX-Trigger"]
    clash = client.post(url, {"name": "DOCKS"}, headers=HTMX)
    assert "There is already a tag called “DOCKS”." in clash.text
    assert "open" in clash.text  # the rename box stays open on the error
    ports.refresh_from_db()
    assert ports.name == "Harbours"
    page = client.post(url, {"name": "Quays"}, follow=True)
    assert "Tag “Harbours” renamed to “Quays”." in page.text


def test_delete_tag_over_htmx_removes_the_row(client_for, make_article):
    tag = Tag.objects.create(name="Ports")
    article = make_article()
    article.tags.add(tag)
    response = client_for("editor").post(
        reverse("articles:tag-delete", args=[tag.pk]), headers=HTMX
    )
    assert (response.status_code, response.text) == (200, "")
    assert not Tag.objects.exists()
    assert article.pk in [a.pk for a in type(article).objects.all()]


def test_missing_tag_is_404(client_for, make_article):
    client = client_for("editor")
    assert client.post(reverse("articles:tag-rename", args=[999]), {"name": "x"}).status_code == 404
    assert client.post(reverse("articles:tag-delete", args=[999])).status_code == 404
    url = reverse("articles:article-tag-remove", args=[make_article().pk, 999])
    assert client.post(url).status_code == 404
