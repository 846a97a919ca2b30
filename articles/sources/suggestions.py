"""Suggestions about quoted people, computed from their articles and kept for the dashboard.

The clues come from articles/nlp/speakertraits.py (pure functions); this module feeds them the
texts and stores the result in SpeakerSuggestion, one row per person. `refresh` runs a fixed
number of queries however many people it is given; it reads at most ARTICLES_PER_PERSON of
each one's articles, latest first, so a prolific speaker costs no more than an occasional one.
A suggestion is recomputed whenever a reviewer opens the person's page or the speaker form,
and for everyone by `manage.py suggest_speakers`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from articles.models import Article, Entity, Mention, Quote, SpeakerSuggestion
from articles.nlp import firstnames, speakertraits
from articles.nlp.speakertraits import Span

ARTICLES_PER_PERSON = 30
PERSON = "PERSON"


def _share_female():
    """The first-name lookup, built once into the data directory's cache (several seconds the
    very first time, a tenth of a second per process after that)."""
    return firstnames.share_female(str(settings.NEWSROOM_DATA_DIR / "cache"))


def prepare() -> None:
    """Build the first-name cache now (the worker's supervisor does, at start), so that no
    reviewer's first speaker panel waits for it."""
    _share_female()


def people(entity_ids: Iterable[int]) -> list[int]:
    """Of these entities, the people (suggestions are about people only). One query."""
    return list(
        Entity.objects.filter(pk__in=list(entity_ids), label=PERSON).values_list("pk", flat=True)
    )


def compute(entity_ids: list[int]) -> dict[int, tuple]:
    """{entity: (gender Suggestion | None, role Suggestion | None)} for these people, from
    their articles. Four queries."""
    if not entity_ids:
        return {}
    names = dict(Entity.objects.filter(pk__in=entity_ids).values_list("pk", "name"))
    spans: dict[tuple[int, int], list[Span]] = defaultdict(list)  # (entity, article): spans
    own = Mention.objects.standing().live().filter(entity_id__in=entity_ids)
    for entity_id, article_id, start, end in own.values_list(
        "entity_id", "article_id", "start", "end"
    ):
        spans[entity_id, article_id].append(Span(start, end))
    spoken = (
        Quote.objects.standing()
        .live()
        .filter(speaker_id__in=entity_ids, speaker_start__isnull=False, speaker_end__isnull=False)
        .values_list("speaker_id", "article_id", "speaker_start", "speaker_end")
    )
    for entity_id, article_id, start, end in spoken:
        if end > start:
            spans[entity_id, article_id].append(Span(start, end, speaker_words=True))
    chosen: dict[int, list[int]] = defaultdict(list)
    for entity_id, article_id in sorted(spans, key=lambda key: (key[0], -key[1])):
        if len(chosen[entity_id]) < ARTICLES_PER_PERSON:
            chosen[entity_id].append(article_id)
    article_ids = {a for ids in chosen.values() for a in ids}
    others: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    named = Mention.objects.standing().filter(article_id__in=article_ids, label=PERSON)
    for article_id, entity_id, start, end in named.values_list(
        "article_id", "entity_id", "start", "end"
    ):
        others[article_id].append((entity_id, start, end))
    bodies = dict(Article.objects.filter(pk__in=article_ids).values_list("pk", "body"))
    share_female = _share_female()
    found = {}
    for entity_id in entity_ids:
        clues = []
        for article_id in chosen.get(entity_id, []):
            body = bodies.get(article_id)
            if body is None:
                continue
            mine = spans[entity_id, article_id]
            theirs = [(s, e) for other, s, e in others[article_id] if other != entity_id]
            clues += speakertraits.gender_clues(body, mine, theirs, article=article_id)
            clues += speakertraits.role_clues(body, mine, article=article_id)
        name_clue = speakertraits.first_name_clue(names.get(entity_id, ""), share_female)
        if name_clue is not None:
            clues.append(name_clue)
        found[entity_id] = (
            speakertraits.suggest("gender", clues),
            speakertraits.suggest("role", clues),
        )
    return found


def refresh(entity_ids: Iterable[int]) -> dict[int, SpeakerSuggestion]:
    """Recompute and store the suggestions for these entities' people; return them by entity.
    Six queries, whatever the number of people."""
    ids = people(entity_ids)
    now = timezone.now()
    rows = []
    for entity_id, (gender, role) in compute(ids).items():
        clues = [*(gender.clues if gender else ()), *(role.clues if role else ())]
        rows.append(
            SpeakerSuggestion(
                entity_id=entity_id,
                gender=gender.value if gender else "",
                gender_confidence=gender.confidence if gender else 0,
                role=role.value if role else "",
                role_confidence=role.confidence if role else 0,
                evidence=[clue.as_dict() for clue in clues],
                computed_at=now,
            )
        )
    SpeakerSuggestion.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["entity"],
        update_fields=[
            "gender",
            "gender_confidence",
            "role",
            "role_confidence",
            "evidence",
            "computed_at",
        ],
    )
    return {row.entity_id: row for row in rows}


def quoted_people(missing_only: bool = False) -> Iterable[int]:
    """Ids of the people with standing quotes (for the command), those without a suggestion
    first or alone."""
    speakers = Entity.objects.filter(label=PERSON).filter(
        Q(quotes__status__in=("unreviewed", "accepted", "corrected"))
    )
    if missing_only:
        speakers = speakers.filter(suggestion__isnull=True)
    return speakers.order_by("pk").values_list("pk", flat=True).distinct()
