"""The dashboard's figures: who is quoted, aggregated in SQL, a fixed number of queries.

Every figure counts standing quotes (not rejected, not detached) of articles outside the
trash that match the filters; the filters are the search page's (ArticleSearch), so the two
pages agree on what "outlet X, tag Y, May 2026" means. A quote is "reviewed" when a person
accepted or corrected it. A person's gender and role are "confirmed" when a reviewer set them
and "suggested" when only the text suggests them; the two are counted apart, never merged.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    F,
    Max,
    Min,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Trunc, TruncDate
from django.utils import timezone

from articles.browse.search import ArticleSearch
from articles.models import Article, Entity, EntityEvent, Quote, ReviewState, SpeakerSuggestion
from articles.sources.figures import (
    CONFIRMED,
    NONE,
    SUGGESTED,
    Figures,
    Series,
    breakdown_of,
    count_into,
    empty_shares,
    period_end,
    series_key,
    series_of,
)

KINDS = {
    "person": "Named person",
    "organisation": "Organisation",
    "described": "Described person",
    "unknown": "Unknown",
}
PEOPLE_KINDS = ("person", "described")
GENDERS = dict(Entity.Gender.choices)
ROLES = dict(Entity.Role.choices)
REVIEWED_STATES = (ReviewState.ACCEPTED, ReviewState.CORRECTED)
TOP = 10
# Past this many days, the time chart counts months instead of weeks.
WEEKS_UP_TO_DAYS = 183
NEW_VOICES_DAYS = 30
# Enough for the one pass to hash its groupings in memory at 100,000 articles.
WORK_MEM = "32MB"


def data_stamp() -> tuple:
    """What changes when a person's confirmed attributes or suggestions do: the latest entity
    event and the latest suggestion. One query over two indexes."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT max(pgh_id) FROM {EntityEvent._meta.db_table}),"
            f" (SELECT max(computed_at) FROM {SpeakerSuggestion._meta.db_table})"
        )
        return cursor.fetchone()


def quote_day():
    """The day a quote was published: its article's date, or else the day it was added."""
    return Coalesce(
        "article__published", TruncDate("article__created_at"), output_field=DateField()
    )


def _kind() -> Case:
    return Case(
        When(speaker__label="PERSON", then=Value("person")),
        When(speaker__isnull=False, then=Value("organisation")),
        When(~Q(speaker_text=""), then=Value("described")),
        default=Value("unknown"),
        output_field=CharField(),
    )


def _attribute(name: str) -> tuple[Case, Case]:
    """The value a quote's speaker has for an attribute, and where it comes from."""
    person = Q(speaker__label="PERSON")
    confirmed = person & ~Q(**{f"speaker__{name}": ""})
    suggested = person & Q(**{f"speaker__suggestion__{name}__gt": ""})
    value = Case(
        When(confirmed, then=F(f"speaker__{name}")),
        When(suggested, then=F(f"speaker__suggestion__{name}")),
        default=Value("unknown"),
        output_field=CharField(),
    )
    source = Case(
        When(confirmed, then=Value(CONFIRMED)),
        When(suggested, then=Value(SUGGESTED)),
        default=Value(NONE),
        output_field=CharField(),
    )
    return value, source


def _reviewed() -> Case:
    return Case(When(status__in=REVIEWED_STATES, then=Value(True)), default=Value(False))


