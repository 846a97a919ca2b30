"""Editing an article (articles/editing/edits.py): every extraction stays on its words, in the
app and in the admin, over random edits; stale edits are refused; edits are audited and undone."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from articles.editing import edits
from articles.intake.text import content_hash, normalise_text
from articles.models import Article, Entity, Mention, Origin, Quote, ReviewState
from articles.review import changes, corrections, history

pytestmark = pytest.mark.django_db

BODY = (
    "Prime Minister Jane Holloway visited Leeds on Monday.\n\n"
    '"We will rebuild every school in this city," Holloway said. '
    "Opposition leader Mark Fenwick said the plan was too late."
)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def span(text: str, body: str = BODY) -> tuple[int, int]:
    start = body.index(text)
    return start, start + len(text)


@pytest.fixture
def story(make_article):
    """An extracted article: a quote a reviewer accepted, one nobody reviewed, mentions."""
    article = make_article(BODY, status=Article.Status.EXTRACTED, outlet="")
    jane = Entity.objects.create(name="Jane Holloway", label="PERSON", key="jane holloway")
    leeds = Entity.objects.create(name="Leeds", label="GPE", key="leeds")
    start, end = span('"We will rebuild every school in this city,"')
    s_start, s_end = span("Holloway said")
    accepted = Quote.objects.create(
        article=article,
        start=start,
        end=end,
        text=BODY[start:end],
        speaker=jane,
        speaker_start=s_start,
        speaker_end=s_start + len("Holloway"),
        cue="said",
        cue_start=s_end - 4,
        cue_end=s_end,
        status=ReviewState.ACCEPTED,
    )
    start, end = span("the plan was too late")
    machine = Quote.objects.create(article=article, start=start, end=end, text=BODY[start:end])
    start, end = span("Jane Holloway")
    person = Mention.objects.create(
        article=article,
        entity=jane,
        start=start,
        end=end,
        text="Jane Holloway",
        label="PERSON",
        status=ReviewState.ACCEPTED,
    )
    start, end = span("Leeds")
    place = Mention.objects.create(
        article=article, entity=leeds, start=start, end=end, text="Leeds", label="GPE"
    )
    return {
        "article": article,
        "accepted": accepted,
        "machine": machine,
        "person": person,
        "place": place,
    }


def items_of(article_id: int) -> list[Quote | Mention]:
    return [
        *Quote.objects.filter(article_id=article_id),
        *Mention.objects.filter(article_id=article_id),
    ]


def assert_items_true(article_id: int) -> None:
    """Every stored item is its text's words; speaker and cue offsets lie inside the text."""
    body = Article.with_trash.get(pk=article_id).body
    for item in items_of(article_id):
        assert 0 <= item.start <= item.end <= len(body), item
        assert body[item.start : item.end] == item.text, (item, body[item.start : item.end])
        if item.start == item.end:
            assert item.edited_from, "a detached item says what its words were"
        for first, last in (("speaker_start", "speaker_end"), ("cue_start", "cue_end")):
            a, b = getattr(item, first, None), getattr(item, last, None)
            assert (a is None) == (b is None)
            if a is not None:
                assert 0 <= a < b <= len(body), (item, first, a, b)


def test_a_typo_fixed_before_a_quote_moves_it_with_its_words(story, editor):
    article = story["article"]
    new = BODY.replace("Prime Minister", "Prime Minster Dr")
    edited = edits.edit_article(article.pk, editor, article.version, {"body": new})
    assert edited.changed == ["body"] and edited.requeued
    accepted = Quote.objects.get(pk=story["accepted"].pk)
    assert accepted.text == '"We will rebuild every school in this city,"'
    assert accepted.status == ReviewState.ACCEPTED and not accepted.edited_from
    assert new[accepted.speaker_start : accepted.speaker_end] == "Holloway"
    assert new[accepted.cue_start : accepted.cue_end] == "said"
    assert not Quote.objects.filter(pk=story["machine"].pk).exists()  # unreviewed: dropped
    assert not Mention.objects.filter(pk=story["place"].pk).exists()
    assert Mention.objects.get(pk=story["person"].pk).text == "Jane Holloway"
    article.refresh_from_db()
    assert (article.status, article.version, article.content_hash) == (
        Article.Status.QUEUED,
        2,
        content_hash(new),
    )
    assert_items_true(article.pk)


