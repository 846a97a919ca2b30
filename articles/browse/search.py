"""Article search: web-search syntax over the generated search vector, facets and highlighting.

Every function here issues a fixed number of queries, whatever the number of matching rows.
Each filter is part of every facet's query too, so their number is capped (SearchForm refuses
more): one request once chose 299 tags and took a PostgreSQL backend to 23 GB.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Left
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles.models import ENTITY_TYPE_NAMES, Article, Entity, Mention, Quote, Tag, live_q

CONFIG = "english"
# Private-use characters: ts_headline wraps matches in them, and they survive HTML escaping,
# so the escaped text can then get real <mark> tags and nothing else.
START, STOP = "\ue000", "\ue001"
_MARKED = re.compile(f"{START}([^{START}{STOP}]*){STOP}")
# Entity and speaker counts join mentions and quotes: skip them over very large result sets.
# At 100,000 articles a 3,000-article result costs ~75 ms for the two joins (bench/web_latency.py).
ENTITY_FACET_MAX_ARTICLES = 2000
FACET_SIZE = 12
# The most tags one search may combine, and the longest search text, in characters.
MAX_TAGS = 10
MAX_QUERY_CHARS = 500


def web_query(terms: str) -> SearchQuery:
    """ "exact phrase", -exclude and OR, as in a web search engine."""
    return SearchQuery(terms, config=CONFIG, search_type="websearch")


def has_searchable_words(terms: str) -> bool:
    """Whether the terms leave anything to search once stop words and operators are dropped."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT numnode(websearch_to_tsquery(%s::regconfig, %s))", [CONFIG, terms])
        return cursor.fetchone()[0] > 0


def has_tag(tag_id: int) -> Exists:
    return Exists(Article.tags.through.objects.filter(article=OuterRef("pk"), tag_id=tag_id))


def has_tags(tag_ids: Collection[int]) -> Q:
    """Articles with every one of the tags: one GROUP BY over those tags' rows, with HAVING.

    Its cost grows with the rows of the chosen tags. One EXISTS per tag, as before, made the
    planner's work and memory grow with the square of the number of tags (at 100,000 articles,
    planning took 11 MB for 10 tags, 38 MB for 24, 102 MB for 48; this takes 0.1 MB).
    """
    ids = sorted(set(tag_ids))
    if len(ids) == 1:
        return Q(has_tag(ids[0]))  # one semi-join: a third of the grouping's time for one tag
    tagged = (
        Article.tags.through.objects.filter(tag_id__in=ids)
        .values("article_id")
        .annotate(n=Count("tag_id"))
        .filter(n=len(ids))  # a tag is on an article once (the through table's unique pair)
        .values("article_id")
    )
    return Q(pk__in=tagged)


def mentions_entity(entity_id: int) -> Exists:
    return Exists(Mention.objects.standing().filter(article=OuterRef("pk"), entity_id=entity_id))


def quotes_speaker(entity_id: int) -> Exists:
    return Exists(Quote.objects.standing().filter(article=OuterRef("pk"), speaker_id=entity_id))


def highlight(marked: str) -> SafeString:
    """Escape text from ts_headline, then turn its START/STOP markers into <mark> elements."""
    html = _MARKED.sub(r"<mark>\1</mark>", escape(marked))
    return mark_safe(html.replace(START, "").replace(STOP, ""))  # noqa: S308 - escaped above


@dataclass
class FacetOption:
    value: str
    label: str
    count: int | None
    selected: bool
    hint: str = ""


@dataclass
class Facets:
    tags: list[FacetOption] = field(default_factory=list)
    entities: list[FacetOption] = field(default_factory=list)
    speakers: list[FacetOption] = field(default_factory=list)
    outlets: list[FacetOption] = field(default_factory=list)
    statuses: list[FacetOption] = field(default_factory=list)
    reviews: list[FacetOption] = field(default_factory=list)
    entity_counts: bool = True


