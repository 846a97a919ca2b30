"""Store what the NLP found for one article, keeping every human decision.

Re-extraction replaces only machine items nobody has reviewed; accepted, corrected, rejected
and human-added items stay exactly as they are, and new machine items that repeat one of them
are dropped. Mentions of an entity a reviewer marked "not an entity" are never stored again.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import nullcontext

import psycopg
from django.db import connection, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from articles.editing.offsets import move_kept_items
from articles.extraction import queue
from articles.models import (
    Entity,
    ExtractionRun,
    Origin,
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
    """Find or create the global entity of every cluster, keyed by cluster_key.

    One statement (_RESOLVE_SQL, prepared once per connection) matches each name exactly,
    then by alias, then (names of FUZZY_MATCH_MIN_WORDS words or more) by trigram similarity,
    creates the entities still missing and records every alias. Entities are shared, so they
    are written apart from any article: an article whose results are then not stored leaves
    at most an unused entity behind, never a half-written article. The entities returned
    carry their id, name, label, key and not_an_entity.
    """
    wanted: dict[tuple[str, str], EntityCluster] = {}
    aliases: dict[tuple[str, str], dict[str, str]] = {}
    for cluster in clusters:
        key = cluster_key(cluster)
        wanted.setdefault(key, cluster)
        known = aliases.setdefault(key, {})
        for name in cluster.aliases:
            alias_key = entity_key(name, key[0])[:300]
            if alias_key:
                known.setdefault(alias_key, name[:300])
    if not wanted:
        return {}
    owners = [(owner, k, n) for owner, names in aliases.items() for k, n in names.items()]
    params = {
        "labels": [label for label, _ in wanted],
        "keys": [key for _, key in wanted],
        "names": [cluster.canonical[:300] for cluster in wanted.values()],
        "fuzzy": [len(key.split()) >= FUZZY_MATCH_MIN_WORDS for _, key in wanted],
        "similarity": FUZZY_MATCH_MIN_SIMILARITY,
        "alias_labels": [owner[0] for owner, _, _ in owners],
        "alias_owners": [owner[1] for owner, _, _ in owners],
        "alias_keys": [k for _, k, _ in owners],
        "alias_names": [n for _, _, n in owners],
    }
    return {
        (label, key): Entity(id=pk, name=name, label=label, key=matched_key, not_an_entity=noise)
        for label, key, pk, name, matched_key, noise in _fetch_prepared(_RESOLVE_SQL, params)
    }


# Parameters: parallel arrays of the wanted names (labels, keys, names, fuzzy: whether a
# trigram match is allowed) and of their aliases (alias_labels and alias_owners name the
# wanted entry an alias belongs to). Returns (label, key, id, name, entity key, not_an_entity)
# for every wanted name. The first entity by id wins an exact or alias match, as the most
# similar (then first) does a trigram one; `e.key % w.key` lets the trigram index find the
# candidates (worker sessions raise pg_trgm.similarity_threshold to the same bar).
_RESOLVE_SQL = """
WITH wanted AS (
    SELECT * FROM unnest(%(labels)s::text[], %(keys)s::text[], %(names)s::text[],
                         %(fuzzy)s::bool[]) AS w(label, key, name, fuzzy)
), exact AS (
    SELECT DISTINCT ON (w.label, w.key) w.label, w.key, e.id
    FROM wanted w JOIN articles_entity e ON e.label = w.label AND e.key = w.key
    ORDER BY w.label, w.key, e.id
), aliased AS (
    SELECT DISTINCT ON (w.label, w.key) w.label, w.key, e.id
    FROM wanted w
    JOIN articles_entityalias a ON a.key = w.key
    JOIN articles_entity e ON e.id = a.entity_id AND e.label = w.label
    WHERE NOT EXISTS (SELECT 1 FROM exact x WHERE x.label = w.label AND x.key = w.key)
    ORDER BY w.label, w.key, a.id
), trigram AS (
    SELECT w.label, w.key, best.id
    FROM wanted w
    CROSS JOIN LATERAL (
        SELECT e.id FROM articles_entity e
        WHERE e.label = w.label AND e.key %% w.key
          AND similarity(e.key, w.key) >= %(similarity)s
          AND left(e.key, 1) = left(w.key, 1)
        ORDER BY similarity(e.key, w.key) DESC, e.id
        LIMIT 1
    ) AS best
    WHERE w.fuzzy
      AND NOT EXISTS (SELECT 1 FROM exact x WHERE x.label = w.label AND x.key = w.key)
      AND NOT EXISTS (SELECT 1 FROM aliased x WHERE x.label = w.label AND x.key = w.key)
), matched AS (
    SELECT * FROM exact UNION ALL SELECT * FROM aliased UNION ALL SELECT * FROM trigram
), created AS (
    INSERT INTO articles_entity (name, label, key, not_an_entity, version, gender, role,
                                 created_at, updated_at)
    SELECT w.name, w.label, w.key, false, 1, '', '', now(), now()
    FROM wanted w
    WHERE NOT EXISTS (SELECT 1 FROM matched m WHERE m.label = w.label AND m.key = w.key)
    RETURNING label, key, id
), resolved AS (
    SELECT * FROM matched UNION ALL SELECT * FROM created
), new_aliases AS (
    INSERT INTO articles_entityalias (entity_id, name, key)
    SELECT r.id, a.name, a.key
    FROM unnest(%(alias_labels)s::text[], %(alias_owners)s::text[], %(alias_keys)s::text[],
                %(alias_names)s::text[]) AS a(label, owner, key, name)
    JOIN resolved r ON r.label = a.label AND r.key = a.owner
    ON CONFLICT DO NOTHING
)
SELECT r.label, r.key, r.id, coalesce(e.name, w.name), coalesce(e.key, w.key),
       coalesce(e.not_an_entity, false)