def test_a_reviewed_quote_whose_words_change_is_flagged_and_the_article_reopened(story, editor):
    article = story["article"]
    Article.objects.filter(pk=article.pk).update(review_status="reviewed")
    new = BODY.replace("every school", "every last school")
    edited = edits.edit_article(article.pk, editor, article.version, {"body": new})
    accepted = Quote.objects.get(pk=story["accepted"].pk)
    assert accepted.text == '"We will rebuild every last school in this city,"'
    assert accepted.edited_from == '"We will rebuild every school in this city,"'
    assert edited.moved.flagged == [accepted] and "flagged for review" in edited.summary
    assert Article.objects.get(pk=article.pk).review_status == "in_review"
    # A reviewer's look clears the flag.
    corrections.review_quote(accepted.pk, accepted.version, editor, ReviewState.ACCEPTED)
    assert Quote.objects.get(pk=accepted.pk).edited_from == ""


def test_a_reviewed_quote_whose_words_are_deleted_is_kept_detached_and_shown(
    story, editor, reviewer, client_for
):
    article = story["article"]
    quote = '"We will rebuild every school in this city," '
    new = BODY.replace(quote, "")
    edits.edit_article(article.pk, editor, article.version, {"body": new})
    accepted = Quote.objects.get(pk=story["accepted"].pk)
    assert accepted.is_detached and accepted.text == ""
    assert accepted.edited_from == quote.strip()
    assert not accepted.is_standing and Quote.objects.standing().filter(pk=accepted.pk).count() == 0
    assert_items_true(article.pk)
    page = client_for("reviewer").get(article.get_absolute_url()).content.decode()
    assert "An edit removed its words" in page and f'id="q-{accepted.pk}"' in page
    assert 'data-testid="flagged"' in page
    # It cannot be accepted as it is; it can be given new words.
    with pytest.raises(corrections.CorrectionError, match="Select its new words"):
        corrections.review_quote(accepted.pk, accepted.version, reviewer, ReviewState.ACCEPTED)
    start, end = span("the plan was too late", new)
    fixed = corrections.correct_quote(accepted.pk, accepted.version, reviewer, start=start, end=end)
    assert fixed.text == "the plan was too late" and fixed.edited_from == ""


def test_a_rejected_machine_item_whose_words_are_gone_goes_too(story, editor):
    article = story["article"]
    Mention.objects.filter(pk=story["place"].pk).update(status=ReviewState.REJECTED)
    new = BODY.replace(" Leeds", "")
    edited = edits.edit_article(article.pk, editor, article.version, {"body": new})
    assert edited.moved.removed == 1
    assert not Mention.objects.filter(pk=story["place"].pk).exists()


def test_metadata_edits_change_no_extraction(story, editor):
    article = story["article"]
    before = {(type(i), i.pk, i.version) for i in items_of(article.pk)}
    edited = edits.edit_article(
        article.pk, editor, article.version, {"outlet": "The Leeds Courier", "title": "New"}
    )
    assert edited.changed == ["title", "outlet"] and not edited.requeued
    assert edited.summary == "Saved the title and the outlet."
    assert {(type(i), i.pk, i.version) for i in items_of(article.pk)} == before
    article.refresh_from_db()
    assert (article.outlet, article.status, article.version) == (
        "The Leeds Courier",
        "extracted",
        2,
    )


def test_a_stale_edit_is_refused_and_writes_nothing(story, editor):
    article = story["article"]
    edits.edit_article(article.pk, editor, article.version, {"outlet": "First"})
    with pytest.raises(edits.Stale):
        edits.edit_article(article.pk, editor, article.version, {"outlet": "Second"})
    assert Article.objects.get(pk=article.pk).outlet == "First"


def test_the_text_of_another_article_is_refused(story, editor, make_article):
    other = make_article("Another story entirely.")
    with pytest.raises(edits.EditError, match=f"#{other.pk}"):
        edits.edit_article(story["article"].pk, editor, None, {"body": "Another  story entirely."})


