"""Full-text search: web-search syntax, ranking, safe highlights, facets, fixed query counts."""

from __future__ import annotations

import datetime as dt
import html
import re
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.browse.search import START, STOP, ArticleSearch, highlight
from articles.models import Article, Entity, Mention, Quote, ReviewState, Tag

pytestmark = pytest.mark.django_db

URL = reverse("articles:search")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def reader(client_for):
    return client_for("reviewer")


def result_ids(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<article class="result" id="result-(\d+)">', page)]


def entity(name: str, label: str = "PERSON") -> Entity:
    return Entity.objects.create(name=name, label=label, key=name.lower())


def mention(article: Article, who: Entity, status: str = ReviewState.UNREVIEWED) -> None:
    Mention.objects.create(
        article=article, entity=who, start=0, end=4, text=who.name, label=who.label, status=status
    )


def quote(article: Article, who: Entity, status: str = ReviewState.UNREVIEWED) -> None:
    Quote.objects.create(
        article=article, speaker=who, start=10, end=20, text="It works.", status=status
    )


# --- Highlighting --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("marked", "html"),
    [
        (f"the {START}harbour{STOP} reopened", "the <mark>harbour</mark> reopened"),
        (f"<b>{START}x{STOP}</b> & y", "&lt;b&gt;<mark>x</mark>&lt;/b&gt; &amp; y"),
        (f"{START}<script>{STOP}", "<mark>&lt;script&gt;</mark>"),
        # Stray markers (say, in the article text itself) never leave an unbalanced element.
        (f"a {START}b {START}c{STOP} d{STOP}", "a b <mark>c</mark> d"),
        (f"{STOP}a{START}", "a"),
    ],
)
def test_highlight_escapes_everything_but_its_own_marks(marked, html):
    assert highlight(marked) == html


def test_search_results_are_highlighted_and_escaped(reader, make_article):
    make_article(
        title="Harbour <script>alert(1)</script> reopens",
        body='The <img src=x onerror=alert(1)> harbour reopened. "Harbour" said <b>nobody</b>.',
    )
    page = reader.get(URL, {"q": "harbour"}).text
    assert "<mark>Harbour</mark> &lt;script&gt;alert(1)&lt;/script&gt; reopens" in page
    # ts_headline leaves markup-like tokens out of snippets; the rest is escaped.
    assert "<mark>harbour</mark> reopened. &quot;<mark>Harbour</mark>&quot; said" in page
    assert "<img" not in page
    assert "<script>alert" not in page
    assert "<b>" not in page
    marks = re.findall(r"<mark>[^<]*</mark>", page)
    assert page.count("<mark>") == page.count("</mark>") == len(marks) >= 3


# --- Query syntax and ranking --------------------------------------------------------------------


@pytest.fixture
def stories(make_article):
    return {
        "ferry": make_article(title="Ferry strike", body="The ferry crews walked out at dawn."),
        "harbour": make_article(
            title="Harbour news", body="The harbour master spoke about the new ferry terminal."
        ),
        "rail": make_article(title="Rail strike", body="Train drivers walked out over pay."),
        "council": make_article(title="Council", body="The council debated the harbour budget."),
    }


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("ferry", {"ferry", "harbour"}),
        ("strike", {"ferry", "rail"}),
        ('"walked out"', {"ferry", "rail"}),
        ('"crews walked"', {"ferry"}),
        ('"walked crews"', set()),
        ("harbour -council", {"harbour"}),
        ("rail or council", {"rail", "council"}),
        ("walking", {"ferry", "rail"}),  # stemmed: walked, walking
        ("the", set()),  # stop words alone match nothing rather than everything
        ('"unbalanced', set()),
        ("-", set()),
    ],
)
def test_web_search_syntax(reader, stories, q, expected):
    page = reader.get(URL, {"q": q}).text
    assert set(result_ids(page)) == {stories[name].pk for name in expected}


@pytest.mark.parametrize(("q", "unsearchable"), [("the", True), ("- or", True), ("zebra", False)])
def test_terms_with_nothing_to_search_are_explained(reader, stories, q, unsearchable):
    page = reader.get(URL, {"q": q}).text
    assert result_ids(page) == []
    assert ("has no words to search for" in page) is unsearchable


