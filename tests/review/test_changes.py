"""Change sets (articles.review.changes): who may undo what, from where, and how it reads.

The undo matrix drives every kind of change set through the HTTP view, for each role, from
the change's own article and from another one, and checks that a refusal changes nothing.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import pghistory
import pytest
from django.test import Client
from django.urls import reverse
from pghistory.models import Context

from articles.models import (
    Article,
    ArticleReviewEvent,
    Entity,
    EntityAlias,
    Mention,
    Quote,
    ReviewState,
    Tag,
)
from articles.review import changes, corrections, history
from articles.review import entities as entity_corrections
from articles.tags import tagging

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}

BODY = (
    "Prime Minister Jane Holloway visited Leeds on Monday.\n\n"
    '"We will rebuild every school in this city," Holloway said. '
    "Opposition leader Mark Fenwick said the plan was too late."
)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    here: Article  # the article the changes are made on
    elsewhere: Article  # an article none of them touches
    others: list[Article]  # more articles, for bulk tagging
    quote: Quote
    mention: Mention
    jane: Entity
    twin: Entity
    tag: Tag
    reviewer: object
    editor: object


@pytest.fixture
def world(make_article, make_user) -> World:
    here = make_article(BODY, status=Article.Status.EXTRACTED)
    jane = Entity.objects.create(name="Jane Holloway", label="PERSON", key="jane holloway")
    twin = Entity.objects.create(name="Holloway", label="PERSON", key="holloway")
    leeds = Entity.objects.create(name="Leeds", label="GPE", key="leeds")
    for entity, text in [(jane, "Jane Holloway"), (twin, "Holloway said"), (leeds, "Leeds")]:
        start = BODY.index(text)
        Mention.objects.create(
            article=here,
            entity=entity,
            start=start,
            end=start + len(entity.name),
            text=entity.name,
            label=entity.label,
        )
    start = BODY.index('"We will')
    end = BODY.index(" Holloway said")
    quote = Quote.objects.create(
        article=here, start=start, end=end, text=BODY[start:end], speaker=twin, cue="said"
    )
    return World(
        here=here,
        elsewhere=make_article(status=Article.Status.EXTRACTED),
        others=[make_article(), make_article()],
        quote=quote,
        mention=Mention.objects.get(article=here, entity=leeds),
        jane=jane,
        twin=twin,
        tag=Tag.objects.create(name="Politics"),
        reviewer=make_user("reviewer"),
        editor=make_user("editor"),
    )


def latest(article: Article) -> uuid.UUID:
    return changes.touching(article.pk, limit=1)[0]


# Each kind of change set: make it, return (its id, its own article).


def quote_correction(w: World):
    corrections.correct_quote(w.quote.pk, w.quote.version, w.reviewer, kind="mixed")
    return latest(w.here), w.here


def mention_correction(w: World):
    corrections.relabel_mention(w.mention.pk, w.mention.version, w.reviewer, "ORG")
    return latest(w.here), w.here


def entity_merge(w: World):
    entity_corrections.merge_entities(w.jane.pk, 1, w.twin.pk, 1, w.reviewer, article_id=w.here.pk)
    return latest(w.here), w.here


def entity_split(w: World):
    entity_merge(w)
    merge = entity_corrections.merges_into([w.jane.pk])[w.jane.pk][0]["context"]
    jane = Entity.objects.get(pk=w.jane.pk)
    entity_corrections.split_entity(jane.pk, jane.version, w.reviewer, merge, article_id=w.here.pk)
    return latest(w.here), w.here


def tag_add(w: World):
    tagging.apply_tag(w.here, w.tag, w.editor)
    return latest(w.here), w.here


def tag_remove(w: World):
    tagging.apply_tag(w.here, w.tag, w.editor)
    tagging.remove_tag(w.here, w.tag, w.editor)
    return latest(w.here), w.here


def bulk_tag(w: World):
    tagging.bulk_apply_tag([w.here.pk, *(a.pk for a in w.others)], w.tag, w.editor)
    return latest(w.here), w.here


def article_creation(w: World):
    client = Client()
    client.force_login(w.editor)
    client.post(reverse("articles:upload-text"), {"title": "Fresh", "text": "Just uploaded."})
    fresh = Article.objects.get(title="Fresh")
    return latest(fresh), fresh


KINDS = {
    "quote correction": quote_correction,
    "mention correction": mention_correction,
    "entity merge": entity_merge,
    "entity split": entity_split,
    "tag add": tag_add,
    "tag remove": tag_remove,
    "bulk tag": bulk_tag,
    "article creation": article_creation,
}
REVIEWING = {"quote correction", "mention correction", "entity merge", "entity split"}
TAGGING = {"tag add", "tag remove", "bulk tag"}


def expected_status(role: str, kind: str, where: str) -> int:
    if role == "nobody":
        return 403  # logged in with no role: refused at the view
    if where == "elsewhere":
        return 404  # "no such change on this article", whoever asks
    if kind == "article creation":
        return 409  # never undone here
    allowed = {"admin": REVIEWING | TAGGING, "reviewer": REVIEWING, "editor": TAGGING}[role]
    return 200 if kind in allowed else 403


def snapshot() -> dict[str, list]:
    """Every row an undo could touch, and every change set's metadata."""
    return {
        "quotes": list(Quote.objects.order_by("pk").values()),
        "mentions": list(Mention.objects.order_by("pk").values()),
        "entities": list(Entity.objects.order_by("pk").values()),
        "aliases": list(EntityAlias.objects.order_by("pk").values()),
        "tags": list(Tag.objects.order_by("pk").values()),
        "taggings": list(Article.tags.through.objects.order_by("pk").values()),
        "articles": list(
            Article.objects.order_by("pk").values("pk", "review_status", "reviewed_by_id")
        ),
        "contexts": list(Context.objects.order_by("id").values("id", "metadata")),
    }