class ArticleSearch:
    """A search built from SearchForm.cleaned_data: the filters, the results and the facets."""

    def __init__(self, params: dict[str, Any]):
        self.params = params
        self.terms = (params.get("q") or "").strip()
        self.query = web_query(self.terms) if self.terms else None
        self.filters = self._filters()
        self._value_counted: dict[str, list[tuple[str, int]]] | None = None

    def _filters(self) -> dict[str, list[Q]]:
        """Conditions by facet, so that each facet can be counted without its own condition."""
        p = self.params
        if len(set(p.get("tag") or [])) > MAX_TAGS:
            raise ValueError(f"A search combines at most {MAX_TAGS} tags.")
        filters: dict[str, list[Q]] = {"q": [], "tag": [], "entity": [], "speaker": []}
        if self.query is not None:
            filters["q"].append(Q(search_vector=self.query))
        if p.get("tag"):
            filters["tag"].append(has_tags(p["tag"]))
        if p.get("entity"):
            filters["entity"].append(Q(mentions_entity(p["entity"])))
        if p.get("speaker"):
            filters["speaker"].append(Q(quotes_speaker(p["speaker"])))
        filters["outlet"] = [Q(outlet=p["outlet"])] if p.get("outlet") else []
        filters["status"] = [Q(status=p["status"])] if p.get("status") else []
        filters["review"] = [Q(review_status=p["review"])] if p.get("review") else []
        dates = []
        column = "created_at__date" if p.get("dates") == "added" else "published"
        if p.get("since"):
            dates.append(Q(**{f"{column}__gte": p["since"]}))
        if p.get("until"):
            dates.append(Q(**{f"{column}__lte": p["until"]}))
        filters["dates"] = dates
        return filters

    def matching(self, *, without: str | None = None) -> QuerySet[Article]:
        conditions = [q for name, qs in self.filters.items() if name != without for q in qs]
        return Article.objects.filter(*conditions)

    @property
    def is_empty(self) -> bool:
        return not any(self.filters.values())

    def results(self, ordering: tuple[str, ...]) -> QuerySet[Article]:
        """Matching articles in order, with only what ranking and the result row need.

        Ledes, tags and highlights come from highlight_page, for the visible page only: over
        every match they would cost a read of each body.
        """
        articles = self.matching().defer("body", "repairs")
        if self.query is not None:
            articles = articles.annotate(rank=SearchRank(F("search_vector"), self.query))
        return articles.order_by(*ordering)

    def highlight_page(self, articles: list[Article]) -> None:
        """Set tag_list, lede, title_html and snippet_html on the visible page. One query."""
        if not articles:
            return
        page = (
            Article.objects.filter(pk__in=[a.pk for a in articles])
            .with_tag_list()
            .annotate(lede_text=Left("body", 320))
        )
        fields = ["pk", "tag_list", "lede_text"]
        if self.query is not None:
            common = {"config": CONFIG, "start_sel": START, "stop_sel": STOP}
            page = page.annotate(
                title_hl=SearchHeadline("title", self.query, highlight_all=True, **common),
                body_hl=SearchHeadline(
                    "body",
                    self.query,
                    max_words=40,
                    min_words=20,
                    max_fragments=2,
                    fragment_delimiter=" … ",
                    **common,
                ),
            )
            fields += ["title_hl", "body_hl"]
        extras = {row[0]: row[1:] for row in page.values_list(*fields)}
        for article in articles:
            tags, lede, *headline = extras.get(article.pk, ([], "", None, None))
            article.tag_list, article.lede = tags, lede
            if self.query is None:
                article.title_html = escape(article.title)
                article.snippet_html = escape(_lede(lede))
            else:
                title, body = headline
                article.title_html = highlight(title if title is not None else article.title)
                article.snippet_html = highlight(_with_ellipses(body or lede, lede))

    def _unfaceted(self) -> bool:
        """True when no outlet, status or review value is chosen, so their counts all run
        over exactly the results."""
        p = self.params
        return not any(p.get(name) for name in ("outlet", "status", "review"))

    def _shared_value_counts(self) -> dict[str, list[tuple[str, int]]]:
        """Outlet, status and review counts over the results, computed once per search."""
        if self._value_counted is None:
            self._value_counted = self._value_counts(["outlet", "status", "review_status"])
        return self._value_counted

    def result_count(self) -> int | None:
        """How many articles match, when the facet counts already tell (every article has a
        status), saving the paginator its own COUNT over the matches; otherwise None."""
        if not self._unfaceted():
            return None
        return sum(n for _, n in self._shared_value_counts()["status"])

    def facets(self, total: int) -> Facets:
        """Counts per facet value, each over the results without that facet's own condition."""
        p = self.params
        facets = Facets()
        facets.tags = self._tag_facet(set(p.get("tag") or []))
        value_facets = {  # facet: (parameter, column, labels)
            "outlets": ("outlet", "outlet", None),
            "statuses": ("status", "status", dict(Article.Status.choices)),
            "reviews": ("review", "review_status", dict(Article.ReviewStatus.choices)),
        }
        if self._unfaceted():
            # None selected: all three count the same rows, so one pass serves them all.
            counted = self._shared_value_counts()
            for attribute, (_, column, labels) in value_facets.items():
                setattr(facets, attribute, _options(counted[column], "", labels))
        else:
            for attribute, (name, column, labels) in value_facets.items():
                setattr(
                    facets, attribute, self._value_facet(name, column, p.get(name) or "", labels)
                )
        selected_people = {pk for pk in (p.get("entity"), p.get("speaker")) if pk}
        if total <= ENTITY_FACET_MAX_ARTICLES:
            facets.entities = self._entity_facet(
                Mention.objects, "entity", "entity", p.get("entity")
            )
            facets.speakers = self._entity_facet(
                Quote.objects.filter(speaker__isnull=False), "speaker", "speaker", p.get("speaker")
            )
        else:
            facets.entity_counts = False
        missing = selected_people - {
            int(o.value) for o in facets.entities + facets.speakers if o.selected
        }
        if missing:
            # A selected entity outside the top of its facet is still shown, without a count.
            for entity in Entity.objects.filter(pk__in=missing):
                option = FacetOption(str(entity.pk), entity.name, None, True, entity.label)
                if entity.pk == p.get("entity"):
                    facets.entities.insert(0, option)
                if entity.pk == p.get("speaker"):
                    facets.speakers.insert(0, option)
        return facets

    def _tag_facet(self, selected: set[int]) -> list[FacetOption]:
        narrowed = any(conditions for name, conditions in self.filters.items() if name != "tag")
        if narrowed:
            n = Count("articles", filter=Q(articles__in=self.matching(without="tag").values("pk")))
        else:
            # Over the whole archive: count the taggings, not each against the search (at
            # 100,000 articles, 50 ms instead of 290); only the trash is left out.
            n = Count("articles", filter=live_q("articles__"))
        # An empty IN () would make Django drop the whole query (EmptyResultSet).
        chosen = selected or {0}
        tags = (
            Tag.objects.annotate(n=n, chosen=Q(pk__in=chosen))
            .filter(Q(n__gt=0) | Q(pk__in=chosen))
            .order_by("-chosen", "-n", "name")
            .values_list("pk", "name", "n")[: FACET_SIZE + len(selected)]
        )
        return [FacetOption(str(pk), name, n, pk in selected) for pk, name, n in tags]

    def _value_facet(
        self, name: str, column: str, selected: str, labels: dict[str, str] | None = None
    ) -> list[FacetOption]:
        rows = (
            self.matching(without=name)
            .exclude(**{column: ""})
            .order_by()
            .values(column)
            .annotate(n=Count("pk"))
            .order_by("-n", column)
            .values_list(column, "n")[:FACET_SIZE]
        )
        return _options(list(rows), selected, labels)

    def _value_counts(self, columns: list[str]) -> dict[str, list[tuple[str, int]]]:
        """(value, count) per column over the matching articles, in one GROUPING SETS query."""
        inner, params = self.matching().order_by().values(*columns).query.sql_with_params()
        names = ", ".join(connection.ops.quote_name(column) for column in columns)
        sets = ", ".join(f"({connection.ops.quote_name(column)})" for column in columns)
        sql = f"SELECT GROUPING({names}), {names}, COUNT(*) FROM ({inner}) AS matched "
        sql += f"GROUP BY GROUPING SETS ({sets})"
        counted: dict[str, list[tuple[str, int]]] = {column: [] for column in columns}
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for grouping, *values, n in cursor.fetchall():
                # GROUPING() has a 0 bit for the one column this row is grouped by.
                index = next(
                    i for i in range(len(columns)) if not grouping & (1 << (len(columns) - 1 - i))
                )
                if values[index]:
                    counted[columns[index]].append((values[index], n))
        for rows in counted.values():
            rows.sort(key=lambda row: (-row[1], row[0]))
            del rows[FACET_SIZE:]
        return counted

    def _entity_facet(
        self, items: QuerySet, name: str, column: str, selected: int | None
    ) -> list[FacetOption]:
        base = self.matching(without=name).values("pk")
        rows = (
            items.standing()
            .filter(article__in=base)
            .values(f"{column}_id", f"{column}__name", f"{column}__label")
            .annotate(
                n=Count("article_id", distinct=True),
                chosen=Q(**{f"{column}_id": selected or 0}),
            )
            # The selected value first, so that it keeps its count however far down it is.
            .order_by("-chosen", "-n", f"{column}__name")
            .values_list(f"{column}_id", f"{column}__name", f"{column}__label", "n")[:FACET_SIZE]
        )
        return [
            FacetOption(
                str(pk), label_name, n, pk == selected, hint=ENTITY_TYPE_NAMES.get(label, label)
            )
            for pk, label_name, label, n in rows
        ]


def _with_ellipses(snippet: str, lede: str) -> str:
    """Mark a snippet that starts or ends inside the text, as headline fragments usually do."""
    plain = " ".join(snippet.replace(START, "").replace(STOP, "").split())
    if plain and not " ".join(lede.split()).startswith(plain[:40]):
        snippet = "… " + snippet
    if plain and plain[-1] not in '.!?"”’)':
        snippet += " …"
    return snippet


def _lede(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) < 300 else text[:300].rsplit(" ", 1)[0] + " …"


def _options(
    rows: list[tuple[str, int]], selected: str, labels: dict[str, str] | None
) -> list[FacetOption]:
    """Facet options from (value, count) rows; a selected value with no rows still shows."""
    options = [
        FacetOption(value, (labels or {}).get(value, value), n, value == selected)
        for value, n in rows
    ]
    if selected and not any(o.selected for o in options):
        options.insert(0, FacetOption(selected, (labels or {}).get(selected, selected), 0, True))
    return options
