"""Charts as server-rendered SVG: stacked bars laid out here, drawn by templates/sources/.

Why not a chart library: every chart here is a stacked bar chart, which takes a few lines of
arithmetic; the page must stay under 300 ms with several charts (vl-convert-python renders one
Vega-Lite spec in tens of milliseconds after a seconds-long start, and is a 33 MB wheel with
an embedded JavaScript engine); and the Content-Security-Policy forbids inline styles, which
Vega's SVG output uses. The SVG drawn here has presentation attributes and classes only, so
app.css colours it, and every bar is a link to the quotes behind it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Horizontal bars: drawn in units of WIDTH, the longest bar filling the track (the template
# lays the labels out as text, so long outlet and tag names wrap on a phone).
WIDTH = 600
BAR = 10
LABEL = 0
GAP = 0
# Columns over time: a narrower drawing, so its labels stay legible on a phone.
COLUMNS_WIDTH = 420
HEIGHT = 200
AXIS = 24
MAX_STEP = 60  # a few periods make narrow columns, not slabs
TOP_PAD = 16  # room for the tallest column's figure


@dataclass
class Segment:
    key: str
    label: str
    count: int
    x: float
    y: float
    width: float
    height: float
    href: str


@dataclass
class Row:
    label: str
    total: int
    href: str
    y: float
    segments: list[Segment] = field(default_factory=list)
    x: float = 0  # columns: where the column stands
    width: float = 0
    length: float = 0  # bars: how far the bar reaches
    top: float = 0  # columns: where the column's top is

    @property
    def center(self) -> float:
        return self.x + self.width / 2

    def count(self, key: str) -> int:
        return sum(s.count for s in self.segments if s.key == key)


@dataclass
class Chart:
    id: str
    title: str
    description: str
    keys: list[tuple[str, str]]  # series keys and their names, in stacking order
    rows: list[Row]
    width: int
    height: int
    csv: str
    first_column: str = ""
    columns: bool = False
    ticks: list[tuple[float, str]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(row.total for row in self.rows)

    @property
    def table(self) -> list[tuple[Row, list[int]]]:
        """Each row with its count per used series, for the data table."""
        keys = [key for key, _ in self.used_keys] if len(self.used_keys) > 1 else []
        return [(row, [row.count(key) for key in keys]) for row in self.rows]

    @property
    def used_keys(self) -> list[tuple[str, str]]:
        """The series with any count, for the legend and the table."""
        used = {s.key for row in self.rows for s in row.segments if s.count}
        return [(key, name) for key, name in self.keys if key in used]


def bars(
    id: str,
    title: str,
    description: str,
    keys: list[tuple[str, str]],
    rows: list[tuple[str, dict[str, int], str]],
    *,
    csv: str,
    first_column: str = "",
) -> Chart:
    """Horizontal stacked bars: one per (label, counts by key, link), longest scaled to WIDTH."""
    most = max((sum(counts.values()) for _, counts, _ in rows), default=0) or 1
    laid = []
    y = 0.0
    for label, counts, href in rows:
        row = Row(label, sum(counts.values()), href, y)
        x = 0.0
        for key, name in keys:
            n = counts.get(key, 0)
            if not n:
                continue
            width = WIDTH * n / most
            row.segments.append(Segment(key, name, n, x, y + LABEL, width, BAR, href))
            x += width
        row.length = x
        laid.append(row)
        y += LABEL + BAR + GAP
    return Chart(id, title, description, keys, laid, WIDTH, max(int(y), 1), csv, first_column)


def columns(
    id: str,
    title: str,
    description: str,
    keys: list[tuple[str, str]],
    rows: list[tuple[str, dict[str, int], str]],
    *,
    csv: str,
    first_column: str = "",
) -> Chart:
    """Stacked columns over time, tallest scaled to HEIGHT, with a few labelled ticks."""
    most = max((sum(counts.values()) for _, counts, _ in rows), default=0) or 1
    step = min(COLUMNS_WIDTH / max(len(rows), 1), MAX_STEP)
    laid = []
    for i, (label, counts, href) in enumerate(rows):
        row = Row(label, sum(counts.values()), href, 0, x=i * step + step * 0.1, width=step * 0.8)
        top = float(HEIGHT + TOP_PAD)
        for key, name in keys:
            n = counts.get(key, 0)
            if not n:
                continue
            height = HEIGHT * n / most
            top -= height
            row.segments.append(Segment(key, name, n, row.x, top, row.width, height, href))
        row.top = top
        laid.append(row)
    every = max(1, len(rows) // 5)
    ticks = [(r.x + r.width / 2, r.label) for i, r in enumerate(laid) if i % every == 0]
    return Chart(
        id,
        title,
        description,
        keys,
        laid,
        WIDTH,
        HEIGHT + TOP_PAD + AXIS,
        csv,
        first_column,
        True,
        ticks,
    )
