"""A small archive whose every dashboard figure is worked out by hand in test_dashboard.py."""

from __future__ import annotations

import datetime

from django.utils import timezone

from articles.intake.ingest import content_hash
from articles.models import Article, Entity, Quote, SpeakerSuggestion, Tag

U, A, C, R = "unreviewed", "accepted", "corrected", "rejected"


def article(title: str, outlet: str, published: datetime.date, **fields) -> Article:
    body = f"{title}. " + "Words of the article. " * 20
    return Article.objects.create(
        title=title,
        body=body,
        content_hash=content_hash(body),
        outlet=outlet,
        published=published,
        status="extracted",
        **fields,
    )


def quote(art: Article, n: int, status: str, speaker: Entity | None = None, text: str = ""):
    return Quote.objects.create(
        article=art,
        start=n * 10,
        end=n * 10 + 8,
        text=f"quote {n}",
        status=status,
        speaker=speaker,
        speaker_text=text or (speaker.name if speaker else ""),
    )


def build() -> dict:
    """Three articles (one in the trash), four speakers, ten quotes (one rejected).

    A1 Wire 2 Mar 2026, tagged Politics: Jane accepted, Jane unreviewed, Bob unreviewed,
        Acme corrected, "a spokeswoman" (no entity) unreviewed, Bob rejected.
    A2 Ledger 10 Mar 2026: Ann accepted, no speaker unreviewed, Jane unreviewed.
    A3 Wire 20 Mar 2026, in the trash: Jane accepted.
    Jane: confirmed woman, politician. Bob: suggested man, expert. Ann: nothing. Acme: ORG.
    """
    politics = Tag.objects.create(name="Politics")
    a1 = article("One", "Wire", datetime.date(2026, 3, 2))
    a1.tags.add(politics)
    a2 = article("Two", "Ledger", datetime.date(2026, 3, 10))
    a3 = article("Three", "Wire", datetime.date(2026, 3, 20))
    jane = Entity.objects.create(
        name="Jane Holloway", label="PERSON", key="jane holloway", gender="woman", role="politician"
    )
    bob = Entity.objects.create(name="Bob Marsh", label="PERSON", key="bob marsh")
    ann = Entity.objects.create(name="Ann Lee", label="PERSON", key="ann lee")
    acme = Entity.objects.create(name="Acme", label="ORG", key="acme")
    SpeakerSuggestion.objects.create(
        entity=bob,
        gender="man",
        gender_confidence=0.8,
        role="expert",
        role_confidence=0.6,
        computed_at=timezone.now(),
    )
    quote(a1, 1, A, jane)
    quote(a1, 2, U, jane)
    quote(a1, 3, U, bob)
    quote(a1, 4, C, acme)
    quote(a1, 5, U, None, "a spokeswoman")
    quote(a1, 6, R, bob)
    quote(a2, 1, A, ann)
    quote(a2, 2, U, None)
    quote(a2, 3, U, jane)
    quote(a3, 1, A, jane)
    Article.with_trash.filter(pk=a3.pk).update(deleted_at=timezone.now())
    return {
        "a1": a1,
        "a2": a2,
        "a3": a3,
        "jane": jane,
        "bob": bob,
        "ann": ann,
        "acme": acme,
        "politics": politics,
    }