class SourcesQuery:
    """The dashboard's queries for one set of filters (SourcesForm.cleaned_data).

    `basis` "reviewed" counts reviewed quotes only in the charts and lists; the headline
    figures and the breakdowns show both, side by side.
    """

    def __init__(self, params: dict[str, Any]):
        self.params = params
        self.search = ArticleSearch({k: v for k, v in params.items() if k != "basis"})
        self.reviewed_only = params.get("basis") == "reviewed"

    def quotes(self, *, basis: bool = True) -> QuerySet[Quote]:
        """The standing quotes of matching articles (with `basis`: reviewed ones only when the
        page asks for them)."""
        if self.search.is_empty:
            # No filter: the join the figures make anyway leaves out the trash.
            quotes = Quote.objects.standing().filter(article__deleted_at__isnull=True)
        else:
            quotes = Quote.objects.standing().filter(
                article__in=self.search.matching().values("pk")
            )
        if basis and self.reviewed_only:
            quotes = quotes.filter(status__in=REVIEWED_STATES)
        return quotes

    def _gendered(self) -> QuerySet:
        gender, gender_source = _attribute("gender")
        return (
            self.quotes()
            .annotate(speaker_kind=_kind(), gender=gender, gender_source=gender_source)
            .filter(speaker_kind__in=PEOPLE_KINDS)
        )

    # Queries ---------------------------------------------------------------------------

    def figures(self) -> Figures:
        """Every figure of the page, in three queries (and one to set them up): one pass over
        the quotes for the shares, time and outlets; one for tags; one for the speakers and
        new voices. Runs in a transaction of its own, with the memory these groupings need
        to hash rather than sort on disk, and without JIT compilation, whose start-up costs
        more than these queries gain from it."""
        figures = Figures()
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'; SET LOCAL jit = off")
            self._one_pass(figures)
            figures.by_tag = self._by("article__tags__id", "article__tags__name", "tag")
            self._speakers(figures)
        return figures

    def cached_figures(self) -> Figures:
        """figures(), kept NEWSROOM_SOURCES_CACHE_SECONDS per filters, and recomputed at once
        when a person's gender or role or the suggestions change (data_stamp)."""
        seconds = settings.NEWSROOM_SOURCES_CACHE_SECONDS
        if seconds <= 0:
            return self.figures()
        filters = json.dumps(self.params, sort_keys=True, default=str)
        key = "sources:" + hashlib.sha256(f"{filters}|{data_stamp()}".encode()).hexdigest()
        cache = caches["sources"]
        figures = cache.get(key)
        if figures is None:
            figures = self.figures()
            figures.as_of = timezone.now()
            cache.set(key, figures, seconds)
        return figures

    # Each grouping of the one pass, by name: the columns it groups by.
    SETS = {
        "shares": (
            "speaker_kind", "gender", "gender_source", "role", "role_source", "reviewed",
            "unreviewed",
        ),
        "week": ("week", "gender", "gender_source"),
        "month": ("month", "gender", "gender_source"),
        "outlet": ("article__outlet", "gender", "gender_source"),
    }  # fmt: skip

    def _one_pass(self, figures: Figures) -> None:
        """The shares (over every quote), and people's quotes by gender per week, per month
        and per outlet (over the basis), in one GROUPING SETS query over the quotes."""
        gender, gender_source = _attribute("gender")
        role, role_source = _attribute("role")
        day = quote_day()
        counted = Q(speaker_kind__in=PEOPLE_KINDS)
        if self.reviewed_only:
            counted &= Q(status__in=REVIEWED_STATES)
        rows = self.quotes(basis=False).annotate(
            speaker_kind=_kind(),
            gender=gender,
            gender_source=gender_source,
            role=role,
            role_source=role_source,
            reviewed=_reviewed(),
            unreviewed=Case(
                When(status=ReviewState.UNREVIEWED, then=Value(True)), default=Value(False)
            ),
            week=Trunc(day, "week", output_field=DateField()),
            month=Trunc(day, "month", output_field=DateField()),
            counted=Case(When(counted, then=Value(True)), default=Value(False)),
        )
        columns = sorted({c for names in self.SETS.values() for c in names} | {"counted"})
        inner, params = rows.order_by().values(*columns).query.sql_with_params()
        quote = connection.ops.quote_name
        sets = ", ".join(
            "(" + ", ".join(quote(c) for c in names) + ")" for names in self.SETS.values()
        )
        flags = ", ".join(
            f"GROUPING({', '.join(quote(c) for c in names)})" for names in self.SETS.values()
        )
        listed = ", ".join(quote(c) for c in columns if c != "counted")
        sql = (
            f"SELECT {flags}, {listed}, COUNT(*), COUNT(*) FILTER (WHERE counted) "
            f"FROM ({inner}) AS quotes GROUP BY GROUPING SETS ({sets})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        names = [c for c in columns if c != "counted"]
        grouped: dict[str, list[dict]] = {name: [] for name in self.SETS}
        for row in fetched:
            flags_row, values, n, n_counted = (
                row[: len(self.SETS)],
                row[len(self.SETS) : -2],
                *row[-2:],
            )
            record = dict(zip(names, values, strict=True)) | {"n": n, "counted": n_counted}
            for unit in ("week", "month"):  # date_trunc answers timestamps; days are meant
                if isinstance(record[unit], datetime.datetime):
                    record[unit] = record[unit].date()
            # GROUPING() is 0 for the set the row belongs to.
            grouped[list(self.SETS)[flags_row.index(0)]].append(record)
        self._shares(figures, grouped["shares"])
        self._time(figures, grouped)
        figures.by_outlet = series_of(
            [r for r in grouped["outlet"] if r["counted"] and r["article__outlet"]],
            "article__outlet",
            "article__outlet",
            "outlet",
        )

    def _shares(self, figures: Figures, rows: list[dict]) -> None:
        kinds = empty_shares(KINDS)
        genders = empty_shares(GENDERS)
        roles = empty_shares(ROLES)
        for row in rows:
            n, reviewed = row["n"], row["reviewed"]
            figures.quotes += n
            figures.reviewed_quotes += n if reviewed else 0
            count_into(kinds[row["speaker_kind"]], n, reviewed, row["unreviewed"])
            if row["speaker_kind"] in PEOPLE_KINDS:
                count_into(
                    genders[row["gender"]], n, reviewed, row["unreviewed"], row["gender_source"]
                )
                count_into(roles[row["role"]], n, reviewed, row["unreviewed"], row["role_source"])
        figures.kinds = breakdown_of("kind", kinds)
        figures.genders = breakdown_of("gender", genders)
        figures.roles = breakdown_of("role", roles)

    def _time(self, figures: Figures, grouped: dict[str, list[dict]]) -> None:
        """By week when the range (the filters' dates, or else the first and last week with
        quotes) spans up to WEEKS_UP_TO_DAYS, by month beyond."""
        weeks = sorted(r["week"] for r in grouped["week"] if r["counted"])
        first = self.params.get("since") or (weeks[0] if weeks else None)
        last = self.params.get("until") or (weeks[-1] if weeks else None)
        long = first and last and (last - first).days > WEEKS_UP_TO_DAYS
        figures.unit = "month" if long else "week"
        periods: dict[datetime.date, Series] = {}
        for row in sorted(grouped[figures.unit], key=lambda r: r[figures.unit]):
            start = row[figures.unit]
            if not row["counted"]:
                continue
            if start not in periods:
                end = period_end(start, figures.unit)
                label = start.strftime("%b %Y") if figures.unit == "month" else f"{start:%-d %b %Y}"
                params = {"since": start.isoformat(), "until": end.isoformat()}
                periods[start] = Series(start.isoformat(), label, {}, params)
            key = series_key(row["gender"], row["gender_source"])
            periods[start].counts[key] = periods[start].counts.get(key, 0) + row["counted"]
        figures.over_time = list(periods.values())

    def _by(self, column: str, label_column: str, param: str) -> list[Series]:
        """People's quotes by gender for each value of an article column (tags), the BARS
        values with most quotes. One query."""
        gender, gender_source = _attribute("gender")
        rows = (
            self.quotes()
            .annotate(speaker_kind=_kind(), gender=gender, gender_source=gender_source)
            .filter(speaker_kind__in=PEOPLE_KINDS)
            .filter(**{f"{column}__isnull": False})  # a join; exclude() would be an anti-join
            .values(column, label_column, "gender", "gender_source")
            .annotate(counted=Count("pk"))
            .order_by()
        )
        return series_of(list(rows), column, label_column, param)

    def speaker_rows(self) -> QuerySet:
        """One row per speaker entity: quotes, articles, first and last seen, reviewed quotes,
        confirmed and suggested attributes."""
        return (
            self.quotes()
            .filter(speaker__isnull=False)
            .values(
                "speaker_id",
                "speaker__name",
                "speaker__label",
                "speaker__gender",
                "speaker__role",
                "speaker__suggestion__gender",
                "speaker__suggestion__role",
            )
            .annotate(
                quotes=Count("pk"),
                articles=Count("article_id", distinct=True),
                first_seen=Min(quote_day()),
                last_seen=Max(quote_day()),
                reviewed=Count("pk", filter=Q(status__in=REVIEWED_STATES)),
            )
        )

    def _speakers(self, figures: Figures) -> None:
        """The top people and organisations, the number of distinct speakers and the new
        voices, in one query over the per-speaker rows (window functions; raw SQL, as "no
        earlier quote" refers to a grouped row, which the ORM cannot).

        New voices: speakers quoted in the filters whose first standing quote anywhere
        (outside the trash) is on or after the period's start: the filters' since, or else
        the last NEW_VOICES_DAYS days of the range."""
        until = self.params.get("until") or datetime.date.today()
        start = self.params.get("since") or until - datetime.timedelta(days=NEW_VOICES_DAYS)
        figures.new_since = start
        # Grouped by speaker alone, then joined to the entities: grouping by their names and
        # attributes too would carry them through every quote's row.
        counts = (
            self.quotes()
            .filter(speaker__isnull=False)
            .values("speaker_id")
            .annotate(
                quotes=Count("pk"),
                articles=Count("article_id", distinct=True),
                first_seen=Min(quote_day()),
                last_seen=Max(quote_day()),
                reviewed=Count("pk", filter=Q(status__in=REVIEWED_STATES)),
            )
            .order_by()
        )
        inner, params = counts.query.sql_with_params()
        q, a = Quote._meta.db_table, Article._meta.db_table
        e, g = Entity._meta.db_table, SpeakerSuggestion._meta.db_table
        sql = f"""
            WITH s AS MATERIALIZED (
                SELECT c.speaker_id, e.name AS speaker__name, e.label AS speaker__label,
                    e.gender AS speaker__gender, e.role AS speaker__role,
                    g.gender AS speaker__suggestion__gender, g.role AS speaker__suggestion__role,
                    c.quotes, c.articles, c.first_seen, c.last_seen, c.reviewed
                FROM ({inner}) AS c JOIN {e} e ON e.id = c.speaker_id
                LEFT JOIN {g} g ON g.entity_id = c.speaker_id
            ),
            ranked AS (
                SELECT s.*,
                    row_number() OVER (
                        PARTITION BY (s.speaker__label = 'PERSON')
                        ORDER BY s.quotes DESC, s.speaker__name, s.speaker_id
                    ) AS rank,
                    count(*) OVER () AS speakers,
                    count(*) FILTER (WHERE s.reviewed > 0) OVER () AS reviewed_speakers
                FROM s
            ),
            new AS (
                SELECT s.*, count(*) OVER () AS new_voices FROM s
                WHERE s.first_seen >= %s AND NOT EXISTS (
                    SELECT 1 FROM {q} q JOIN {a} a ON a.id = q.article_id
                    WHERE q.speaker_id = s.speaker_id AND a.deleted_at IS NULL
                      AND q.status <> 'rejected' AND q."end" > q.start
                      AND COALESCE(a.published, (a.created_at AT TIME ZONE %s)::date) < %s
                )
                ORDER BY s.quotes DESC, s.speaker__name LIMIT %s
            )
            SELECT 'top' AS list, ranked.*, 0 AS new_voices FROM ranked WHERE rank <= %s
            UNION ALL
            SELECT 'new', new.speaker_id, new.speaker__name, new.speaker__label,
                   new.speaker__gender, new.speaker__role, new.speaker__suggestion__gender,
                   new.speaker__suggestion__role, new.quotes, new.articles, new.first_seen,
                   new.last_seen, new.reviewed, 0, 0, 0, new.new_voices
            FROM new
            ORDER BY list DESC, quotes DESC, speaker__name
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, start, _tz(), start, TOP, TOP])
            names = [column.name for column in cursor.description]
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        for row in rows:
            if row["list"] == "new":
                figures.new_voices.append(row)
                figures.new_voice_count = row["new_voices"]
                continue
            figures.speakers = row["speakers"]
            figures.reviewed_speakers = row["reviewed_speakers"]
            target = figures.people if row["speaker__label"] == "PERSON" else figures.organisations
            target.append(row)


def _tz() -> str:
    from django.utils import timezone

    return str(timezone.get_current_timezone())