def test_title_matches_rank_above_body_matches(reader, stories):
    ids = result_ids(reader.get(URL, {"q": "harbour"}).text)
    assert ids == [stories["harbour"].pk, stories["council"].pk]
    newest = result_ids(reader.get(URL, {"q": "harbour", "sort": "oldest"}).text)
    assert newest == [stories["harbour"].pk, stories["council"].pk]
    assert result_ids(reader.get(URL, {"q": "harbour", "sort": "newest"}).text) == [
        stories["council"].pk,
        stories["harbour"].pk,
    ]


def test_empty_search_lists_the_archive_newest_first(reader, stories):
    page = reader.get(URL).text
    assert result_ids(page) == [a.pk for a in reversed(stories.values())]
    assert "Best match" not in page  # nothing to rank by


# --- Facets --------------------------------------------------------------------------------------


@pytest.fixture
def archive(make_article):
    """Six articles across outlets, tags, entities, speakers, statuses and dates."""
    climate, ports = Tag.objects.create(name="Climate"), Tag.objects.create(name="Ports")
    ada, bob = entity("Ada Lovelace"), entity("Bob Babbage")
    a = make_article(
        title="Harbour floods",
        body="The harbour flooded.",
        outlet="Gazette",
        published=dt.date(2024, 1, 10),
        status=Article.Status.EXTRACTED,
    )
    b = make_article(
        title="Harbour dredged",
        body="The harbour was dredged.",
        outlet="Courier",
        published=dt.date(2024, 3, 5),
        status=Article.Status.EXTRACTED,
        review_status=Article.ReviewStatus.REVIEWED,
    )
    c = make_article(
        title="Harbour fees",
        body="Harbour fees rise.",
        outlet="Gazette",
        published=dt.date(2023, 6, 1),
    )
    d = make_article(title="Budget", body="The budget passed.", outlet="Gazette")
    a.tags.add(climate, ports)
    b.tags.add(ports)
    c.tags.add(climate)
    mention(a, ada)
    mention(b, ada)
    mention(c, bob)
    mention(d, ada, status=ReviewState.REJECTED)
    quote(a, ada)
    quote(c, bob)
    quote(b, bob, status=ReviewState.REJECTED)
    return {
        "articles": {"a": a, "b": b, "c": c, "d": d},
        "tags": {"climate": climate, "ports": ports},
        "people": {"ada": ada, "bob": bob},
    }


def ids_of(archive, *names: str) -> list[int]:
    return sorted(archive["articles"][name].pk for name in names)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"tag": ["climate"]}, "ac"),
        ({"tag": ["climate", "ports"]}, "a"),  # several tags: articles with all of them
        ({"entity": "ada"}, "ab"),  # rejected mentions do not count
        ({"speaker": "bob"}, "c"),  # rejected quotes do not count
        ({"outlet": "Gazette"}, "acd"),
        ({"status": "extracted"}, "ab"),
        ({"review": "reviewed"}, "b"),
        ({"since": "2024-01-01"}, "ab"),
        ({"since": "2024-01-01", "until": "2024-02-01"}, "a"),
        ({"since": "2024-02-01", "until": "2024-01-01"}, "a"),  # swapped bounds are put right
        ({"dates": "added", "since": "2000-01-01"}, "abcd"),
        ({"dates": "added", "until": "2000-01-01"}, ""),
        ({"q": "harbour", "outlet": "Gazette", "tag": ["climate"]}, "ac"),
        ({"q": "harbour", "entity": "ada", "status": "extracted", "tag": ["ports"]}, "ab"),
        ({"q": "harbour", "speaker": "ada", "outlet": "Courier"}, ""),
        ({"tag": ["nonsense"], "since": "not a date", "status": "bogus"}, "abcd"),
    ],
)
def test_facets_combine(reader, archive, params, expected):
    lookup = {**archive["tags"], **archive["people"]}
    query = {}
    for key, value in params.items():
        if key == "tag":
            query[key] = [lookup[v].pk if v in lookup else v for v in value]
        elif key in {"entity", "speaker"}:
            query[key] = lookup[value].pk
        else:
            query[key] = value
    page = reader.get(URL, query).text
    assert sorted(result_ids(page)) == ids_of(archive, *expected)