FROM resolved r
JOIN wanted w ON w.label = r.label AND w.key = r.key
LEFT JOIN articles_entity e ON e.id = r.id
"""


def _fetch_prepared(sql: str, params: dict) -> list[tuple]:
    """Run a statement as a server-side prepared statement and return its rows."""
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchall()


# One statement stores an article's results: it locks the article if this worker still holds
# its claim, deletes the unreviewed machine items, inserts the new ones that do not repeat a
# kept item, and marks the article extracted (the claim and the transition are queue.py's).
# Every part joins `held`, so nothing happens when the claim was lost. Sub-statements share
# one snapshot, which is why the repeat checks name the kept items explicitly rather than
# relying on the deletes.
_STORE_SQL = f"""
WITH held AS ({queue.HELD_SQL.strip()}),
old_quotes AS (
    DELETE FROM articles_quote q USING held
    WHERE q.article_id = held.id AND q.origin = %(machine)s AND q.status = %(unreviewed)s
),
old_mentions AS (
    DELETE FROM articles_mention m USING held
    WHERE m.article_id = held.id AND m.origin = %(machine)s AND m.status = %(unreviewed)s
),
new_mentions AS (
    INSERT INTO articles_mention (
        article_id, entity_id, start, "end", text, label,
        origin, status, run_id, version, created_at, updated_at
    )
    SELECT held.id, n.entity_id, n.start, n.stop, n.text, n.label,
        %(machine)s, %(unreviewed)s, %(run)s, 1, %(now)s, %(now)s
    FROM held, unnest(
        %(m_entity)s::bigint[], %(m_start)s::int[], %(m_end)s::int[],
        %(m_text)s::text[], %(m_label)s::text[]
    ) AS n(entity_id, start, stop, text, label)
    WHERE NOT EXISTS (
        SELECT 1 FROM articles_mention k
        WHERE k.article_id = held.id
          AND NOT (k.origin = %(machine)s AND k.status = %(unreviewed)s)
          AND k.start < n.stop AND n.start < k."end"
    )
    RETURNING 1
),
new_quotes AS (
    INSERT INTO articles_quote (
        article_id, start, "end", text, kind, category, continues, cue, cue_start, cue_end,
        speaker_id, speaker_text, speaker_start, speaker_end, speaker_evidence, confidence,
        origin, status, run_id, version, created_at, updated_at
    )
    SELECT held.id, n.start, n.stop, n.text, n.kind, n.category, n.continues,
        n.cue, n.cue_start, n.cue_end,
        n.speaker_id, n.speaker_text, n.speaker_start, n.speaker_end, n.speaker_evidence,
        n.confidence,
        %(machine)s, %(unreviewed)s, %(run)s, 1, %(now)s, %(now)s
    FROM held, unnest(
        %(q_start)s::int[], %(q_end)s::int[], %(q_text)s::text[], %(q_kind)s::text[],
        %(q_category)s::text[], %(q_continues)s::bool[],
        %(q_cue)s::text[], %(q_cue_start)s::int[], %(q_cue_end)s::int[],
        %(q_speaker)s::bigint[], %(q_speaker_text)s::text[], %(q_speaker_start)s::int[],
        %(q_speaker_end)s::int[], %(q_speaker_evidence)s::text[], %(q_confidence)s::float8[]
    ) AS n(start, stop, text, kind, category, continues, cue, cue_start, cue_end,
           speaker_id, speaker_text, speaker_start, speaker_end, speaker_evidence, confidence)
    WHERE NOT EXISTS (
        SELECT 1 FROM articles_quote k
        WHERE k.article_id = held.id
          AND NOT (k.origin = %(machine)s AND k.status = %(unreviewed)s)
          AND k.start < n.stop AND n.start < k."end"
          AND (LEAST(k."end", n.stop) - GREATEST(k.start, n.start))::float8
              >= %(same_quote)s * (GREATEST(k."end", n.stop) - LEAST(k.start, n.start))
    )
    RETURNING 1
),
done AS (
    UPDATE articles_article a SET
        body = COALESCE(%(body)s, a.body),
        repairs = %(repairs)s::jsonb,
        {queue.COMPLETE_SQL.strip()}
    FROM held WHERE a.id = held.id
    RETURNING 1
)
SELECT (SELECT count(*) FROM done), (SELECT count(*) FROM new_mentions),
    (SELECT count(*) FROM new_quotes)