def undo_over_http(client: Client, article: Article, change, scope: str = "all"):
    url = reverse("articles:undo", args=[article.pk])
    return client.post(url, {"change": str(change), "scope": scope}, **HTMX)


@pytest.mark.parametrize("where", ["own article", "elsewhere"])
@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("role", ["editor", "reviewer", "admin", "nobody"])
def test_undo_matrix(world, client_for, make_user, role, kind, where):
    change, own = KINDS[kind](world)
    article = own if where == "own article" else world.elsewhere
    if role == "nobody":
        client = Client()
        client.force_login(make_user())
    else:
        client = client_for(role)
    before = snapshot()
    response = undo_over_http(client, article, change)
    expected = expected_status(role, kind, where)
    assert response.status_code == expected, response.content.decode()[:500]
    if expected != 200:
        assert snapshot() == before
        if role != "nobody":
            assert 'data-testid="review-error"' in response.content.decode()
        return
    head = changes.header(Context.objects.get(pk=change))
    assert head.undone_by is not None
    undo = changes.header(Context.objects.get(pk=head.undone_by))
    assert undo.undoes == str(change)
    assert undo.article_id in (own.pk, None)  # recorded where the change belonged
    assert "Undone" in response.content.decode()
    assert ("tagsChanged" in response["HX-Trigger"]) is (kind in TAGGING)


def test_undo_matrix_reverts_what_it_says(world, client_for):
    change, own = quote_correction(world)
    assert undo_over_http(client_for("reviewer"), own, change).status_code == 200
    quote = Quote.objects.get(pk=world.quote.pk)
    assert (quote.kind, quote.status, quote.version) == ("direct", ReviewState.UNREVIEWED, 3)


# --- Ids ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("change", ["", "7", "not-a-uuid", "'; DROP TABLE x; --"])
def test_a_change_that_is_not_an_id_is_400(world, client_for, change):
    with pytest.raises(changes.BadChange):
        changes.undo(change, world.reviewer, world.here.pk)
    response = client_for("reviewer").post(
        reverse("articles:undo", args=[world.here.pk]), {"change": change}, **HTMX
    )
    assert response.status_code == 400
    assert "not the id of a change" in response.content.decode()


def test_an_unknown_change_is_404_and_an_unknown_article_too(world, client_for):
    with pytest.raises(changes.NoSuchChange):
        changes.undo(uuid.uuid4(), world.reviewer, world.here.pk)
    client = client_for("reviewer")
    assert undo_over_http(client, world.here, uuid.uuid4()).status_code == 404
    change, _ = quote_correction(world)
    assert undo_over_http(client, Article(pk=987654), change).status_code == 404


def test_without_htmx_a_refusal_keeps_its_status(world, client_for):
    change, own = tag_add(world)
    response = client_for("reviewer").post(
        reverse("articles:undo", args=[own.pk]), {"change": str(change)}
    )
    assert response.status_code == 403
    assert "may not undo this change" in response.content.decode()
    assert "<html" in response.content.decode()