def facet_counts(page: str, key: str) -> dict[str, int]:
    pattern = (
        rf'data-facet="{key}">\s*<span class="facet__box" aria-hidden="true"></span>\s*'
        r'<span class="facet__label">([^<]+?)(?: <span class="facet__hint">\w+</span>)?</span>\s*'
        r'<span class="facet__count">(\d+)</span>'
    )
    return {label: int(n) for label, n in re.findall(pattern, page)}


def test_facet_counts_leave_out_their_own_selection(reader, archive):
    page = reader.get(URL, {"q": "harbour", "outlet": "Gazette"}).text
    # Outlets are counted as if no outlet were chosen, so the other outlets stay reachable.
    assert facet_counts(page, "outlet") == {"Gazette": 2, "Courier": 1}
    # Other facets are counted within the results.
    assert facet_counts(page, "tag") == {"Climate": 2, "Ports": 1}
    assert facet_counts(page, "entity") == {"Ada Lovelace": 1, "Bob Babbage": 1}
    assert facet_counts(page, "speaker") == {"Ada Lovelace": 1, "Bob Babbage": 1}
    assert facet_counts(page, "status") == {"Extracted": 1, "Queued": 1}
    assert facet_counts(page, "review") == {"Needs review": 2}


def test_facet_links_toggle_and_chips_remove(reader, archive):
    climate, ports = archive["tags"]["climate"], archive["tags"]["ports"]
    page = reader.get(URL, {"q": "harbour", "tag": [climate.pk], "page": 1}).text
    # Choosing another tag adds to the selection; choosing the same one removes it.
    assert f'href="?q=harbour&amp;tag={climate.pk}&amp;tag={ports.pk}"' in page
    assert 'href="?q=harbour" aria-current="true"' in page
    assert 'aria-label="Remove filter Climate"' in page
    assert ">Clear filters</a>" in page


def test_a_chosen_entity_keeps_its_place_and_count(reader, make_article):
    chosen = entity("Zed Last")
    for n in range(15):
        article = make_article(title=f"Story {n}")
        mention(article, entity(f"Aaron {n:02d}"))
        if n < 2:
            mention(article, chosen)
    page = reader.get(URL, {"entity": chosen.pk}).text
    counts = facet_counts(page, "entity")
    assert counts["Zed Last"] == 2  # shown first, with its count, though last by name
    assert re.search(r'class="facet__option is-selected"[^>]*data-facet="entity"', page)


def test_results_are_paginated_and_keep_the_query(reader, make_article):
    for n in range(23):
        make_article(title=f"Harbour story {n}", body=f"Harbour {n}.")
    page = reader.get(URL, {"q": "harbour", "outlet": ""}).text
    assert len(result_ids(page)) == 20
    assert 'href="?q=harbour&amp;outlet=&amp;page=2" rel="next"' in page
    assert len(result_ids(reader.get(URL, {"q": "harbour", "page": 2}).text)) == 3


@pytest.mark.parametrize("outlet", ["", "Harbour Times"])
def test_result_count_comes_from_the_facet_counts_when_it_can(reader, make_article, outlet):
    for n in range(23):
        make_article(title=f"Harbour story {n}", body=f"Harbour {n}.", outlet="Harbour Times")
    make_article(title="Harbour elsewhere", body="Harbour.", outlet="Other Post")
    make_article(title="Unrelated", body="Nothing here.", outlet="Harbour Times")
    with CaptureQueriesContext(connection) as queries:
        page = reader.get(URL, {"q": "harbour", "outlet": outlet}).text
    expected = 23 if outlet else 24
    assert re.search(r"<strong>(\d+)</strong> articles", page).group(1) == str(expected)
    assert "Page 1 of 2" in page
    counts = [q["sql"] for q in queries if 'COUNT(*) AS "__count"' in q["sql"]]
    # With no outlet, status or review chosen, their counts over the results give the total.
    assert len(counts) == (1 if outlet else 0)