def test_an_edit_takes_the_article_back_from_a_worker(story, editor):
    article = story["article"]
    Article.objects.filter(pk=article.pk).update(status="processing", claimed_by="w1")
    edits.edit_article(article.pk, editor, None, {"body": BODY + " More."})
    article.refresh_from_db()
    assert (article.status, article.claimed_by) == ("queued", "")


def test_an_edit_is_in_the_history_and_undone_whole(story, editor):
    article = story["article"]
    before = {(type(i), i.pk, i.start, i.end, i.text, i.status) for i in items_of(article.pk)}
    new = "Breaking. " + BODY.replace("every school", "each school")
    edits.edit_article(article.pk, editor, article.version, {"body": new, "outlet": "Courier"})
    change = history.change_sets(Article.objects.get(pk=article.pk), editor)[0]
    assert change.action == "Edited outlet and text" and change.undo
    assert change.changes[0].verb == "Edited article"
    fields = dict((name, (was, now)) for name, was, now in change.changes[0].fields)
    assert fields["outlet"] == ("—", "Courier")
    assert fields["text"][0].startswith("Prime Minister") and "every school" in fields["text"][0]
    assert fields["text"][1].startswith("Breaking. Prime") and "each school" in fields["text"][1]
    assert any("dropped with the old text" in item.text for item in change.changes)
    changes.undo(change.id, editor, article.pk)
    article.refresh_from_db()
    assert (article.body, article.outlet, article.content_hash) == (BODY, "", content_hash(BODY))
    after = {(type(i), i.pk, i.start, i.end, i.text, i.status) for i in items_of(article.pk)}
    assert after == before
    assert article.status == Article.Status.QUEUED
    assert_items_true(article.pk)


def test_undoing_an_edit_moves_items_made_since_back_with_the_text(story, editor, reviewer):
    article = story["article"]
    new = "Breaking. " + BODY
    edits.edit_article(article.pk, editor, article.version, {"body": new})
    start, end = span("Mark Fenwick", new)
    added = corrections.add_mention(article.pk, reviewer, start, end, "PERSON")
    Quote.objects.create(article=article, start=0, end=9, text="Breaking.")  # a re-extraction's
    edit = next(c for c in history.change_sets(article, editor) if c.action == "Edited text")
    changes.undo(edit.id, editor, article.pk)
    assert Mention.objects.get(pk=added.pk).text == "Mark Fenwick"
    assert not Quote.objects.filter(text="Breaking.").exists()
    assert_items_true(article.pk)


def test_a_reviewer_may_not_undo_an_edit(story, editor, reviewer):
    article = story["article"]
    edits.edit_article(article.pk, editor, article.version, {"outlet": "Courier"})
    change = history.change_sets(article, reviewer)[0]
    assert not change.undo
    with pytest.raises(changes.MayNotUndo, match="edit articles"):
        changes.undo(change.id, reviewer, article.pk)


def test_a_selection_made_on_the_old_text_is_refused(story, editor, reviewer):
    article = story["article"]
    edits.edit_article(article.pk, editor, article.version, {"body": "Breaking. " + BODY})
    start, end = span("Leeds")
    with pytest.raises(corrections.Conflict, match="edited since you opened it"):
        corrections.add_quote(article.pk, reviewer, start, end, article_version=article.version)
    with pytest.raises(corrections.Conflict):
        corrections.correct_quote(
            story["accepted"].pk,
            Quote.objects.get(pk=story["accepted"].pk).version,
            reviewer,
            start=start,
            end=end,
            article_version=article.version,
        )


# Random edits -------------------------------------------------------------------------------

WORDS = ["the", "mayor", "said", '"we', 'win"', "Leeds", "on", "Monday.", "a", "plan,"]
STATES = [
    (Origin.MACHINE, ReviewState.UNREVIEWED),
    (Origin.MACHINE, ReviewState.ACCEPTED),
    (Origin.MACHINE, ReviewState.CORRECTED),
    (Origin.MACHINE, ReviewState.REJECTED),
    (Origin.HUMAN, ReviewState.ACCEPTED),
]


@st.composite
def texts(draw) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=4, max_size=40))
    gaps = draw(st.lists(st.sampled_from([" ", " ", " ", "\n\n"]), min_size=len(words)))
    return normalise_text("".join(w + g for w, g in zip(words, gaps, strict=False)))


