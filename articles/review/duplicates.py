"""Entities that may be the same as another: the entity page's merge suggestions and search.

Three signs, each cheap with the indexes there are: a similar key (pg_trgm similarity over the
trigram index of migration 0007), the same surname (a person's key ends with it), and being
mentioned in the same articles.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from articles.models import ENTITY_TYPE_NAMES, Entity, ReviewState

SIMILARITY = 0.45
LIMIT = 8


@dataclass(frozen=True)
class Candidate:
    """An entity that could be merged into another, with what a reviewer needs to judge it."""

    id: int
    name: str
    label: str
    version: int
    mentions: int
    sample: str
    sample_article: str
    reason: str

    @property
    def type_name(self) -> str:
        return ENTITY_TYPE_NAMES.get(self.label, self.label.title())


_CANDIDATES_SQL = """
WITH found AS ({where})
SELECT e.id, e.name, e.label, e.version, found.reason,
       (SELECT count(*) FROM articles_mention m
         WHERE m.entity_id = e.id AND m.status <> %(rejected)s) AS mentions,
       sample.text, sample.title
FROM found JOIN articles_entity e ON e.id = found.id
LEFT JOIN LATERAL (
    SELECT m.text, a.title FROM articles_mention m JOIN articles_article a ON a.id = m.article_id
    WHERE m.entity_id = e.id AND m.status <> %(rejected)s AND a.deleted_at IS NULL
    ORDER BY m.id LIMIT 1
) sample ON true
WHERE e.id <> %(entity)s AND NOT e.not_an_entity
ORDER BY found.rank, mentions DESC, e.name
LIMIT %(limit)s
"""

_SUGGEST = """
    SELECT DISTINCT ON (id) id, reason, rank FROM (
        SELECT id, 'similar name' AS reason, 1 - similarity(key, %(key)s) AS rank
        FROM articles_entity WHERE label = %(label)s AND key %% %(key)s
        UNION ALL
        SELECT id, 'same surname', 1 FROM articles_entity
        WHERE %(surname)s <> '' AND label = 'PERSON' AND %(label)s = 'PERSON'
          AND (key = %(surname)s OR key LIKE '%%' || ' ' || %(surname)s)
        UNION ALL
        SELECT DISTINCT m.entity_id, 'in the same article', 2 FROM articles_mention m
        WHERE m.article_id IN (SELECT article_id FROM articles_mention
                               WHERE entity_id = %(entity)s LIMIT 200)
          AND m.label = %(label)s AND m.status <> %(rejected)s
          AND m.entity_id IN (SELECT id FROM articles_entity
                              WHERE label = %(label)s AND similarity(key, %(key)s) > 0.2)
    ) signs ORDER BY id, rank
"""

_SEARCH = """
    SELECT id, '' AS reason, 1 - similarity(key, %(q)s) AS rank FROM articles_entity
    WHERE label = %(label)s AND (key LIKE '%%' || %(q)s || '%%' OR key %% %(q)s)
    LIMIT 200
"""


def _run(where: str, params: dict) -> list[Candidate]:
    params = {"rejected": ReviewState.REJECTED, "limit": LIMIT, **params}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT set_limit({SIMILARITY})")
        cursor.execute(_CANDIDATES_SQL.format(where=where), params)
        return [
            Candidate(
                id=row[0],
                name=row[1],
                label=row[2],
                version=row[3],
                reason=row[4],
                mentions=row[5],
                sample=row[6] or "",
                sample_article=row[7] or "",
            )
            for row in cursor.fetchall()
        ]


def suggested(entity: Entity) -> list[Candidate]:
    """Likely duplicates of an entity, most likely first."""
    words = entity.key.split()
    surname = words[-1] if entity.label == "PERSON" and len(words) > 1 else ""
    params = {"entity": entity.pk, "key": entity.key, "label": entity.label, "surname": surname}
    return [c for c in _run(_SUGGEST, params) if c.mentions]


def search(entity: Entity, key: str) -> list[Candidate]:
    """Entities of the entity's type whose key contains or resembles `key`."""
    if not key:
        return []
    return _run(_SEARCH, {"entity": entity.pk, "q": key, "label": entity.label})