def test_article_search_without_django_views(archive):
    search = ArticleSearch({"q": "harbour", "tag": [archive["tags"]["ports"].pk]})
    results = list(search.results(("-rank", "-id")))
    assert {a.pk for a in results} == {archive["articles"]["a"].pk, archive["articles"]["b"].pk}
    search.highlight_page(results)
    assert all("<mark>Harbour</mark>" in a.title_html for a in results)


# --- Cost ----------------------------------------------------------------------------------------


def grow(make_article, count: int, tag: Tag, who: Entity) -> None:
    for n in range(count):
        article = make_article(
            title=f"Harbour {n}", body=f"The harbour story {count}-{n}. " * 50, outlet="G"
        )
        article.tags.add(tag)
        mention(article, who)
        quote(article, who)


@pytest.mark.parametrize(
    "params",
    [
        {"q": "harbour"},
        {},
        {"q": "harbour story -ferry", "tag": "<tag>", "entity": "<who>", "outlet": "G"},
        {"speaker": "<who>", "since": "2000-01-01", "dates": "added", "sort": "newest"},
    ],
    ids=["query", "browse", "query-and-facets", "facets-only"],
)
def test_search_issues_a_fixed_number_of_queries(reader, make_article, params):
    tag, who = Tag.objects.create(name="Ports"), entity("Ada Lovelace")
    params = {
        key: {"<tag>": tag.pk, "<who>": who.pk}.get(value, value) for key, value in params.items()
    }

    def count() -> tuple[int, list[str]]:
        with CaptureQueriesContext(connection) as queries:
            response = reader.get(URL, params)
        assert response.status_code == 200
        return len(queries), [q["sql"] for q in queries]

    grow(make_article, 5, tag, who)
    five, _ = count()
    grow(make_article, 30, tag, who)
    thirty, sql = count()
    assert five == thirty
    # Session, user, 2 permissions, count, page, 6 facets, headlines when there are terms.
    assert thirty <= 13
    headlines = [s for s in sql if "ts_headline" in s]
    if "q" in params:
        # Headlines only for the visible page: 20 of the 35 articles.
        assert len(headlines) == 1
        ids = re.search(r'"id" IN \(([^)]*)\)', headlines[0]).group(1)
        assert len(ids.split(",")) == 20
    else:
        assert headlines == []


# --- Caps: what one search may ask ---------------------------------------------------------------


def refusal(response) -> str:
    """The refusal messages of a refused search, as text."""
    assert response.status_code == 400
    box = re.search(r'data-testid="search-refused">(.*?)</div>', response.text, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", box).split())


def test_the_299_tag_search_is_refused_at_once_and_says_why(reader, make_article):
    make_article(title="Harbour")
    url = URL + "?" + "&".join(f"tag={n}" for n in range(1, 300))
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = reader.get(url)
        elapsed = time.perf_counter() - started
    assert elapsed < 1
    assert "A search can combine at most 10 tags; this one has 299." in refusal(response)
    # No search ran: only the session, the user and the permission checks.
    assert not [q for q in queries if "articles_article" in q["sql"]]
    assert 'id="search-results"' not in response.text


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"tag": [str(n) for n in range(1, 12)]}, "at most 10 tags; this one has 11"),
        ({"entity": ["1", "2"]}, "Choose one entity at a time; this search gives 2."),
        ({"speaker": ["1", "2", "3"]}, "Choose one speaker at a time; this search gives 3."),
        ({"outlet": ["A", "B"]}, "Choose one outlet at a time"),
        ({"q": "harbour " * 70}, "The search text is too long: 559 characters; the limit is 500."),
        ({"q": "harbour\x00"}, "The search text cannot be used: Null characters are not allowed."),
        ({"page": "501"}, "Only the first 500 pages can be shown."),
        ({"page": "9" * 5000}, "Only the first 500 pages can be shown."),
    ],
    ids=["11-tags", "2-entities", "3-speakers", "2-outlets", "long-q", "nul-q", "page-501", "huge"],
)
def test_a_search_past_a_cap_is_refused_with_its_reason(reader, make_article, params, message):
    make_article(title="Harbour")
    assert message in refusal(reader.get(URL, params))