@st.composite
def spans(draw, body: str) -> tuple[int, int]:
    start = draw(st.integers(0, len(body) - 1))
    return start, draw(st.integers(start + 1, min(len(body), start + 40)))


@st.composite
def edited(draw, body: str) -> str:
    """The text after a few random deletions, insertions and replacements, normalised as the
    editor's form normalises it."""
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(body)))
        end = draw(st.integers(start, min(len(body), start + 30)))
        insert = draw(st.sampled_from(["", "", "x", " new words ", "\n\n", "Leeds", '"']))
        body = body[:start] + insert + body[end:]
    return normalise_text(body)


@st.composite
def stories(draw):
    body = draw(texts())
    items = []
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["quote", "mention"]))
        start, end = draw(spans(body))
        origin, status = draw(st.sampled_from(STATES))
        extra = {}
        if kind == "quote" and draw(st.booleans()):
            extra["speaker_start"], extra["speaker_end"] = draw(spans(body))
            extra["cue_start"], extra["cue_end"] = draw(spans(body))
        items.append((kind, start, end, origin, status, extra))
    return body, items, draw(edited(body))


def make_story(body, items, entity) -> Article:
    article = Article.objects.create(
        title="Random", body=body, content_hash=content_hash(body), status="extracted"
    )
    for kind, start, end, origin, status, extra in items:
        common = {
            "article": article,
            "start": start,
            "end": end,
            "text": body[start:end],
            "origin": origin,
            "status": status,
        }
        if kind == "quote":
            Quote.objects.create(**common, **extra)
        else:
            Mention.objects.create(**common, entity=entity, label="PERSON")
    return article


def snapshot(article_id: int) -> set[tuple]:
    return {
        (type(i).__name__, i.pk, i.start, i.end, i.text, i.origin, i.status, i.edited_from)
        for i in items_of(article_id)
    }


def check_edit(article: Article, old: str, new: str, kept_before: set[tuple]) -> None:
    """What every edit must leave: items true to the text, kept ones kept, words untouched by
    the edit untouched."""
    assert_items_true(article.pk)
    assert Article.objects.get(pk=article.pk).body == new
    after = {(kind, pk): row for kind, pk, *row in snapshot(article.pk)}
    unreviewed = (Origin.MACHINE, ReviewState.UNREVIEWED)
    assert not any(tuple(row[3:5]) == unreviewed for row in after.values())
    prefix = 0  # the common start and end of the two texts
    while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(old), len(new)) - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    for kind, pk, start, end, text, origin, status, _flag in kept_before:
        row = after.get((kind, pk))
        if row is None:
            # Only a rejected item goes, and only when its words went.
            assert status == ReviewState.REJECTED
            continue
        assert tuple(row[3:5]) == (origin, status)
        if end <= prefix:
            assert tuple(row[:3]) == (start, end, text)
        elif start >= len(old) - suffix:
            shift = len(new) - len(old)
            assert tuple(row[:3]) == (start + shift, end + shift, text)


@pytest.fixture
def person(db):
    return Entity.objects.create(name="Mayor", label="PERSON", key="mayor")


@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(story=stories())
def test_random_edits_keep_every_item_on_its_words_and_undo_restores_them(story, editor, person):
    old, items, new = story
    assume(new and new != old)
    with transaction.atomic():
        article = make_story(old, items, person)
        before = snapshot(article.pk)
        kept = {
            row for row in before if tuple(row[5:7]) != (Origin.MACHINE, ReviewState.UNREVIEWED)
        }
        edits.edit_article(article.pk, editor, article.version, {"body": new})
        check_edit(article, old, new, kept)
        undo = history.change_sets(article, editor)[0]
        changes.undo(undo.id, editor, article.pk)
        assert Article.objects.get(pk=article.pk).body == old
        assert snapshot(article.pk) == before
        transaction.set_rollback(True)


@pytest.fixture
def admin_client(make_user):
    client = Client()
    client.force_login(make_user("admin", is_staff=True))
    return client


@pytest.fixture
def editor_client(editor):
    client = Client()
    client.force_login(editor)
    return client


