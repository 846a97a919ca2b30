"""Editors' edits of an article: its metadata and its text. One service for the app and admin.

An edit carries the article's `version` the editor saw; a stale one is refused (Stale, 409)
and writes nothing. Each edit is one change set (`changes.change_set`), so the History lists it
and undo reverts it (changes.py).

When the text changes, every extraction stays true to it (editing/offsets.py): kept items move
with their words, or are flagged when their words were edited; unreviewed machine items are
dropped, and the article is queued for extraction again (taken back from a worker holding it,
whose results would be for the old text). A reviewed article goes back into review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from articles.editing.offsets import Moved, drop_machine_items, move_kept_items
from articles.extraction import queue
from articles.intake import ingest
from articles.intake.text import content_hash
from articles.models import Article, ArticleEditEvent
from articles.review import changes, snapshots

# The fields an editor changes, in the order they are named ("Edited title and outlet").
EDITABLE = ("title", "byline", "outlet", "published", "source_url", "body")
FIELD_NAMES = {
    "title": "title",
    "byline": "byline",
    "outlet": "outlet",
    "published": "date",
    "source_url": "URL",
    "body": "text",
}


class EditError(Exception):
    """An edit that cannot be made; the message is shown to the editor."""

    status = 422


class Stale(EditError):
    """Someone changed the article since the editor loaded it."""

    status = 409

    def __init__(self, current: Article, message: str = "") -> None:
        self.current = current
        super().__init__(
            message
            or "Someone else changed this article since you opened it. Nothing was saved: "
            "the form now shows their version beside yours."
        )


@dataclass
class Edited:
    """What an edit changed."""

    article: Article
    changed: list[str] = field(default_factory=list)  # of EDITABLE, in that order
    moved: Moved | None = None  # when the text changed: what happened to the kept items
    dropped: int = 0  # unreviewed machine items dropped with the old text
    requeued: bool = False

    @property
    def summary(self) -> str:
        """The edit in words, for the editor: "Saved the title and the text. …"."""
        if not self.changed:
            return "Nothing was changed."
        words = [f"the {FIELD_NAMES[name]}" for name in self.changed]
        said = f"Saved {_and(words)}."
        if self.moved is not None:
            said += " Extraction will run again on the new text."
            look = len(self.moved.flagged) + len(self.moved.detached)
            if look == 1:
                said += " 1 reviewed item lost words to the edit and is flagged for review."
            elif look:
                said += f" {look} reviewed items lost words to the edit and are flagged for review."
        return said


def clean_values(values: dict[str, Any]) -> dict[str, Any]:
    """The editable fields as ingest stores them: normalised and within every limit.

    Raises ingest.IngestError (a ValueError) with a message for a person. The URL must be an
    http or https address (ingest would drop any other).
    """
    url = (values.get("source_url") or "").strip()
    if url and not url.lower().startswith(("http://", "https://")):
        raise ingest.IngestError("the URL must start with http:// or https://")
    draft = ingest.ArticleDraft(
        title=values.get("title") or "",
        body=values.get("body") or "",
        byline=values.get("byline") or "",
        outlet=values.get("outlet") or "",
        source_url=url,
        published=values.get("published"),
    )
    if not draft.title.strip():
        raise ingest.IngestError("an article needs a title")
    ingest.finish(draft, settings.NEWSROOM_MAX_ARTICLE_CHARS)
    return {
        "title": draft.title,
        "byline": draft.byline,
        "outlet": draft.outlet,
        "published": draft.published,
        "source_url": draft.source_url,
        "body": draft.body,
    }


def lock(article_id: int, version: int | None) -> Article:
    """Lock an article that is not in the trash FOR UPDATE and check the version the editor
    saw. Call inside atomic(). Article.DoesNotExist if it is gone or in the trash."""
    article = Article.objects.select_for_update(of=("self",)).get(pk=article_id)
    if version is not None and article.version != int(version):
        raise Stale(article)
    return article


def edit_article(article_id: int, user, version: int | None, values: dict[str, Any]) -> Edited:
    """Change an article's metadata and text (`values`: any of EDITABLE, as clean_values gives
    them) as one change set; say what changed.

    Locks the article row FOR UPDATE, which serialises the edit with the worker's store and with
    reviewers' corrections (both lock it FOR NO KEY UPDATE). Stale if `version` is not the
    article's; EditError if the new text is another article's (texts are unique);
    Article.DoesNotExist if it is gone or in the trash.
    """
    with transaction.atomic():
        article = lock(article_id, version)
        new = {name: values[name] for name in EDITABLE if name in values}
        changed = [name for name in EDITABLE if name in new and getattr(article, name) != new[name]]
        if not changed:
            return Edited(article)
        update: dict[str, Any] = {name: new[name] for name in changed}
        text_changed = "body" in changed
        if text_changed:
            update["content_hash"] = content_hash(new["body"])
            twin = (
                Article.with_trash.filter(content_hash=update["content_hash"])
                .exclude(pk=article.pk)
                .first()
            )
            if twin is not None:
                where = " (in the trash)" if twin.deleted_at else ""
                raise EditError(
                    f"Another article already has this text: “{twin.title}”, #{twin.pk}{where}."
                )
        snapshots.record_baseline(ArticleEditEvent, article.pk)
        action = f"Edited {_and([FIELD_NAMES[name] for name in changed])}"
        result = Edited(article, changed)
        with changes.change_set(user, action[:1].upper() + action[1:], article=article.pk):
            if text_changed:
                result.moved = move_kept_items(article.pk, article.body, new["body"])
                result.dropped = drop_machine_items(article.pk)
                if article.review_status == Article.ReviewStatus.REVIEWED:
                    reopen_review(article.pk)
            Article.objects.filter(pk=article.pk).update(
                **update, version=F("version") + 1, updated_at=timezone.now()
            )
            if text_changed:
                result.requeued = queue.requeue(article.pk, take_over=True)
        result.article = Article.objects.get(pk=article.pk)
    return result


def reopen_review(article_id: int) -> None:
    """A reviewed article whose text changed is in review again: new extractions will come."""
    Article.objects.filter(pk=article_id, review_status=Article.ReviewStatus.REVIEWED).update(
        review_status=Article.ReviewStatus.IN_REVIEW, reviewed_by=None, reviewed_at=None
    )


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
