"""What the dashboard shows, as plain records: shares, series and the page's figures.

Filled by articles/sources/queries.py from its grouped rows; read by the views, the charts
and the CSV downloads.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

CONFIRMED, SUGGESTED, NONE = "confirmed", "suggested", "none"
# The most bars a chart of outlets or tags shows.
BARS = 12


@dataclass
class Share:
    """One value of a breakdown: its quotes among all and among reviewed quotes."""

    value: str
    label: str
    quotes: int = 0
    reviewed: int = 0
    confirmed: int = 0  # gender and role only: the speaker's value was set by a reviewer
    suggested: int = 0  # ... only suggested by the text
    unreviewed: int = 0  # of `quotes`, those no reviewer has checked
    total: int = 0
    reviewed_total: int = 0

    @property
    def share(self) -> float | None:
        return self.quotes / self.total if self.total else None

    @property
    def reviewed_share(self) -> float | None:
        return self.reviewed / self.reviewed_total if self.reviewed_total else None

    @property
    def unreviewed_share(self) -> float | None:
        return self.unreviewed / self.quotes if self.quotes else None


@dataclass
class Breakdown:
    name: str
    rows: list[Share]
    total: int = 0
    reviewed_total: int = 0

    def row(self, value: str) -> Share:
        return next(row for row in self.rows if row.value == value)


@dataclass
class Series:
    """One chart's rows: a label, a link's filters, and counts by series key."""

    key: str
    label: str
    counts: dict[str, int] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Figures:
    quotes: int = 0
    reviewed_quotes: int = 0
    speakers: int = 0
    reviewed_speakers: int = 0
    kinds: Breakdown | None = None
    genders: Breakdown | None = None
    roles: Breakdown | None = None
    unit: str = "week"
    over_time: list[Series] = field(default_factory=list)
    by_outlet: list[Series] = field(default_factory=list)
    by_tag: list[Series] = field(default_factory=list)
    people: list[dict] = field(default_factory=list)
    organisations: list[dict] = field(default_factory=list)
    new_since: datetime.date | None = None
    new_voices: list[dict] = field(default_factory=list)
    new_voice_count: int = 0
    as_of: datetime.datetime | None = None  # when cached figures were computed


# Gender series of the charts, in stacking order: confirmed and suggested apart.
GENDER_SERIES = [
    ("woman:confirmed", "Women (confirmed)"),
    ("woman:suggested", "Women (suggested)"),
    ("man:confirmed", "Men (confirmed)"),
    ("man:suggested", "Men (suggested)"),
    ("non-binary:confirmed", "Non-binary (confirmed)"),
    ("non-binary:suggested", "Non-binary (suggested)"),
    ("unknown", "Unknown"),
]


def series_key(gender: str, source: str) -> str:
    return "unknown" if gender == "unknown" else f"{gender}:{source}"


def series_of(rows: list[dict], column: str, label_column: str, param: str) -> list[Series]:
    """Series by value of a column from grouped rows (value, gender, source, counted), the
    BARS values with most quotes."""
    found: dict[Any, Series] = {}
    for row in rows:
        value = row[column]
        if value in ("", None) or not row["counted"]:
            continue
        if value not in found:
            found[value] = Series(str(value), row[label_column], {}, {param: value})
        key = series_key(row["gender"], row["gender_source"])
        found[value].counts[key] = found[value].counts.get(key, 0) + row["counted"]
    return sorted(found.values(), key=lambda s: (-s.total, s.label))[:BARS]


def empty_shares(labels: dict[str, str]) -> dict[str, Share]:
    return {value: Share(value, label) for value, label in labels.items()}


def count_into(share: Share, n: int, reviewed: bool, unreviewed: bool, source: str = "") -> None:
    share.quotes += n
    share.reviewed += n if reviewed else 0
    share.unreviewed += n if unreviewed else 0
    if source == CONFIRMED:
        share.confirmed += n
    elif source == SUGGESTED:
        share.suggested += n


def breakdown_of(name: str, shares: dict[str, Share]) -> Breakdown:
    rows = list(shares.values())
    total = sum(row.quotes for row in rows)
    reviewed_total = sum(row.reviewed for row in rows)
    for row in rows:
        row.total, row.reviewed_total = total, reviewed_total
    return Breakdown(name, rows, total, reviewed_total)


def period_end(start: datetime.date, unit: str) -> datetime.date:
    if unit == "week":
        return start + datetime.timedelta(days=6)
    following = (start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)
