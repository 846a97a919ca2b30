"""The sources dashboard: every figure of a small archive, worked out by hand; query counts;
permissions; the CSV downloads."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.sources.queries import SourcesQuery
from tests.sources import fixture

pytestmark = pytest.mark.django_db
URL = "/sources/"


@pytest.fixture
def archive():
    return fixture.build()


def test_headline_figures_and_shares(archive):
    # Standing quotes outside the trash: A1 q1-q5 (q6 rejected), A2 q1-q3 = 8; A3 is trashed.
    f = SourcesQuery({}).figures()
    assert (f.quotes, f.reviewed_quotes) == (8, 3)  # reviewed: Jane q1, Acme q4, Ann A2q1
    assert (f.speakers, f.reviewed_speakers) == (4, 3)  # Jane, Bob, Ann, Acme; Bob unreviewed
    kinds = {r.value: (r.quotes, r.reviewed, r.unreviewed) for r in f.kinds.rows}
    assert kinds == {
        "person": (5, 2, 3),
        "organisation": (1, 1, 0),
        "described": (1, 0, 1),
        "unknown": (1, 0, 1),
    }
    assert f.kinds.row("person").share == 5 / 8
    # People's quotes (named + described) = 6: Jane 3 confirmed woman, Bob 1 suggested man,
    # Ann 1 and the spokeswoman 1 unknown.
    genders = {r.value: (r.quotes, r.confirmed, r.suggested, r.reviewed) for r in f.genders.rows}
    assert genders == {
        "woman": (3, 3, 0, 1),
        "man": (1, 0, 1, 0),
        "non-binary": (0, 0, 0, 0),
        "unknown": (2, 0, 0, 1),
    }
    assert f.genders.row("woman").share == 0.5
    assert f.genders.row("woman").reviewed_share == 0.5  # 1 of the 2 reviewed people's quotes
    assert f.genders.row("woman").unreviewed_share == 2 / 3
    roles = {r.value: (r.quotes, r.confirmed, r.suggested) for r in f.roles.rows if r.quotes}
    assert roles == {"politician": (3, 3, 0), "expert": (1, 0, 1), "unknown": (2, 0, 0)}


def test_top_speakers_outlets_tags_and_time(archive):
    f = SourcesQuery({}).figures()
    jane = f.people[0]
    assert (jane["speaker__name"], jane["quotes"], jane["articles"]) == ("Jane Holloway", 3, 2)
    assert (jane["first_seen"], jane["last_seen"]) == (
        datetime.date(2026, 3, 2),
        datetime.date(2026, 3, 10),
    )
    assert [p["speaker__name"] for p in f.people] == ["Jane Holloway", "Ann Lee", "Bob Marsh"]
    assert [(o["speaker__name"], o["quotes"]) for o in f.organisations] == [("Acme", 1)]
    outlets = {s.label: s.counts for s in f.by_outlet}
    assert outlets == {
        "Wire": {"woman:confirmed": 2, "man:suggested": 1, "unknown": 1},
        "Ledger": {"woman:confirmed": 1, "unknown": 1},
    }
    assert [(s.label, s.total) for s in f.by_tag] == [("Politics", 4)]
    # Eight days of quotes: counted by week (weeks start on Monday 2 and 9 March).
    assert f.unit == "week"
    assert [(s.key, s.total) for s in f.over_time] == [("2026-03-02", 4), ("2026-03-09", 2)]
    assert f.over_time[0].params == {"since": "2026-03-02", "until": "2026-03-08"}


def test_filters_basis_and_new_voices(archive):
    wire = SourcesQuery({"outlet": "Wire"}).figures()
    assert (wire.quotes, wire.speakers) == (5, 3)  # A1 only: Jane, Bob, Acme
    tagged = SourcesQuery({"tag": [archive["politics"].pk]}).figures()
    assert tagged.quotes == 5
    reviewed = SourcesQuery({"basis": "reviewed"}).figures()
    assert (reviewed.quotes, reviewed.reviewed_quotes) == (8, 3)  # the headline shows both
    assert [(p["speaker__name"], p["quotes"]) for p in reviewed.people] == [
        ("Ann Lee", 1),
        ("Jane Holloway", 1),
    ]
    later = SourcesQuery({"since": datetime.date(2026, 3, 5)}).figures()
    # Quoted from 5 March: Ann and Jane (A2); Jane was first quoted on 2 March, Ann is new.
    assert [v["speaker__name"] for v in later.new_voices] == ["Ann Lee"]
    assert later.new_voice_count == 1
    assert later.quotes == 3


def test_rejected_quotes_and_the_trash_never_count(archive):
    before = SourcesQuery({}).figures()
    fixture.Article.objects.filter(pk=archive["a2"].pk).update(deleted_at=fixture.timezone.now())
    fixture.Quote.objects.filter(speaker=archive["acme"]).update(status="rejected")
    after = SourcesQuery({}).figures()
    assert (before.quotes, after.quotes) == (8, 4)  # A1's q1, q2, q3, q5
    assert after.organisations == []


def test_page_shows_the_figures(client_for, archive):
    response = client_for("editor").get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="quotes-all">8<' in html
    assert 'data-testid="quotes-reviewed">3<' in html
    assert 'data-testid="women-share">50%' in html
    assert reverse("articles:search") + "?outlet=Wire" in html
    assert "<svg" in html and "<table" in html
    wire = client_for("editor").get(URL, {"outlet": "Wire"}).content.decode()
    # A speaker's quote count links to their quotes under the same filters.
    assert f"/search/?outlet=Wire&amp;speaker={archive['jane'].pk}" in wire


def test_the_quotes_behind_the_dashboard_export_with_its_filters(client_for, archive):
    client = client_for("editor")
    html = client.get(URL, {"outlet": "Wire", "basis": "reviewed"}).content.decode()
    assert f'action="{reverse("articles:export")}"' in html
    # The export form carries the search's own filters, not the dashboard's switch.
    assert '<input type="hidden" name="outlet" value="Wire">' in html
    assert 'name="basis"' not in html.split('class="export__form"')[1].split("</form>")[0]
    response = client.get(reverse("articles:export"), {"outlet": "Wire", "format": "csv"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows and {row["outlet"] for row in rows} == {"Wire"}


@pytest.mark.parametrize(
    ("role", "status"), [(None, 302), ("editor", 200), ("reviewer", 200), ("admin", 200)]
)
def test_every_role_may_read(client_for, archive, role, status):
    client = client_for(role)
    for url in (URL, "/sources/speakers.csv", "/sources/data/genders.csv"):
        assert client.get(url).status_code == status


def test_an_account_without_a_role_is_refused(client, make_user, archive):
    client.force_login(make_user(None))
    assert client.get(URL).status_code == 403
    assert client.get("/sources/speakers.csv").status_code == 403


def test_bad_filters_are_said_not_500(client_for, archive):
    client = client_for("editor")
    response = client.get(URL, {"since": "not a date", "tag": "x"})
    assert response.status_code == 200
    assert "Start date ignored" in response.content.decode()
    too_many = client.get(URL, {"tag": [str(i) for i in range(1, 13)]})
    assert too_many.status_code == 400
    assert client.get("/sources/data/nothing.csv").status_code == 404
    assert client.post(URL).status_code == 405


def _count_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, {"outlet": "Wire", "since": "2026-01-01"}).status_code == 200
    return len(queries)


def test_queries_do_not_grow_with_the_archive(client_for, archive, settings):
    settings.NEWSROOM_SOURCES_CACHE_SECONDS = 0
    client = client_for("editor")
    client.get(URL)  # the session and permission caches
    few = _count_queries(client)
    for n in range(5):
        art = fixture.article(f"More {n}", "Wire", datetime.date(2026, 4, n + 1))
        for i in range(4):
            person = fixture.Entity.objects.create(
                name=f"P {n} {i}", label="PERSON", key=f"p{n}{i}"
            )
            fixture.quote(art, i + 1, fixture.U, person)
    assert _count_queries(client) == few
    # Session, user, permissions, the transaction and its settings, 3 figure queries, the
    # outlet and tag lists.
    assert few <= 12


def _rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_speakers_csv(client_for, archive):
    archive["acme"].name = "=HYPERLINK(1)"
    archive["acme"].save()
    rows = _rows(client_for("editor").get("/sources/speakers.csv"))
    assert rows[0] == ["speaker", "entity_id", "kind", "gender", "role", "quotes", "articles"]
    assert rows[1] == [
        "Jane Holloway",
        str(archive["jane"].pk),
        "person",
        "woman",
        "politician",
        "3",
        "2",
    ]
    assert ["'=HYPERLINK(1)", str(archive["acme"].pk), "organisation", "", "", "1", "1"] in rows
    assert len(rows) == 5
    wire = _rows(client_for("editor").get("/sources/speakers.csv", {"outlet": "Ledger"}))
    assert [r[0] for r in wire[1:]] == ["Ann Lee", "Jane Holloway"]


def test_chart_csv(client_for, archive):
    rows = _rows(client_for("editor").get("/sources/data/outlets.csv"))
    assert rows[0][:3] == ["outlet", "quotes", "woman_confirmed"]
    assert rows[1][:3] == ["Wire", "4", "2"]
    genders = _rows(client_for("editor").get("/sources/data/genders.csv"))
    assert genders[1][:6] == ["Woman", "3", "0.5000", "2", "3", "0"]


def test_cached_figures_follow_confirmations(client_for, archive, reviewer, settings):
    settings.NEWSROOM_SOURCES_CACHE_SECONDS = 300
    client = client_for("editor")
    assert 'data-testid="women-share">50%' in client.get(URL).content.decode()
    with CaptureQueriesContext(connection) as cached:
        html = client.get(URL).content.decode()
    assert 'data-testid="women-share">50%' in html
    sql = " ".join(query["sql"] for query in cached.captured_queries)
    assert "GROUPING" not in sql and "articles_quote" not in sql  # no figure recomputed
    bob = archive["bob"]
    from articles.sources import attributes

    attributes.confirm(bob.pk, bob.version, reviewer, gender="woman")
    # Bob's quote now counts as a woman's, at once: 4 of the 6 people's quotes.
    assert 'data-testid="women-share">67%' in client.get(URL).content.decode()