"""


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
    """Write one article's results atomically; return (mentions, quotes) written.

    `source_text` is the body the extraction ran on; `entities` may come from one
    resolve_entities call for a whole batch. Call outside any transaction. Returns None and
    writes nothing if this worker no longer holds the article's claim (its lease lapsed and
    another worker took it). In the usual case, text unchanged by repair, this is a single
    statement: one round trip to the database per article.
    """
    if entities is None:
        entities = resolve_entities(result.entities)
    ids = [entities[cluster_key(cluster)].pk for cluster in result.entities]
    # What a reviewer marked "not an entity" is not stored again: no mention, no speaker.
    noise = {entity.pk for entity in entities.values() if entity.not_an_entity}
    changed = result.text != source_text
    params = _store_params(article_id, worker, result, run, version, ids, changed, noise)
    # Unchanged text (the usual case) needs one statement, which is its own transaction.
    with transaction.atomic() if changed else nullcontext():
        if changed:
            with connection.cursor() as cursor:
                cursor.execute(queue.HELD_SQL, {"article": article_id, "worker": worker})
                if cursor.fetchone() is None:
                    return None
            # Kept items follow the repaired text; the statement replaces the others.
            move_kept_items(article_id, source_text, result.text)
        stored, mentions, quotes = _execute_prepared(_STORE_SQL, params)
    return (mentions, quotes) if stored else None


def _execute_prepared(sql: str, params: dict) -> tuple:
    """Run a statement as a prepared statement and return its one row.

    Django binds parameters on the client, so the server would plan this long statement
    afresh for every article; a server-side prepared statement is planned once per connection.
    """
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchone()


def _store_params(
    article_id: int,
    worker: str,
    result: ArticleExtraction,
    run: ExtractionRun | None,
    version: str,
    entity_ids: list[int],
    text_changed: bool,
    noise: set[int] = frozenset(),
) -> dict:
    mentions = [
        m for m in result.mentions if m.end > m.start and entity_ids[m.cluster] not in noise
    ]
    quotes = [q for q in result.quotes if q.end > q.start]
    return {
        "article": article_id,
        "worker": worker,
        "machine": Origin.MACHINE,
        "unreviewed": ReviewState.UNREVIEWED,
        "run": run.pk if run is not None else None,
        "now": timezone.now(),
        "version": version,
        "same_quote": SAME_QUOTE_IOU,
        "body": result.text if text_changed else None,  # None keeps the stored body
        "repairs": Jsonb(
            [
                {
                    "start": r.start,
                    "end": r.end,
                    "original": r.original,
                    "replacement": r.replacement,
                    "kind": r.kind,
                }
                for r in result.repairs
            ]
        ),
        "m_entity": [entity_ids[m.cluster] for m in mentions],
        "m_start": [m.start for m in mentions],
        "m_end": [m.end for m in mentions],
        "m_text": [m.text for m in mentions],
        "m_label": [m.label for m in mentions],
        "q_start": [q.start for q in quotes],
        "q_end": [q.end for q in quotes],
        "q_text": [q.text for q in quotes],
        "q_kind": [q.kind for q in quotes],
        "q_category": [q.category for q in quotes],
        "q_continues": [q.continues for q in quotes],
        "q_cue": [q.cue[:100] for q in quotes],
        "q_cue_start": [q.cue_start for q in quotes],
        "q_cue_end": [q.cue_end for q in quotes],
        "q_speaker": [
            entity_ids[q.speaker_cluster]
            if q.speaker_cluster is not None and entity_ids[q.speaker_cluster] not in noise
            else None
            for q in quotes
        ],
        "q_speaker_text": [(q.speaker_text or q.speaker or "")[:300] for q in quotes],
        "q_speaker_start": [q.speaker_start for q in quotes],
        "q_speaker_end": [q.speaker_end for q in quotes],
        "q_speaker_evidence": [(q.speaker_evidence or "")[:300] for q in quotes],
        "q_confidence": [q.confidence for q in quotes],
    }