def admin_form(article: Article, body: str) -> dict:
    return {
        "title": article.title,
        "byline": article.byline,
        "outlet": article.outlet,
        "published": "",
        "source_url": article.source_url,
        "external_id": article.external_id,
        "body": body,
        "original_filename": article.original_filename,
        "uploaded_by": "",
        "review_status": article.review_status,
        "reviewed_by": "",
        "reviewed_at_0": "",
        "reviewed_at_1": "",
        "seen_version": article.version,
        "_save": "Save",
    }


def app_form(article: Article, body: str) -> dict:
    return {"version": article.version, "title": article.title, "body": body}


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(story=stories(), where=st.sampled_from(["app", "admin"]))
def test_random_edits_in_the_app_and_the_admin_keep_every_item_on_its_words(
    story, where, admin_client, editor_client, person
):
    old, items, new = story
    assume(new and new != old)
    with transaction.atomic():
        article = make_story(old, items, person)
        kept = {
            row
            for row in snapshot(article.pk)
            if tuple(row[5:7]) != (Origin.MACHINE, ReviewState.UNREVIEWED)
        }
        if where == "admin":
            url = reverse("admin:articles_article_change", args=[article.pk])
            response = admin_client.post(url, admin_form(article, new))
        else:
            url = reverse("articles:article-edit", args=[article.pk])
            response = editor_client.post(url, app_form(article, new))
        assert response.status_code == 302, response.content.decode()[:2000]
        check_edit(article, old, new, kept)
        transaction.set_rollback(True)


# The editor's pages ----------------------------------------------------------------------------


def test_the_editor_fixes_metadata_and_text_in_the_app(story, editor_client):
    article = story["article"]
    url = reverse("articles:article-edit", args=[article.pk])
    page = editor_client.get(url).content.decode()
    assert 'name="version"' in page and "Holloway visited Leeds" in page
    form = {
        **app_form(article, BODY.replace("Monday", "Tuesday")),
        "outlet": "  The   Courier ",
        "byline": "Ann Lee",
        "published": "2024-05-01",
        "source_url": "example.com/story",
    }
    response = editor_client.post(url, form, follow=True)
    page = response.content.decode()
    assert "Saved the byline, the outlet, the date, the URL and the text." in page
    article.refresh_from_db()
    assert (article.outlet, article.byline, str(article.published), article.source_url) == (
        "The Courier",
        "Ann Lee",
        "2024-05-01",
        "https://example.com/story",
    )
    assert "Tuesday" in article.body


def test_a_stale_form_answers_409_shows_theirs_and_keeps_mine(story, editor_client, editor):
    article = story["article"]
    edits.edit_article(article.pk, editor, article.version, {"outlet": "Their outlet"})
    url = reverse("articles:article-edit", args=[article.pk])
    response = editor_client.post(url, {**app_form(article, BODY), "outlet": "Mine"})
    page = response.content.decode()
    assert response.status_code == 409
    assert "Their outlet" in page and 'value="Mine"' in page
    assert 'name="version" value="2"' in page
    assert Article.objects.get(pk=article.pk).outlet == "Their outlet"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "", "This field is required"),
        ("body", "   ", "This field is required"),
        ("source_url", "ftp://x.example/a", "must start with http:// or https://"),
        ("source_url", "not a url at all", "Enter a valid URL"),
        ("published", "2024-02-30", "Enter a valid date"),
        ("body", "x" * 50, "too long"),
    ],
)
def test_a_bad_edit_answers_422_and_writes_nothing(
    story, editor_client, settings, field, value, message
):
    settings.NEWSROOM_MAX_ARTICLE_CHARS = 40
    article = story["article"]
    url = reverse("articles:article-edit", args=[article.pk])
    response = editor_client.post(url, {**app_form(article, "A short text."), field: value})
    assert response.status_code == 422 and message in response.content.decode()
    assert Article.objects.get(pk=article.pk).version == article.version


def test_only_editors_and_admins_see_edit_and_delete(story, client_for):
    url = story["article"].get_absolute_url()
    edit = reverse("articles:article-edit", args=[story["article"].pk])
    assert edit in client_for("editor").get(url).content.decode()
    assert edit not in client_for("reviewer").get(url).content.decode()
