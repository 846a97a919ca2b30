"""The trash (articles/editing/trash.py): a deleted article is gone from every read, comes back
whole, is audited and undone, and is purged for good after NEWSROOM_TRASH_DAYS."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pghistory.models import Context

from articles.editing import trash
from articles.extraction import queue
from articles.intake import imports, ingest
from articles.models import (
    Article,
    ArticleEditEvent,
    Entity,
    Mention,
    MentionEvent,
    Quote,
    QuoteEvent,
    ReviewState,
    Tag,
)
from articles.review import changes, history
from articles.tags import tagging

pytestmark = pytest.mark.django_db

BODY = '"We will rebuild the harbour," said Mayor Ann Lee in Porto on Friday.'


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def story(make_article, editor):
    """An extracted, tagged, partly reviewed article with a speaker and a place."""
    article = make_article(
        BODY, title="Harbour plan", outlet="Porto Post", status=Article.Status.EXTRACTED
    )
    lee = Entity.objects.create(name="Ann Lee", label="PERSON", key="ann lee")
    porto = Entity.objects.create(name="Porto", label="GPE", key="porto")
    Mention.objects.create(
        article=article, entity=lee, start=42, end=49, text="Ann Lee", label="PERSON"
    )
    Mention.objects.create(
        article=article, entity=porto, start=53, end=58, text="Porto", label="GPE"
    )
    quote = Quote.objects.create(
        article=article, start=0, end=30, text=BODY[:30], speaker=lee, status=ReviewState.UNREVIEWED
    )
    tag = Tag.objects.create(name="Harbours")
    tagging.apply_tag(article, tag, editor)
    return {"article": article, "lee": lee, "porto": porto, "quote": quote, "tag": tag}


def visible(client, url: str, article: Article) -> bool:
    """Whether a page links to the article."""
    response = client.get(url)
    assert response.status_code == 200, url
    return f'href="{article.get_absolute_url()}' in response.content.decode()


def test_an_article_in_the_trash_is_hidden_everywhere(story, editor, client_for, make_article):
    article, lee = story["article"], story["lee"]
    make_article("Another story of Ann Lee, in Porto.", title="Other", outlet="Porto Post")
    reviewer = client_for("reviewer")
    pages = [
        reverse("articles:list"),
        reverse("articles:list") + "?outlet=Porto+Post",
        reverse("articles:search") + "?q=harbour",
        reverse("articles:search"),
        reverse("articles:entity", args=[lee.pk]),
        reverse("articles:review-queue"),
    ]
    for url in pages:
        assert visible(reviewer, url, article), url
    speakers = reverse("articles:speakers")
    assert "Ann Lee" in reviewer.get(speakers).content.decode()
    trash.trash(article.pk, editor)

    for url in pages:
        assert not visible(reviewer, url, article), url
    assert "Ann Lee" not in reviewer.get(speakers).content.decode()
    assert "Porto</a>" not in reviewer.get(reverse("articles:entities")).content.decode()
    assert not Entity.objects.mentioned().filter(pk__in=[lee.pk, story["porto"].pk]).exists()
    assert not Entity.objects.quoted().filter(pk=lee.pk).exists()
    assert Tag.objects.with_article_counts().get(pk=story["tag"].pk).article_count == 0
    assert Article.objects.outlets() == ["Porto Post"]  # the other article's
    assert not Quote.objects.review_queue(None).filter(pk=story["quote"].pk).exists()
    # The article page says where it went; its other pages are not found.
    page = reviewer.get(article.get_absolute_url())
    assert page.status_code == 404 and "This article is in the trash" in page.content.decode()
    assert reviewer.get(reverse("articles:article-tags", args=[article.pk])).status_code == 404
    quote = reverse("articles:quote-review", args=[story["quote"].pk])
    assert reviewer.post(quote, {"version": 1, "status": "accepted"}).status_code == 404
    assert Quote.objects.get(pk=story["quote"].pk).status == ReviewState.UNREVIEWED
    # Exports leave it out.
    out = io.StringIO()
    call_command("export_articles", "--format", "jsonl", stdout=out)
    assert [json.loads(line)["title"] for line in out.getvalue().splitlines()] == ["Other"]


def test_the_worker_does_not_claim_an_article_in_the_trash(make_article, editor):
    article = make_article("A queued story about the harbour.")
    trash.trash(article.pk, editor)
    assert queue.claim_batch("w1", 10, 60) == []
    trash.restore(article.pk, editor)
    assert queue.claim_batch("w1", 10, 60) == [article.pk]


def test_a_worker_holding_an_article_deleted_meanwhile_can_still_end_its_claim(
    make_article, editor
):
    article = make_article("A story being extracted.")
    assert queue.claim_batch("w1", 10, 60) == [article.pk]
    trash.trash(article.pk, editor)
    assert queue.renew("w1", [article.pk], 60) == 1
    assert queue.release("w1", [article.pk]) == 1
    assert Article.with_trash.get(pk=article.pk).status == Article.Status.QUEUED


def test_restore_brings_back_everything(story, editor):
    article = story["article"]
    Article.objects.filter(pk=article.pk).update(review_status="in_review")
    before = (
        set(Mention.objects.filter(article=article).values_list("pk", "text")),
        set(Quote.objects.filter(article=article).values_list("pk", "text", "status")),
        list(article.tags.values_list("name", flat=True)),
    )
    trash.trash(article.pk, editor)
    restored = trash.restore(article.pk, editor)
    assert (restored.review_status, restored.deleted_at, restored.deleted_by) == (
        "in_review",
        None,
        None,
    )
    after = (
        set(Mention.objects.filter(article=article).values_list("pk", "text")),
        set(Quote.objects.filter(article=article).values_list("pk", "text", "status")),
        list(restored.tags.values_list("name", flat=True)),
    )
    assert after == before
    actions = [change.action for change in history.change_sets(restored, editor)]
    assert actions[:3] == ["Restored from the trash", "Moved to the trash", "Tagged Harbours"]


def test_deleting_and_restoring_are_undone_like_any_change(story, editor, reviewer):
    article = story["article"]
    trash.trash(article.pk, editor)
    trash.restore(article.pk, editor)
    sets = history.change_sets(Article.objects.get(pk=article.pk), editor)
    restored, deleted = sets[0], sets[1]
    assert restored.undo
    with pytest.raises(changes.MayNotUndo, match="delete and restore articles"):
        changes.undo(restored.id, reviewer, article.pk)
    changes.undo(restored.id, editor, article.pk)  # back in the trash
    assert Article.with_trash.get(pk=article.pk).in_trash
    trash.restore(article.pk, editor)
    # Undoing the deletion itself is refused now: the article changed since (restored twice).
    with pytest.raises(changes.NotUndoable):
        changes.undo(deleted.id, editor, article.pk)


def test_trash_twice_or_restore_a_live_article_is_refused(story, editor):
    article = story["article"]
    with pytest.raises(trash.EditError):
        trash.restore(article.pk, editor)
    trash.trash(article.pk, editor)
    with pytest.raises(trash.EditError):
        trash.trash(article.pk, editor)


def test_uploading_the_text_of_an_article_in_the_trash_says_where_it_is(story, editor):
    trash.trash(story["article"].pk, editor)
    item = ingest.parse_pasted("Again", BODY, max_chars=10_000)
    [result] = imports.import_items([item], editor)
    assert (result.outcome, result.article_id) == ("duplicate", story["article"].pk)
    assert "in the trash" in result.message


# Purging ------------------------------------------------------------------------------------


def age(article: Article, days: float) -> None:
    Article.with_trash.filter(pk=article.pk).update(
        deleted_at=timezone.now() - timedelta(days=days)
    )


def test_purge_deletes_for_good_only_what_is_due(story, editor, make_article, settings):
    settings.NEWSROOM_TRASH_DAYS = 30
    article = story["article"]
    recent = make_article("Deleted only yesterday.")
    trash.trash(article.pk, editor)
    trash.trash(recent.pk, editor)
    age(article, 31)
    age(recent, 1)
    out = io.StringIO()
    call_command("purge_trash", "--dry-run", "-v", "2", stdout=out)
    assert "1 articles would be purged" in out.getvalue() and "Harbour plan" in out.getvalue()
    assert Article.with_trash.filter(pk=article.pk).exists()

    out = io.StringIO()
    call_command("purge_trash", stdout=out)
    assert "Purged 1 articles" in out.getvalue()
    assert not Article.with_trash.filter(pk=article.pk).exists()
    assert Article.with_trash.filter(pk=recent.pk).exists()
    assert not Mention.objects.filter(article_id=article.pk).exists()
    # Its text does not outlive it in the history either.
    assert not QuoteEvent.objects.filter(article_id=article.pk).exists()
    assert not MentionEvent.objects.filter(article_id=article.pk).exists()
    assert not ArticleEditEvent.objects.filter(pgh_obj_id=article.pk).exists()
    purge = Context.objects.filter(metadata__has_key="purged").get()
    assert purge.metadata["purged"] == [article.pk]
    # Entities stay; the live article is untouched.
    assert Entity.objects.filter(pk=story["lee"].pk).exists()


def test_purge_with_days_and_a_live_article_is_never_purged(make_article, editor):
    live = make_article("A live story.")
    gone = make_article("A deleted story.")
    trash.trash(gone.pk, editor)
    call_command("purge_trash", "--days", "0", stdout=io.StringIO())
    assert Article.objects.filter(pk=live.pk).exists()
    assert not Article.with_trash.filter(pk=gone.pk).exists()


def test_the_worker_purges_the_trash_once_an_hour(make_article, editor, settings):
    from articles.extraction.worker import Worker

    article = make_article("Deleted long ago.")
    trash.trash(article.pk, editor)
    age(article, settings.NEWSROOM_TRASH_DAYS + 1)
    worker = Worker(model_name="none", log=lambda line: None)
    worker._purge_trash()
    assert not Article.with_trash.filter(pk=article.pk).exists()
    again = make_article("Deleted long ago too.")
    trash.trash(again.pk, editor)
    age(again, settings.NEWSROOM_TRASH_DAYS + 1)
    worker._purge_trash()  # within the hour: not yet
    assert Article.with_trash.filter(pk=again.pk).exists()


# The pages ------------------------------------------------------------------------------------


def test_delete_restore_through_the_pages(story, client_for):
    article = story["article"]
    editor = client_for("editor")
    page = editor.get(article.get_absolute_url()).content.decode()
    assert reverse("articles:article-delete", args=[article.pk]) in page
    response = editor.post(
        reverse("articles:article-delete", args=[article.pk]),
        {"version": article.version},
        follow=True,
    )
    text = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("articles:list")
    assert "Moved “Harbour plan” to the trash" in text and reverse("articles:trash") in text
    trash_page = editor.get(reverse("articles:trash")).content.decode()
    assert "Harbour plan" in trash_page and "Restore" in trash_page
    assert re.search(r"Deleted for good", trash_page)
    response = editor.post(reverse("articles:article-restore", args=[article.pk]), follow=True)
    assert response.redirect_chain[-1][0] == article.get_absolute_url()
    assert "Restored “Harbour plan” from the trash" in response.content.decode()


def test_deleting_a_stale_page_is_a_409_that_leads_back(story, client_for, editor):
    article = story["article"]
    trash.trash(article.pk, editor)
    trash.restore(article.pk, editor)
    response = client_for("editor").post(
        reverse("articles:article-delete", args=[article.pk]), {"version": 1}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "not deleted" in page and article.get_absolute_url() in page
    assert 'action="/accounts/logout/"' in page  # the site's layout, with its way out
    assert not Article.with_trash.get(pk=article.pk).in_trash


def test_reviewers_have_no_trash(client_for):
    response = client_for("reviewer").get(reverse("articles:trash"))
    assert response.status_code == 403
    assert "Editors" in response.content.decode() and "Admins" in response.content.decode()


def test_the_trash_page_costs_the_same_queries_for_one_article_or_many(
    make_article, client_for, editor
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("editor")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("articles:trash")).status_code == 200
        return len(captured)

    trash.trash(make_article().pk, editor)
    one = queries()
    for _ in range(5):
        trash.trash(make_article().pk, editor)
    assert queries() == one
