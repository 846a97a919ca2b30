"""Store what the NLP found for one article, keeping every human decision.

Re-extraction replaces only machine items nobody has reviewed; accepted, corrected, rejected
and human-added items stay exactly as they are, and new machine items that repeat one of them
are dropped.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Q, Value
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


def cluster_key(cluster: EntityCluster) -> tuple[str, str]:
    """How a cluster is matched to global entities: its label and normalised name."""
    return cluster.label, (cluster.key or entity_key(cluster.canonical, cluster.label))[:300]


def resolve_entities(clusters: Iterable[EntityCluster]) -> dict[tuple[str, str], Entity]:
    """Find or create the global entity of every cluster, keyed by cluster_key, in a few queries.

    Meant for a whole batch of articles at once. Entities are shared, so they are written in
    their own transaction: an article whose results are then not stored leaves at most an
    unused entity behind, never a half-written article.
    """
    wanted: dict[tuple[str, str], EntityCluster] = {}
    aliases: dict[tuple[str, str], set[str]] = {}
    for cluster in clusters:
        key = cluster_key(cluster)
        wanted.setdefault(key, cluster)
        aliases.setdefault(key, set()).update(cluster.aliases)
    if not wanted:
        return {}
    keys = {key for _, key in wanted}
    labels = {label for label, _ in wanted}
    found: dict[tuple[str, str], Entity] = {}
    for entity in Entity.objects.filter(key__in=keys, label__in=labels).order_by("id"):
        found.setdefault((entity.label, entity.key), entity)
    matches = EntityAlias.objects.filter(key__in=keys, entity__label__in=labels)
    for alias in matches.select_related("entity").order_by("id"):
        found.setdefault((alias.entity.label, alias.key), alias.entity)
    fuzzy = [
        (label, key)
        for label, key in wanted
        if (label, key) not in found and len(key.split()) >= FUZZY_MATCH_MIN_WORDS
    ]
    if fuzzy:
        found.update(_fuzzy_matches(fuzzy))
    new = {
        wanted_key: Entity(name=cluster.canonical[:300], label=cluster.label, key=wanted_key[1])
        for wanted_key, cluster in wanted.items()
        if wanted_key not in found
    }
    with transaction.atomic():
        Entity.objects.bulk_create(new.values())
        found.update(new)
        EntityAlias.objects.bulk_create(
            [
                EntityAlias(entity=found[wanted_key], name=name[:300], key=key[:300])
                for wanted_key, names in aliases.items()
                for key, name in {entity_key(n, wanted_key[0]): n for n in names}.items()
                if key
            ],
            ignore_conflicts=True,
        )
    return found


def _fuzzy_matches(wanted: list[tuple[str, str]]) -> dict[tuple[str, str], Entity]:
    """Best global entity per (label, key) by trigram similarity, in one query."""
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
    with transaction.atomic(), connection.cursor() as cursor:
        # With the threshold raised, the % operator itself rejects weak matches, and the
        # planner uses the (label, key) trigram index rather than reading the whole label.
        cursor.execute("SET LOCAL pg_trgm.similarity_threshold = %s", [FUZZY_MATCH_MIN_SIMILARITY])
        cursor.execute(
            sql,
            [
                [key for _, key in wanted],
                [label for label, _ in wanted],
                FUZZY_MATCH_MIN_SIMILARITY,
            ],
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
    moves = [
        (Mention, ("start", "end")),
        (Quote, ("start", "end", "speaker_start", "speaker_end", "cue_start", "cue_end")),
    ]
    kept = [(model, fields, list(model.objects.filter(article=article))) for model, fields in moves]
    if not any(items for _, _, items in kept):
        return  # the usual case, and the diff below is the costly part
    remap = OffsetMap(article.body, new_text)
    for model, fields, items in kept:
        for item in items:
            for name in fields:
                value = getattr(item, name)
                if value is not None:
                    setattr(item, name, remap(value))
            if item.end <= item.start:
                item.end = item.start + 1
        model.objects.bulk_update(items, list(fields))


MACHINE_COLUMNS = ("origin", "status", "run_id", "version", "created_at", "updated_at")
MENTION_COLUMNS = ("article_id", "entity_id", "start", "end", "text", "label", *MACHINE_COLUMNS)
QUOTE_COLUMNS = (
    "article_id",
    "start",
    "end",
    "text",
    "kind",
    "cue",
    "cue_start",
    "cue_end",
    "speaker_id",
    "speaker_text",
    "speaker_start",
    "speaker_end",
    "confidence",
    *MACHINE_COLUMNS,
)


def _copy_rows(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert rows with COPY: the worker's hot path, several times cheaper than bulk_create.

    Triggers still fire, so the audit history records these inserts like any other.
    """
    if not rows:
        return
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        statement = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN"
        with cursor.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)


