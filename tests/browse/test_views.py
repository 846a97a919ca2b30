"""Tag, search, entity and speaker pages: who may do what, CSRF, the list's additions, costs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.browse import urls as browse_urls
from articles.models import Article, Entity, EntityAlias, Quote, ReviewState, Tag
from articles.tags import urls as tag_urls
from tests.conftest import add_mention

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- Helpers -------------------------------------------------------------------------------------


def add_quote(article: Article, speaker: Entity, text: str = "We will win.", **fields) -> Quote:
    start = Quote.objects.filter(article=article).count() * 20
    return Quote.objects.create(
        article=article, speaker=speaker, start=start, end=start + len(text), text=text, **fields
    )


def person(name: str, label: str = "PERSON") -> Entity:
    return Entity.objects.create(name=name, label=label, key=name.lower())


@dataclass
class World:
    article: Article
    tag: Tag
    entity: Entity
    placeholders: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def world(make_article) -> World:
    article = make_article(title="Harbour reopens")
    tag = Tag.objects.create(name="Harbours")
    entity = person("Ada Lovelace")
    add_mention(article, entity)
    add_quote(article, entity)
    return World(article, tag, entity, {"<pk>": article.pk, "<tag>": tag.pk, "<entity>": entity.pk})


# --- Permission matrix ---------------------------------------------------------------------------

ROLES = ("anonymous", "nobody", "editor", "reviewer", "admin")


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    expected: str  # one word per role, in the order of ROLES: a status code, "L" or "R"
    kwargs: tuple[tuple[str, str], ...] = ()
    data: tuple[tuple[str, str], ...] = ()

    def url(self, world: World) -> str:
        kwargs = {key: world.placeholders.get(value, value) for key, value in self.kwargs}
        return reverse(self.name, kwargs=kwargs)

    def payload(self, world: World) -> dict[str, str]:
        return {key: str(world.placeholders.get(value, value)) for key, value in self.data}


PK = (("pk", "<pk>"),)
TAG = (("pk", "<tag>"),)
PK_TAG = (("pk", "<pk>"), ("tag_pk", "<tag>"))
ENTITY = (("pk", "<entity>"),)
NAME = (("name", "Ports"),)
BULK = (("name", "Ports"), ("articles", "<pk>"))
# L: redirected to log in; R: redirected elsewhere (done). Reading needs articles.view_article
# (every role); tagging needs tag_article or add/change/delete_tag (editors and admins).
MATRIX = [
    #                                              anon  nobody editor reviewer admin
    Route("articles:list", "GET",                 "L     403    200    200      200"),
    Route("articles:search", "GET",               "L     403    200    200      200"),
    Route("articles:search-quotes", "GET",        "L     403    200    200      200"),
    Route("articles:tags", "GET",                 "L     403    200    200      200"),
    Route("articles:tag-create", "GET",           "L     405    405    405      405"),
    Route("articles:tag-create", "POST",          "L     403    R      403      R", data=NAME),
    Route("articles:tag-rename", "GET",           "L     405    405    405      405", TAG),
    Route("articles:tag-rename", "POST",          "L     403    R      403      R", TAG, NAME),
    Route("articles:tag-delete", "GET",           "L     405    405    405      405", TAG),
    Route("articles:tag-delete", "POST",          "L     403    R      403      R", TAG),
    Route("articles:bulk-tag", "GET",             "L     405    405    405      405"),
    Route("articles:bulk-tag", "POST",            "L     403    R      403      R", data=BULK),
    Route("articles:article-tags", "GET",         "L     403    200    200      200", PK),
    Route("articles:article-tag-add", "GET",      "L     405    405    405      405", PK),
    Route("articles:article-tag-add", "POST",     "L     403    R      403      R", PK, NAME),
    Route("articles:article-tag-remove", "GET",   "L     405    405    405      405", PK_TAG),
    Route("articles:article-tag-remove", "POST",  "L     403    R      403      R", PK_TAG),
    Route("articles:entities", "GET",             "L     403    200    200      200"),
    Route("articles:entity", "GET",               "L     403    200    200      200", ENTITY),
    Route("articles:speakers", "GET",             "L     403    200    200      200"),
    Route("articles:export", "GET",               "L     403    200    200      200"),
]  # fmt: skip


def matrix_cases():
    for route in MATRIX:
        for role, expected in zip(ROLES, route.expected.split(), strict=True):
            expected = int(expected) if expected.isdigit() else expected
            yield pytest.param(route, role, expected, id=f"{route.method} {route.name} {role}")


@pytest.fixture
def role_client(make_user):
    def make(role: str) -> Client:
        client = Client()
        if role != "anonymous":
            group = None if role == "nobody" else role
            client.force_login(make_user(group, is_staff=role == "admin"))
        return client

    return make


@pytest.mark.parametrize(("route", "role", "expected"), list(matrix_cases()))
def test_permission_matrix(route, role, expected, role_client, world):
    client = role_client(role)
    response = getattr(client, route.method.lower())(route.url(world), route.payload(world))
    location = response.get("Location", "")
    if expected == "L":
        assert response.status_code == 302
        assert location.startswith(reverse("login"))
    elif expected == "R":
        assert response.status_code == 302
        assert not location.startswith(reverse("login"))
    else:
        assert response.status_code == expected


def test_every_browse_url_is_in_the_matrix():
    patterns = browse_urls.urlpatterns + tag_urls.urlpatterns
    names = {f"articles:{p.name}" for p in patterns}
    assert names - {route.name for route in MATRIX} == set()
    posts = {route.name for route in MATRIX if route.method == "POST"}
    assert posts == {name for name, *_ in POST_ENDPOINTS}


@pytest.mark.parametrize("role", ["nobody", "reviewer"])
def test_refused_tag_writes_change_nothing(role, role_client, world):
    client = role_client(role)
    world.article.tags.add(world.tag)
    for route in MATRIX:
        if route.method == "POST":
            assert client.post(route.url(world), route.payload(world)).status_code == 403
    assert list(Tag.objects.values_list("name", flat=True)) == ["Harbours"]
    assert list(world.article.tags.all()) == [world.tag]


# --- CSRF ----------------------------------------------------------------------------------------

POST_ENDPOINTS = [
    ("articles:tag-create", (), NAME),
    ("articles:tag-rename", TAG, NAME),
    ("articles:tag-delete", TAG, ()),
    ("articles:bulk-tag", (), BULK),
    ("articles:article-tag-add", PK, NAME),
    ("articles:article-tag-remove", PK_TAG, ()),
]


@pytest.fixture
def csrf_client(make_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("admin", is_staff=True))
    page = client.get(reverse("articles:tags")).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    return client, token


def snapshot(world: World) -> tuple:
    return (
        sorted(Tag.objects.values_list("name", flat=True)),
        sorted(world.article.tags.values_list("name", flat=True)),
    )


@pytest.mark.parametrize(("name", "kwargs", "data"), POST_ENDPOINTS, ids=lambda v: str(v))
def test_post_without_csrf_token_is_refused(name, kwargs, data, csrf_client, world):
    client, _token = csrf_client
    world.article.tags.add(world.tag)
    before = snapshot(world)
    route = Route(name, "POST", "", kwargs, data)
    response = client.post(route.url(world), route.payload(world))
    assert response.status_code == 403
    assert snapshot(world) == before


@pytest.mark.parametrize("via", ["form-field", "header"])
@pytest.mark.parametrize(("name", "kwargs", "data"), POST_ENDPOINTS, ids=lambda v: str(v))
def test_post_with_csrf_token_is_accepted(name, kwargs, data, via, csrf_client, world):
    client, token = csrf_client
    world.article.tags.add(world.tag)
    before = snapshot(world)
    route = Route(name, "POST", "", kwargs, data)
    payload = route.payload(world)
    if via == "header":
        response = client.post(route.url(world), payload, headers={"X-CSRFToken": token})
    else:
        response = client.post(route.url(world), {**payload, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert snapshot(world) != before


# --- Article list: tags, tag filter, bulk bar, search box ----------------------------------------


def row_ids(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr id="article-(\d+)">', page)]


def test_list_filters_by_tag_and_shows_tags(role_client, make_article):
    climate = Tag.objects.create(name="Climate")
    tagged, other = make_article(title="Floods"), make_article(title="Budget")
    tagged.tags.add(climate)
    client = role_client("reviewer")
    page = client.get(reverse("articles:list"), {"tag": climate.pk}).text
    assert row_ids(page) == [tagged.pk]
    assert f'<option value="{climate.pk}" selected>Climate (1)</option>' in page
    everything = client.get(reverse("articles:list")).text
    assert row_ids(everything) == [other.pk, tagged.pk]
    assert f'href="/?tag={climate.pk}">Climate</a>' in everything
    # The tag filter is kept across pages, with the others.
    assert row_ids(client.get("/", {"tag": climate.pk, "status": "queued"}).text) == [tagged.pk]
    assert len(row_ids(client.get("/", {"tag": "nonsense"}).text)) == 2


def test_list_offers_search_and_bulk_tagging_to_editors_only(role_client, make_article):
    make_article()
    editor_page = role_client("editor").get(reverse("articles:list")).text
    assert f'action="{reverse("articles:search")}"' in editor_page
    assert 'id="bulk-tag"' in editor_page
    assert 'name="articles"' in editor_page
    reviewer_page = role_client("reviewer").get(reverse("articles:list")).text
    assert f'action="{reverse("articles:search")}"' in reviewer_page
    assert 'id="bulk-tag"' not in reviewer_page
    assert 'name="articles"' not in reviewer_page


def test_bulk_tag_from_the_list_returns_to_the_same_page(role_client, make_article):
    chosen = [make_article(), make_article()]
    left_out = make_article()
    chosen[0].tags.add(Tag.objects.create(name="Ports"))
    client = role_client("editor")
    response = client.post(
        reverse("articles:bulk-tag"),
        {"articles": [a.pk for a in chosen], "name": "  ports ", "next": "/?status=queued&page=1"},
        follow=True,
    )
    assert response.redirect_chain[0][0] == "/?status=queued&page=1"
    assert "Tagged 1 article “Ports” (1 already had it)." in response.text
    assert Tag.objects.count() == 1
    for article in chosen:
        assert list(article.tags.values_list("name", flat=True)) == ["Ports"]
    assert not left_out.tags.exists()


def test_bulk_tag_creates_the_tag_and_refuses_foreign_next(role_client, make_article):
    article = make_article()
    client = role_client("editor")
    response = client.post(
        reverse("articles:bulk-tag"),
        {"articles": [article.pk, 999999], "name": "Elections", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("articles:list")
    assert list(article.tags.values_list("name", flat=True)) == ["Elections"]


@pytest.mark.parametrize(
    "next_url", ["²", "articles:list", "search", "/\x00", "//evil.example/", "javascript:x"]
)
def test_bulk_tag_goes_back_only_to_a_path_of_this_site(role_client, make_article, next_url):
    # redirect() takes a bare word for a view name: "²" once raised NoReverseMatch (500).
    article = make_article()
    for data in ({"articles": [article.pk], "name": "Ports"}, {"name": ""}):
        response = role_client("editor").post(
            reverse("articles:bulk-tag"), {**data, "next": next_url}
        )
        assert (response.status_code, response["Location"]) == (302, reverse("articles:list"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Ports"}, "Select at least one article."),
        ({"name": "  ", "articles": ["1"]}, "This field is required."),
        ({"name": "x" * 81, "articles": ["1"]}, "at most 80 characters"),
    ],
)
def test_bulk_tag_refuses_bad_input(role_client, data, message):
    response = role_client("editor").post(reverse("articles:bulk-tag"), data, follow=True)
    assert message in response.text
    assert not Tag.objects.exists()


def test_list_queries_with_tags_do_not_grow(role_client, make_article):
    tags = [Tag.objects.create(name=f"T{n}") for n in range(3)]
    client = role_client("editor")

    def add(count: int) -> None:
        for _ in range(count):
            make_article().tags.add(*tags)

    def count_queries(**params) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("articles:list"), params).status_code == 200
        return len(queries)

    add(5)
    five = (count_queries(), count_queries(tag=tags[0].pk))
    add(25)
    assert (count_queries(), count_queries(tag=tags[0].pk)) == five
    # Session, user, user and group permissions, count, page (with tags), outlets, tags; and
    # while articles wait for extraction (these do), "N of M extracted": waiting, added since.
    assert five[0] == 10


# --- Entity pages --------------------------------------------------------------------------------


def test_entity_page_lists_articles_aliases_and_quotes(role_client, make_article):
    ada = person("Ada Lovelace")
    EntityAlias.objects.create(entity=ada, name="Countess of Lovelace", key="countess")
    first, second, unrelated = make_article(title="Engines"), make_article(title="Poems"), None
    unrelated = make_article(title="Unrelated")
    add_mention(first, ada, 3)
    add_mention(second, ada, 1)
    add_mention(unrelated, ada, 1, status=ReviewState.REJECTED)
    add_quote(first, ada, "The engine weaves algebraic patterns.")
    add_quote(second, ada, "Rejected words.", status=ReviewState.REJECTED)
    page = role_client("editor").get(ada.get_absolute_url()).text
    assert "Countess of Lovelace" in page
    assert "Engines" in page and "Poems" in page
    assert "Unrelated" not in page  # its only mention was rejected in review
    assert "3 mentions" in page
    assert "The engine weaves algebraic patterns." in page
    assert "Rejected words." not in page
    assert "Quotes from Ada Lovelace" in page


def test_entity_page_without_quotes_for_places(role_client, make_article):
    place = person("Harbourtown", label="GPE")
    add_mention(make_article(), place)
    page = role_client("reviewer").get(place.get_absolute_url()).text
    assert "Articles mentioning Harbourtown" in page
    assert "Quotes from" not in page


def test_entity_page_paginates_both_lists_and_htmx_gets_a_section(role_client, make_article):
    ada = person("Ada Lovelace")
    for _ in range(30):
        article = make_article()
        add_mention(article, ada)
        add_quote(article, ada)
    client = role_client("editor")
    page = client.get(ada.get_absolute_url()).text
    assert "Page 1 of 2" in page
    assert 'href="?page=2"' in page and 'href="?qpage=2"' in page
    second = client.get(ada.get_absolute_url(), {"page": 2, "qpage": 2}).text
    assert 'href="?qpage=2&amp;page=1"' in second or 'href="?page=2&amp;qpage=1"' in second
    partial = client.get(
        ada.get_absolute_url(),
        {"qpage": 2},
        headers={"HX-Request": "true", "HX-Target": "entity-quotes"},
    )
    assert partial.text.lstrip().startswith('<section id="entity-quotes"')
    assert partial.text.count('class="quote-card"') == 5


def test_missing_entity_is_404(role_client):
    assert role_client("editor").get(reverse("articles:entity", args=[98765])).status_code == 404


def test_entities_index_filters_by_type_and_name_or_alias(role_client, make_article):
    article = make_article()
    ada, paris = person("Ada Lovelace"), person("Paris", label="GPE")
    EntityAlias.objects.create(entity=ada, name="Countess of Lovelace", key="countess")
    add_mention(article, ada, 2)
    add_mention(article, paris, 5)
    person("Never Mentioned")
    client = role_client("reviewer")
    page = client.get(reverse("articles:entities")).text
    assert page.index("Paris") < page.index("Ada Lovelace")  # most mentioned first
    assert "Never Mentioned" not in page
    people = client.get(reverse("articles:entities"), {"label": "PERSON"}).text
    assert "Ada Lovelace" in people and ">Paris<" not in people
    by_alias = client.get(reverse("articles:entities"), {"q": "countess"}).text
    assert "Ada Lovelace" in by_alias and ">Paris<" not in by_alias
    by_name = client.get(reverse("articles:entities"), {"sort": "name"}).text
    assert by_name.index("Ada Lovelace") < by_name.index("Paris")


def test_speakers_directory_counts_and_sorts(role_client, make_article):
    ada, bob = person("Ada Lovelace"), person("Bob Babbage")
    first, second = make_article(), make_article()
    add_quote(first, ada, "One.")
    add_quote(first, bob, "Two.")
    add_quote(second, bob, "Three.")
    add_quote(second, bob, "Withdrawn.", status=ReviewState.REJECTED)
    person("Silent Sam")
    client = role_client("editor")
    page = client.get(reverse("articles:speakers")).text
    assert page.index("Bob Babbage") < page.index("Ada Lovelace")
    assert "Silent Sam" not in page
    bob_row = re.search(rf'<tr id="speaker-{bob.pk}">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'<td class="num"[^>]*>(\d+)</td>', bob_row) == ["2", "2"]
    by_name = client.get(reverse("articles:speakers"), {"sort": "name"}).text
    assert by_name.index("Ada Lovelace") < by_name.index("Bob Babbage")
    only_ada = client.get(reverse("articles:speakers"), {"q": "ada"}).text
    assert "Ada Lovelace" in only_ada and "Bob Babbage" not in only_ada


def test_hostile_entity_names_and_quotes_are_escaped(role_client, make_article):
    evil = person('<script>alert(1)</script>"><img src=x onerror=alert(1)>')
    article = make_article()
    add_mention(article, evil)
    add_quote(article, evil, "<img src=x onerror=alert(2)>")
    client = role_client("editor")
    for url in (
        evil.get_absolute_url(),
        reverse("articles:entities"),
        reverse("articles:speakers"),
        reverse("articles:article-tags", args=[article.pk]),
    ):
        text = client.get(url).text
        assert "<img" not in text and "<script>alert" not in text, url


# --- Query counts --------------------------------------------------------------------------------


def queries_for(client: Client, url: str, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries)


@pytest.fixture
def grow(make_article):
    """Add articles, each tagged, mentioning and quoting the same people."""
    ada, bob = person("Ada Lovelace"), person("Bob Babbage", label="ORG")
    tag = Tag.objects.create(name="Engines")

    def add(count: int) -> None:
        for _ in range(count):
            article = make_article(outlet="Gazette")
            article.tags.add(tag, Tag.objects.create(name=f"Tag {Tag.objects.count()}"))
            add_mention(article, ada, 2)
            add_mention(article, bob)
            add_quote(article, ada)
            add_quote(article, person(f"Speaker {Entity.objects.count()}"))

    add.ada, add.tag = ada, tag
    return add


@pytest.mark.parametrize(
    "page",
    [
        "entity",
        "entity-page-2",
        "entities",
        "speakers",
        "speakers-by-recent",
        "tags",
        "article-tags",
    ],
)
def test_browse_pages_issue_a_fixed_number_of_queries(page, role_client, grow, make_article):
    client = role_client("editor")
    grow(5)
    article = make_article()
    urls = {
        "entity": (grow.ada.get_absolute_url(), {}),
        "entity-page-2": (grow.ada.get_absolute_url(), {"page": 2, "qpage": 2}),
        "entities": (reverse("articles:entities"), {"label": "PERSON"}),
        "speakers": (reverse("articles:speakers"), {}),
        "speakers-by-recent": (reverse("articles:speakers"), {"sort": "recent", "q": "e"}),
        "tags": (reverse("articles:tags"), {}),
        "article-tags": (reverse("articles:article-tags", args=[article.pk]), {}),
    }
    url, params = urls[page]
    add_mention(article, grow.ada, 3)
    with_five = queries_for(client, url, **params)
    grow(30)
    assert queries_for(client, url, **params) == with_five
    # Session, user, user and group permissions, then the page's own few.
    assert with_five <= 10


# --- Page numbers and invalid filters ------------------------------------------------------------

PAGED = [
    ("articles:list", {}, "page"),
    ("articles:entities", {}, "page"),
    ("articles:speakers", {}, "page"),
    ("articles:entity", ENTITY, "page"),
    ("articles:entity", ENTITY, "qpage"),
    ("articles:review-queue", {}, "page"),
]


@pytest.mark.parametrize(("name", "kwargs", "param"), PAGED, ids=lambda v: str(v))
@pytest.mark.parametrize("page", ["501", "9" * 5000, "0" * 10 + "1000"])
def test_pages_past_the_cap_are_refused_with_a_message(
    role_client, world, name, kwargs, param, page
):
    url = Route(name, "GET", "", tuple(kwargs)).url(world)
    response = role_client("reviewer").get(url, {param: page})
    assert response.status_code == 400
    assert "Only the first 500 pages can be shown." in response.text


@pytest.mark.parametrize(("name", "kwargs", "param"), PAGED, ids=lambda v: str(v))
@pytest.mark.parametrize("page", ["²", "١٢", "x", "-1", "0", "\x00", "500", "00002"])
def test_pages_that_are_no_number_or_past_the_end_answer_a_real_page(
    role_client, world, name, kwargs, param, page
):
    url = Route(name, "GET", "", tuple(kwargs)).url(world)
    assert role_client("reviewer").get(url, {param: page}).status_code == 200


@pytest.mark.parametrize(
    ("name", "params", "ignored"),
    [
        ("articles:list", {"tag": "²", "outlet": "a\x00b"}, ["Tag ignored", "Outlet ignored"]),
        ("articles:list", {"tag": "9" * 30}, ["Tag ignored"]),
        ("articles:entities", {"q": "a\x00", "label": "x" * 30}, ["Name ignored", "Type ignored"]),
        ("articles:speakers", {"q": "x" * 300, "sort": "bogus"}, ["Name ignored", "Sort order"]),
    ],
)
def test_invalid_filters_are_ignored_and_said(role_client, world, name, params, ignored):
    response = role_client("reviewer").get(reverse(name), params)
    assert response.status_code == 200
    notice = re.search(r'data-testid="ignored">(.*?)</div>', response.text, re.S).group(1)
    assert all(line in notice for line in ignored)


def test_list_keeps_its_valid_filters_when_another_is_invalid(role_client, world, make_article):
    make_article(title="Elsewhere", outlet="Other")
    world.article.outlet = "Gazette"
    world.article.save()
    page = role_client("reviewer").get(reverse("articles:list"), {"outlet": "Gazette", "tag": "x"})
    assert "Harbour reopens" in page.text
    assert "Elsewhere" not in page.text