def test_ten_tags_are_not_refused_and_the_same_tag_twice_counts_once(reader, make_article):
    tags = [Tag.objects.create(name=f"T{n}") for n in range(10)]
    article = make_article(title="Tagged ten times")
    article.tags.add(*tags)
    response = reader.get(URL, {"tag": [t.pk for t in tags] + [tags[0].pk]})
    assert response.status_code == 200
    assert result_ids(response.text) == [article.pk]


@pytest.mark.parametrize("page", ["x", "²", "١٢", "-3", "0", "1.5", "\x00"])
def test_a_page_that_is_no_number_is_the_first_page(reader, make_article, page):
    for n in range(23):
        make_article(title=f"Harbour {n}")
    response = reader.get(URL, {"page": page})
    assert response.status_code == 200
    assert "Page 1 of 2" in response.text


def test_invalid_filter_values_are_ignored_and_said(reader, archive):
    response = reader.get(URL, {"tag": "nonsense", "since": "not a date", "entity": "²"})
    assert response.status_code == 200
    assert sorted(result_ids(response.text)) == ids_of(archive, "a", "b", "c", "d")
    ignored = re.search(r'data-testid="ignored">(.*?)</div>', response.text, re.S).group(1)
    assert "Tags ignored: tags are chosen by number, and “nonsense” is not one." in ignored
    assert "Start date ignored" in ignored
    assert "Entity ignored" in ignored


@pytest.fixture
def tagged():
    """Articles tagged with the first n of twelve tags, for n in 0..12; {n: article}."""
    tags = [Tag.objects.create(name=f"Tag {n:02d}") for n in range(12)]
    articles = {}
    for n in range(13):
        body = f"Tagged {n}."
        article = Article.objects.create(
            title=f"Tagged with {n}", body=body, content_hash=f"tagged-{n}"
        )
        article.tags.add(*tags[:n])
        articles[n] = article
    return tags, articles


@pytest.mark.parametrize("count", [1, 2, 10])
def test_several_tags_match_the_articles_with_every_one(reader, tagged, count):
    tags, articles = tagged
    chosen = tags[:count]
    response = reader.get(URL, {"tag": [t.pk for t in chosen]})
    expected = {articles[n].pk for n in range(count, 13)}
    assert set(result_ids(response.text)) == expected
    # The tag facet counts each tag without the tag filters: the first tag is on 12 articles.
    counts = facet_counts(response.text, "tag")
    assert counts[tags[0].name] == 12
    if count < 10:  # at the cap, other tags are shown without a link
        assert (counts[tags[10].name], counts[tags[11].name]) == (2, 1)
    # Choosing tags in another order, or one of them twice, matches the same articles.
    again = reader.get(URL, {"tag": [t.pk for t in reversed(chosen)] + [chosen[0].pk]})
    assert set(result_ids(again.text)) == expected


def test_at_the_cap_another_tag_is_not_offered(reader, tagged):
    tags, _articles = tagged
    page = reader.get(URL, {"tag": [t.pk for t in tags[:10]]}).text
    assert "A search combines at most 10 tags." in page
    assert 'data-facet-full="tag"' in page
    offered = re.findall(r'href="\?([^"]*)"[^>]*data-facet="tag"', page)
    assert all(html.unescape(link).count("tag=") <= 10 for link in offered)


def test_tag_filters_cost_one_subquery_however_many_tags(reader, tagged):
    tags, _articles = tagged

    def sql(count: int) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            assert reader.get(URL, {"tag": [t.pk for t in tags[:count]]}).status_code == 200
        return len(queries), " ".join(q["sql"] for q in queries)

    two_queries, two = sql(2)
    ten_queries, ten = sql(10)
    assert two_queries == ten_queries
    # One GROUP BY ... HAVING over the chosen tags' rows, not one EXISTS per tag.
    assert ten.count("EXISTS") == two.count("EXISTS")
    assert "HAVING COUNT" in ten


def test_article_search_refuses_too_many_tags_itself():
    with pytest.raises(ValueError, match="at most 10 tags"):
        ArticleSearch({"tag": list(range(1, 12))})