def apply_extraction(
    article_id: int,
    worker: str,
    result: ArticleExtraction,
    run: ExtractionRun | None,
    version: str,
    *,
    source_text: str,
    entities: dict[tuple[str, str], Entity] | None = None,
) -> tuple[int, int] | None:
    """Write one article's results in one transaction; return (mentions, quotes) written.

    `source_text` is the body the extraction ran on; `entities` may come from one
    resolve_entities call for a whole batch. Call outside any transaction. Locks the article
    row FOR NO KEY UPDATE; returns None and writes nothing if this worker no longer holds the
    article's claim (its lease lapsed and another worker took it).
    """
    if entities is None:
        entities = resolve_entities(result.entities)
    cluster_entities = [entities[cluster_key(cluster)] for cluster in result.entities]
    with transaction.atomic():
        held = (
            Article.objects.select_for_update(no_key=True)
            .filter(pk=article_id, status=Article.Status.PROCESSING, claimed_by=worker)
            .values_list("pk", flat=True)
        )
        if not list(held):
            return None
        article = Article(pk=article_id, body=source_text)
        machine_unreviewed = Q(origin=Origin.MACHINE, status=ReviewState.UNREVIEWED)
        Quote.objects.filter(article_id=article_id).filter(machine_unreviewed).delete()
        Mention.objects.filter(article_id=article_id).filter(machine_unreviewed).delete()
        if result.text != source_text:
            _move_kept_items(article, result.text)

        kept = Mention.objects.filter(article_id=article_id).values_list(Value("m"), "start", "end")
        kept = kept.union(
            Quote.objects.filter(article_id=article_id).values_list(Value("q"), "start", "end"),
            all=True,
        )
        kept_mentions, kept_quotes = [], []
        for kind, start, end in kept:
            (kept_mentions if kind == "m" else kept_quotes).append((start, end))
        now = timezone.now()
        run_id = run.pk if run is not None else None
        machine = (Origin.MACHINE, ReviewState.UNREVIEWED, run_id, 1, now, now)
        mentions = [
            (article_id, cluster_entities[m.cluster].pk, m.start, m.end, m.text, m.label, *machine)
            for m in result.mentions
            if m.end > m.start
            and not any(m.start < end and start < m.end for start, end in kept_mentions)
        ]
        quotes = [
            (
                article_id,
                q.start,
                q.end,
                q.text,
                q.kind,
                q.cue[:100],
                q.cue_start,
                q.cue_end,
                cluster_entities[q.speaker_cluster].pk if q.speaker_cluster is not None else None,
                (q.speaker_text or q.speaker or "")[:300],
                q.speaker_start,
                q.speaker_end,
                q.confidence,
                *machine,
            )
            for q in result.quotes
            if q.end > q.start
            and not any(_iou((q.start, q.end), kept) >= SAME_QUOTE_IOU for kept in kept_quotes)
        ]
        _copy_rows(Mention, MENTION_COLUMNS, mentions)
        _copy_rows(Quote, QUOTE_COLUMNS, quotes)
        changed_text = {"body": result.text} if result.text != source_text else {}
        Article.objects.filter(pk=article.pk).update(
            **changed_text,
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
            extracted_at=now,
            extraction_version=version,
            last_error="",
            claimed_by="",
            lease_expires_at=None,
            next_attempt_at=None,
        )
    return len(mentions), len(quotes)
