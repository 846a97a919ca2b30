"""Keyset pagination for the article list: a page after (or before) an article, not at an
offset, so page 300 costs what page 1 does (OFFSET steps over every row before it).

A cursor is an article id; its (created_at, id) is the key the list is ordered by. The
condition `created_at <= c` (or >=) is implied by the key comparison, and stated so that the
`article_newest` index scan starts at the cursor rather than filtering its way there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from articles.models import Article

_CURSOR = re.compile(r"[0-9]{1,18}")


@dataclass
class KeysetPage:
    object_list: list = field(default_factory=list)
    count: int = 0
    next_cursor: int | None = None  # "Older" (or the next in the sort): after this id
    previous_cursor: int | None = None  # "Newer": before this id

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def has_other_pages(self) -> bool:
        return self.next_cursor is not None or self.previous_cursor is not None


def cursor(value: str | None) -> int | None:
    """An article id from a request parameter; anything else is no cursor (the first page)."""
    value = (value or "").strip()
    return int(value) if _CURSOR.fullmatch(value) else None


def _beyond(created_at, pk: int, newer: bool) -> Q:
    if newer:
        return Q(created_at__gte=created_at) & (Q(created_at__gt=created_at) | Q(id__gt=pk))
    return Q(created_at__lte=created_at) & (Q(created_at__lt=created_at) | Q(id__lt=pk))


def page(
    articles: QuerySet[Article],
    *,
    descending: bool,
    after: int | None,
    before: int | None,
    size: int,
) -> KeysetPage:
    """The `size` articles after the cursor `after` (or before `before`) in created order,
    newest first when `descending`."""
    order = ("-created_at", "-id") if descending else ("created_at", "id")
    reverse = ("created_at", "id") if descending else ("-created_at", "-id")
    anchor_id = after if after is not None else before
    anchor = (
        Article.with_trash.filter(pk=anchor_id).values_list("created_at", flat=True).first()
        if anchor_id is not None
        else None
    )
    result = KeysetPage(count=articles.count())
    if anchor is None:
        rows = list(articles.order_by(*order)[: size + 1])
        backwards = False
    elif after is not None:
        # Rows past the cursor in the list's direction (older, when newest first).
        rows = list(
            articles.filter(_beyond(anchor, after, not descending)).order_by(*order)[: size + 1]
        )
        backwards = False
    else:
        rows = list(
            articles.filter(_beyond(anchor, before, descending)).order_by(*reverse)[: size + 1]
        )
        backwards = True
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    result.object_list = rows
    if not rows:
        return result
    if backwards:
        result.previous_cursor = rows[0].pk if more else None
        result.next_cursor = rows[-1].pk
    else:
        result.next_cursor = rows[-1].pk if more else None
        result.previous_cursor = rows[0].pk if anchor is not None else None
    return result