def test_a_split_of_no_id_is_400(world, client_for):
    response = client_for("reviewer").post(
        reverse("articles:entity-split", args=[world.jane.pk]),
        {"version": 1, "merge": "nonsense", "article": world.here.pk},
        **HTMX,
    )
    assert response.status_code == 400
    with pytest.raises(changes.BadChange):
        entity_corrections.split_entity(world.jane.pk, 1, world.reviewer, "nonsense")


# --- Once only, and refusals --------------------------------------------------------------------


def test_a_change_set_cannot_be_undone_twice(world):
    change, own = quote_correction(world)
    changes.undo(change, world.reviewer, own.pk)
    before = snapshot()
    with pytest.raises(changes.NotUndoable, match="already undone"):
        changes.undo(change, world.reviewer, own.pk)
    assert snapshot() == before


def test_refusing_to_delete_a_tag_something_uses_since(world):
    # The tag is created on the way: undoing would delete it, but another article uses it now.
    with pghistory.context(user=world.editor.pk, url="/tags/"):
        tag = tagging.tag_to_apply("Brand new", world.editor)
        tagging.apply_tag(world.here, tag, world.editor)
    change = latest(world.here)
    tagging.apply_tag(world.elsewhere, tag, world.editor)
    before = snapshot()
    with pytest.raises(changes.NotUndoable, match="depends on it"):
        changes.undo(change, world.editor, world.here.pk)
    assert snapshot() == before


def test_a_merge_made_on_one_article_is_listed_but_not_undone_on_another(world, client_for):
    twin_elsewhere = Mention.objects.create(
        article=world.elsewhere, entity=world.twin, start=0, end=5, text="x", label="PERSON"
    )
    change, _ = entity_merge(world)
    sets = history.change_sets(world.elsewhere, world.reviewer)
    [merge] = [s for s in sets if s.id == str(change)]
    assert not merge.undo
    nouns = {c.noun for c in merge.changes}
    assert "mention" in nouns  # its own mention moved
    assert all(c.obj_id != str(world.mention.pk) for c in merge.changes)  # never another's
    assert undo_over_http(client_for("reviewer"), world.elsewhere, change).status_code == 404
    assert Mention.objects.get(pk=twin_elsewhere.pk).entity_id == world.jane.pk


# --- Bulk changes -------------------------------------------------------------------------------


def test_bulk_tagging_is_one_change_set_shown_per_article(world, client_for):
    change, _ = bulk_tag(world)
    head = changes.header(Context.objects.get(pk=change))
    assert (head.article_id, head.bulk, head.action) == (None, 3, "Tagged Politics")
    for article in (world.here, *world.others):
        [shown] = history.change_sets(article, world.editor)
        assert shown.id == str(change) and shown.bulk == 3
        assert [(c.verb, c.summary) for c in shown.changes] == [("Tagged", "Politics")]
        assert (shown.undo, shown.undo_all) == (True, True)
    page = client_for("editor").get(world.here.get_absolute_url()).content.decode()
    assert "part of a bulk change of 3 articles" in page
    assert "Undo here" in page and "Undo for all 3 articles" in page
    assert "tag.add" not in page and "Tagging" not in page


def test_bulk_undo_here_then_for_all(world):
    change, _ = bulk_tag(world)
    one, two = world.others
    undone = changes.undo(change, world.editor, world.here.pk, scope=changes.HERE)
    assert undone.notice == "Undone on this article: Tagged Politics."
    assert not world.here.tags.exists()
    assert one.tags.exists() and two.tags.exists()
    [here_view] = [s for s in history.change_sets(world.here, world.editor) if s.id == str(change)]
    assert here_view.undone and not here_view.undo and not here_view.undo_all
    [one_view] = [s for s in history.change_sets(one, world.editor) if s.id == str(change)]
    assert not one_view.undone and one_view.undo and one_view.undo_all
    # Not twice here, whichever way.
    before = snapshot()
    for scope in (changes.HERE, changes.ALL):
        with pytest.raises(changes.NotUndoable, match="already undone on this article"):
            changes.undo(change, world.editor, world.here.pk, scope=scope)
    assert snapshot() == before
    # For all, from another article: the rest goes.
    undone = changes.undo(change, world.editor, one.pk, scope=changes.ALL)
    assert undone.notice == "Undone for all 2 articles: Tagged Politics."
    assert not Article.tags.through.objects.exists()
    with pytest.raises(changes.NotUndoable, match="already undone"):
        changes.undo(change, world.editor, two.pk, scope=changes.HERE)
    assert all(s.undone for s in history.change_sets(two, world.editor) if s.id == str(change))


