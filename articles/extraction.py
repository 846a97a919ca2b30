"""Store what the NLP found for one article, keeping every human decision.

Re-extraction replaces only machine items nobody has reviewed; accepted, corrected, rejected
and human-added items stay exactly as they are, and new machine items that repeat one of them
are dropped.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from articles.models import (
    Article,
    Entity,
    EntityAlias,
    ExtractionRun,
    Mention,
    Origin,
    Quote,
    ReviewState,
)
from articles.nlp.entities import entity_key
from articles.nlp.results import ArticleExtraction, EntityCluster

# Global entities are matched by trigram similarity only for names this long (in words) or more;
# a lone surname is matched exactly, or it would join the wrong person.
FUZZY_MATCH_MIN_WORDS = 2
FUZZY_MATCH_MIN_SIMILARITY = 0.6
# A new machine quote overlapping a kept quote this much is the same quote found again.
SAME_QUOTE_IOU = 0.5


def resolve_entities(clusters: Sequence[EntityCluster]) -> list[Entity]:
    """Find or create the global entity for each cluster, in order, in a few queries."""
    keys = [cluster.key or entity_key(cluster.canonical, cluster.label) for cluster in clusters]
    labels = [cluster.label for cluster in clusters]
    found: dict[tuple[str, str], Entity] = {}
    if clusters:
        for entity in Entity.objects.filter(key__in=set(keys), label__in=set(labels)):
            found.setdefault((entity.label, entity.key), entity)
        aliases = EntityAlias.objects.filter(
            key__in=set(keys), entity__label__in=set(labels)
        ).select_related("entity")
        for alias in aliases:
            found.setdefault((alias.entity.label, alias.key), alias.entity)
    fuzzy = [
        (key, label)
        for key, label in zip(keys, labels, strict=True)
        if (label, key) not in found and len(key.split()) >= FUZZY_MATCH_MIN_WORDS
    ]
    if fuzzy:
        found.update(_fuzzy_matches(fuzzy))
    entities: list[Entity] = []
    created: dict[tuple[str, str], Entity] = {}
    for cluster, key in zip(clusters, keys, strict=True):
        entity = found.get((cluster.label, key)) or created.get((cluster.label, key))
        if entity is None:
            entity = Entity(name=cluster.canonical[:300], label=cluster.label, key=key[:300])
            created[(cluster.label, key)] = entity
        entities.append(entity)
    if created:
        Entity.objects.bulk_create(created.values())
    aliases = {
        (entity.pk, entity_key(alias, cluster.label)[:300]): alias[:300]
        for cluster, entity in zip(clusters, entities, strict=True)
        for alias in cluster.aliases
    }
    EntityAlias.objects.bulk_create(
        [EntityAlias(entity_id=pk, key=key, name=name) for (pk, key), name in aliases.items()],
        ignore_conflicts=True,
    )
    return entities


def _fuzzy_matches(wanted: list[tuple[str, str]]) -> dict[tuple[str, str], Entity]:
    """Best global entity per (key, label) by trigram similarity, in one query."""
    sql = """
        SELECT w.key, w.label, best.id
        FROM unnest(%s::text[], %s::text[]) AS w(key, label)
        CROSS JOIN LATERAL (
            SELECT e.id FROM articles_entity e
            WHERE e.label = w.label AND e.key %% w.key
              AND similarity(e.key, w.key) >= %s
              AND left(e.key, 1) = left(w.key, 1)
            ORDER BY similarity(e.key, w.key) DESC, e.id
            LIMIT 1
        ) AS best
    """
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [[k for k, _ in wanted], [label for _, label in wanted], FUZZY_MATCH_MIN_SIMILARITY],
        )
        rows = cursor.fetchall()
    entities = Entity.objects.in_bulk([row[2] for row in rows])
    return {(label, key): entities[pk] for key, label, pk in rows}


def _iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    overlap = min(a[1], b[1]) - max(a[0], b[0])
    if overlap <= 0:
        return 0.0
    return overlap / (max(a[1], b[1]) - min(a[0], b[0]))


class OffsetMap:
    """Maps offsets in an old text to the same place in a new one (for kept human items)."""

    def __init__(self, old: str, new: str) -> None:
        self.blocks = difflib.SequenceMatcher(None, old, new, autojunk=False).get_matching_blocks()

    def __call__(self, offset: int) -> int:
        for old_start, new_start, size in self.blocks:
            if old_start <= offset <= old_start + size:
                return new_start + (offset - old_start)
            if old_start > offset:
                return new_start
        return self.blocks[-1][1] if self.blocks else offset


def _move_kept_items(article: Article, new_text: str) -> None:
    """The stored text changed: move the offsets of the items we keep to match it."""
    remap = OffsetMap(article.body, new_text)
    for model, extra in (
        (Mention, ()),
        (Quote, ("speaker_start", "speaker_end", "cue_start", "cue_end")),
    ):
        items = list(model.objects.filter(article=article))
        for item in items:
            for name in ("start", "end", *extra):
                value = getattr(item, name)
                if value is not None:
                    setattr(item, name, remap(value))
            if item.end <= item.start:
                item.end = item.start + 1
        model.objects.bulk_update(items, ["start", "end", *extra])


def apply_extraction(
    article_id: int,
    worker: str,
    result: ArticleExtraction,
    run: ExtractionRun | None,
    version: str,
) -> tuple[int, int] | None:
    """Write one article's results in one transaction; return (mentions, quotes) written.

    Call outside any transaction. Locks the article row FOR NO KEY UPDATE; returns None and
    writes nothing if this worker no longer holds the article's claim (its lease lapsed and
    another worker took it).
    """
    with transaction.atomic():
        article = Article.objects.select_for_update(no_key=True).get(pk=article_id)
        if article.status != Article.Status.PROCESSING or article.claimed_by != worker:
            return None
        machine_unreviewed = Q(origin=Origin.MACHINE, status=ReviewState.UNREVIEWED)
        Quote.objects.filter(article=article).filter(machine_unreviewed).delete()
        Mention.objects.filter(article=article).filter(machine_unreviewed).delete()
        if result.text != article.body:
            _move_kept_items(article, result.text)

        kept_mentions = list(Mention.objects.filter(article=article).values_list("start", "end"))
        kept_quotes = list(Quote.objects.filter(article=article).values_list("start", "end"))
        entities = resolve_entities(result.entities)
        mentions = [
            Mention(
                article=article,
                entity=entities[m.cluster],
                start=m.start,
                end=m.end,
                text=m.text,
                label=m.label,
                run=run,
            )
            for m in result.mentions
            if m.end > m.start
            and not any(m.start < end and start < m.end for start, end in kept_mentions)
        ]
        quotes = [
            Quote(
                article=article,
                start=q.start,
                end=q.end,
                text=q.text,
                kind=q.kind,
                cue=q.cue[:100],
                cue_start=q.cue_start,
                cue_end=q.cue_end,
                speaker=entities[q.speaker_cluster] if q.speaker_cluster is not None else None,
                speaker_text=(q.speaker_text or q.speaker or "")[:300],
                speaker_start=q.speaker_start,
                speaker_end=q.speaker_end,
                confidence=q.confidence,
                run=run,
            )
            for q in result.quotes
            if q.end > q.start
            and not any(_iou((q.start, q.end), kept) >= SAME_QUOTE_IOU for kept in kept_quotes)
        ]
        Mention.objects.bulk_create(mentions)
        Quote.objects.bulk_create(quotes)
        Article.objects.filter(pk=article.pk).update(
            body=result.text,
            repairs=[
                {
                    "start": r.start,
                    "end": r.end,
                    "original": r.original,
                    "replacement": r.replacement,
                    "kind": r.kind,
                }
                for r in result.repairs
            ],
            status=Article.Status.EXTRACTED,
            extracted_at=timezone.now(),
            extraction_version=version,
            last_error="",
            claimed_by="",
            lease_expires_at=None,
            next_attempt_at=None,
        )
    return len(mentions), len(quotes)