def test_bulk_undo_over_http(world, client_for):
    change, _ = bulk_tag(world)
    client = client_for("editor")
    response = undo_over_http(client, world.here, change, scope="here")
    assert response.status_code == 200
    assert "Undone on this article: Tagged Politics." in response.content.decode()
    assert "tagsChanged" in response["HX-Trigger"]
    assert undo_over_http(client, world.here, change, scope="here").status_code == 409
    assert undo_over_http(client, world.here, change, scope="sideways").status_code == 400
    assert Article.tags.through.objects.count() == 2


# --- Words --------------------------------------------------------------------------------------


def test_tag_writes_are_named_in_words(world):
    def action() -> str:
        return Context.objects.order_by("-created_at", "-metadata__at").first().metadata["action"]

    tag, _ = tagging.get_or_create_tag("Climate", world.editor)
    assert action() == "Created tag Climate"
    tagging.apply_tag(world.here, tag, world.editor)
    assert action() == "Tagged Climate"
    tagging.remove_tag(world.here, tag, world.editor)
    assert action() == "Untagged Climate"
    tagging.rename_tag(tag, "Climate & energy", world.editor)
    assert action() == "Renamed tag Climate to Climate & energy"
    tagging.delete_tag(tag, world.editor)
    assert action() == "Deleted tag Climate & energy"


def test_undoing_a_tag_change_says_what_in_words(world, client_for):
    change, own = tag_add(world)
    response = undo_over_http(client_for("editor"), own, change)
    assert "Undone: Tagged Politics." in response.content.decode()
    assert "Undo: Tagged Politics" in response.content.decode()  # in the History


def test_deleting_a_tag_is_undone_from_an_article_that_had_it(world):
    world.here.tags.add(world.tag)
    world.elsewhere.tags.add(world.tag)
    tagging.delete_tag(world.tag, world.editor)
    [deleted] = history.change_sets(world.here, world.editor)
    assert deleted.action == "Deleted tag Politics" and deleted.undo
    assert {(c.verb, c.summary) for c in deleted.changes} == {
        ("Untagged", "Politics"),
        ("Removed tag", "Politics"),
    }
    changes.undo(deleted.id, world.editor, world.here.pk)
    assert set(Tag.objects.get(name="Politics").articles.all()) == {world.here, world.elsewhere}


def test_an_article_added_to_the_archive_reads_so_and_offers_no_undo(world, client_for):
    change, fresh = article_creation(world)
    assert ArticleReviewEvent.objects.filter(pgh_context_id=change, pgh_label="insert").exists()
    for role in ("reviewer", "admin", "editor"):
        page = client_for(role).get(fresh.get_absolute_url()).content.decode()
        entry = re.search(rf'<li class="hi[^"]*" data-change="{change}">.*?</li>', page, re.S)
        assert entry and "Added to the archive" in entry.group()
        assert world.editor.username in entry.group()
        assert "Undo" not in entry.group() and 'id="undo-last"' not in page


def test_undo_buttons_only_where_the_user_may_undo(world, client_for):
    tag_change, _ = tag_add(world)
    quote_change, _ = quote_correction(world)
    url = world.here.get_absolute_url()
    for role, may, may_not in [
        ("reviewer", quote_change, tag_change),
        ("editor", tag_change, quote_change),
    ]:
        page = client_for(role).get(url).content.decode()
        assert f'name="change" value="{may}"' in page
        assert f'name="change" value="{may_not}"' not in page


def test_u_picks_only_what_the_user_may_undo(world, make_user):
    quote_change, _ = quote_correction(world)  # by the reviewer
    tag_add(world)  # by the editor, later
    sets = history.change_sets(world.here, world.reviewer)
    assert history.last_undoable(sets, world.reviewer).id == str(quote_change)
    # A reviewer who became an editor: their own quote correction is no longer theirs to undo.
    world.reviewer.groups.set([world.editor.groups.get()])
    reviewer = type(world.reviewer).objects.get(pk=world.reviewer.pk)  # fresh permissions
    assert history.last_undoable(history.change_sets(world.here, reviewer), reviewer) is None
