"""/export/: the list's and search's filters, CSV rows, JSONL, spaCy DocBin, streaming."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from spacy.tokens import DocBin
from spacy.vocab import Vocab

from articles.browse.exporting import ARTICLE_COLUMNS, CSV_COLUMNS, MENTION_COLUMNS
from articles.models import Article, Entity, Mention, Origin, Quote, ReviewState, Tag

pytestmark = pytest.mark.django_db

BODY = (
    "Mayor Ada Quayle opened the harbour in Porto.\n\n"
    "“The harbour is open again,” Quayle said. Bo Lind's crew disagreed, Lind said."
)


WHY_LIND = "“Lind” is Bo Lind, named in full as “Bo Lind” earlier in the sentence."


def span(text: str, part: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(part, start + 1)
    return start, start + len(part)


@pytest.fixture
def archive(make_article) -> dict:
    ports = Tag.objects.create(name="Ports")
    harbour = make_article(
        body=BODY, title="=Harbour opens", outlet="Gazette", status=Article.Status.EXTRACTED
    )
    harbour.tags.add(ports)
    other = make_article(body="Nothing here, said nobody.", title="Other", outlet="Ledger")
    ada = Entity.objects.create(name="Ada Quayle", label="PERSON", key="ada quayle")
    bo = Entity.objects.create(name="Bo Lind", label="PERSON", key="bo lind")
    porto = Entity.objects.create(name="Porto", label="GPE", key="porto")
    mentions = {}
    for name, entity, part, status in [
        ("ada", ada, "Ada Quayle", ReviewState.ACCEPTED),
        ("porto", porto, "Porto", ReviewState.UNREVIEWED),
        ("bo", bo, "Bo Lind", ReviewState.REJECTED),
    ]:
        start, end = span(BODY, part)
        mentions[name] = Mention.objects.create(
            article=harbour, entity=entity, start=start, end=end, text=part, label=entity.label,
            status=status,
        )  # fmt: skip
    q_start, q_end = span(BODY, "“The harbour is open again,”")
    s_start, s_end = span(BODY, "Quayle", 1)
    accepted = Quote.objects.create(
        article=harbour, start=q_start, end=q_end, text=BODY[q_start:q_end], speaker=ada,
        speaker_text="Quayle", speaker_start=s_start, speaker_end=s_end, cue="said",
        status=ReviewState.ACCEPTED, confidence=0.9,
    )  # fmt: skip
    c_start, c_end = span(BODY, "Bo Lind's crew disagreed")
    machine = Quote.objects.create(
        article=harbour, start=c_start, end=c_end, text=BODY[c_start:c_end], speaker=bo,
        kind="indirect", category="attribution", confidence=0.3, speaker_evidence=WHY_LIND,
    )  # fmt: skip
    r_start, r_end = span(BODY, "opened the harbour")
    rejected = Quote.objects.create(
        article=harbour, start=r_start, end=r_end, text=BODY[r_start:r_end],
        status=ReviewState.REJECTED, origin=Origin.MACHINE,
    )  # fmt: skip
    return {
        "harbour": harbour,
        "other": other,
        "ports": ports,
        "ada": ada,
        "bo": bo,
        "mentions": mentions,
        "accepted": accepted,
        "machine": machine,
        "rejected": rejected,
    }


def download(client, **params) -> tuple[object, bytes]:
    response = client.get(reverse("articles:export"), params)
    assert response.status_code == 200, response.content[:500]
    assert isinstance(response, StreamingHttpResponse)
    assert "attachment" in response["Content-Disposition"]
    return response, b"".join(response.streaming_content)


def csv_rows(client, **params) -> list[dict]:
    _, body = download(client, format="csv", **params)
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"), newline="")))


def test_quote_rows_carry_the_issues_columns_and_are_formula_safe(client_for, archive):
    rows = csv_rows(client_for("reviewer"), rows="quotes")
    assert {row["quote_id"] for row in rows} == {
        str(archive["accepted"].pk),
        str(archive["machine"].pk),
    }
    row = next(row for row in rows if row["quote_id"] == str(archive["accepted"].pk))
    assert row["title"] == "'=Harbour opens"  # a spreadsheet would have run it
    assert (row["outlet"], row["speaker"], row["speaker_entity_id"]) == (
        "Gazette",
        "Ada Quayle",
        str(archive["ada"].pk),
    )
    assert (row["type"], row["category"], row["cue"], row["origin"], row["status"]) == (
        "direct",
        "quote",
        "said",
        "machine",
        "accepted",
    )
    assert row["speaker_evidence"] == ""  # named where it speaks
    machine = next(row for row in rows if row["quote_id"] == str(archive["machine"].pk))
    assert machine["speaker_evidence"] == WHY_LIND


def test_the_csv_header_is_the_same_for_every_rows_choice(client_for, archive):
    client = client_for("editor")
    for rows, columns in [
        ("quotes", CSV_COLUMNS),
        ("articles", ARTICLE_COLUMNS),
        ("mentions", MENTION_COLUMNS),
    ]:
        _, body = download(client, format="csv", rows=rows, outlet="Nowhere")
        assert body.decode().splitlines() == [",".join(columns)]


def test_reviewed_only_and_rejected_items(client_for, archive):
    client = client_for("reviewer")
    reviewed = csv_rows(client, rows="quotes", items="reviewed")
    assert [row["quote_id"] for row in reviewed] == [str(archive["accepted"].pk)]
    with_rejected = csv_rows(client, rows="quotes", rejected="1")
    assert {row["status"] for row in with_rejected} == {"accepted", "unreviewed", "rejected"}
    mentions = csv_rows(client, rows="mentions", items="reviewed", rejected="1")
    assert sorted((row["mention"], row["status"]) for row in mentions) == [
        ("Ada Quayle", "accepted"),
        ("Bo Lind", "rejected"),
    ]


def test_article_rows_follow_the_lists_filters(client_for, archive):
    client = client_for("editor")
    rows = csv_rows(client, rows="articles", tag=archive["ports"].pk)
    assert [row["article_id"] for row in rows] == [str(archive["harbour"].pk)]
    assert (rows[0]["tags"], rows[0]["entities"], rows[0]["quotes"]) == ("Ports", "2", "2")
    rows = csv_rows(client, rows="articles", outlet="Ledger", status="queued", sort="oldest")
    assert [row["article_id"] for row in rows] == [str(archive["other"].pk)]


def test_search_text_and_the_entity_and_speaker_pages_filters(client_for, archive):
    client = client_for("reviewer")
    assert [r["article_id"] for r in csv_rows(client, rows="articles", q="harbour")] == [
        str(archive["harbour"].pk)
    ]
    assert csv_rows(client, rows="articles", q="zebra") == []
    # The speaker page's export: that speaker's quotes only.
    by_bo = csv_rows(client, rows="quotes", speaker=archive["bo"].pk)
    assert [row["quote_id"] for row in by_bo] == [str(archive["machine"].pk)]
    # The entity page's export: that entity's mentions only.
    of_ada = csv_rows(client, rows="mentions", entity=archive["ada"].pk)
    assert [row["mention"] for row in of_ada] == ["Ada Quayle"]


def test_jsonl_is_the_commands_format(client_for, archive):
    response, body = download(client_for("editor"), format="jsonl", tag=archive["ports"].pk)
    assert response["Content-Type"].startswith("application/x-ndjson")
    (record,) = [json.loads(line) for line in body.decode().splitlines()]
    assert record["id"] == archive["harbour"].pk and record["tags"] == ["Ports"]
    for item in record["entities"] + record["quotes"]:
        assert record["text"][item["start"] : item["end"]] == item["text"]
    evidence = {quote["id"]: quote["speaker_evidence"] for quote in record["quotes"]}
    assert evidence == {archive["accepted"].pk: "", archive["machine"].pk: WHY_LIND}


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"format": "pdf"}, "Format"),
        ({"rows": "words"}, "Rows"),
        ({"tag": "x"}, "Tags"),
        ({"since": "2024-02-30"}, "Start date"),
        ({"q": "x" * 501}, "too long"),
        ({"tag": [str(n) for n in range(1, 12)]}, "at most 10 tags"),
        ({"outlet": ["A", "B"]}, "one outlet at a time"),
    ],
)
def test_an_export_refuses_what_a_search_would_ignore(params, reason, client_for, archive):
    response = client_for("editor").get(reverse("articles:export"), params)
    assert response.status_code == 400
    assert reason in response.content.decode()


def test_a_spacy_export_over_the_cap_is_refused(client_for, archive, settings):
    settings.NEWSROOM_EXPORT_SPACY_MAX_ARTICLES = 1
    response = client_for("editor").get(reverse("articles:export"), {"format": "spacy"})
    assert response.status_code == 400 and "at most 1 articles" in response.content.decode()


def test_the_docbin_loads_and_its_spans_are_the_stored_items(client_for, archive):
    _, body = download(client_for("reviewer"), format="spacy", tag=archive["ports"].pk)
    (doc,) = DocBin().from_bytes(body).get_docs(Vocab())
    assert doc.text == BODY
    assert [(e.start_char, e.end_char, e.label_, e.kb_id_) for e in doc.ents] == [
        (m.start, m.end, m.label, str(m.entity_id))
        for m in (archive["mentions"]["ada"], archive["mentions"]["porto"])
    ]
    quotes = [(s.start_char, s.end_char, s.text, s.label_) for s in doc.spans["quotes"]]
    assert quotes == [
        (q.start, q.end, q.text, q.category) for q in (archive["machine"], archive["accepted"])
    ] or quotes == [
        (q.start, q.end, q.text, q.category) for q in (archive["accepted"], archive["machine"])
    ]
    accepted = archive["accepted"]
    (speaker,) = doc.spans["speakers"]
    assert (speaker.start_char, speaker.end_char, speaker.kb_id_) == (
        accepted.speaker_start,
        accepted.speaker_end,
        str(archive["ada"].pk),
    )
    assert "rejected_quotes" not in doc.spans
    details = doc.user_data["newsroom"]
    assert details["article_id"] == archive["harbour"].pk
    assert {q["id"] for q in details["quotes"]} == {accepted.pk, archive["machine"].pk}


def test_a_reviewed_docbin_with_negatives(client_for, archive):
    _, body = download(client_for("reviewer"), format="spacy", items="reviewed", rejected="1")
    docs = {
        doc.user_data["newsroom"]["article_id"]: doc
        for doc in DocBin().from_bytes(body).get_docs(Vocab())
    }
    doc = docs[archive["harbour"].pk]
    assert [e.text for e in doc.ents] == ["Ada Quayle"]
    assert [s.text for s in doc.spans["quotes"]] == [archive["accepted"].text]
    assert [s.text for s in doc.spans["rejected_quotes"]] == ["opened the harbour"]
    assert [s.text for s in doc.spans["rejected_entities"]] == ["Bo Lind"]
    assert not list(docs[archive["other"].pk].ents)


def test_the_trash_is_never_exported(client_for, archive):
    from django.utils import timezone

    Article.objects.filter(pk=archive["harbour"].pk).update(deleted_at=timezone.now())
    rows = csv_rows(client_for("editor"), rows="articles")
    assert [row["article_id"] for row in rows] == [str(archive["other"].pk)]


def test_queries_do_not_grow_with_the_articles(client_for, make_article, archive):
    client = client_for("editor")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            download(client, format="jsonl")
        return len(queries)

    few = count()
    for n in range(30):
        make_article(title=f"More {n}")
    assert count() == few


def test_the_command_takes_the_same_filters(archive, tmp_path):
    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command(
        "export_articles", "--format", "csv", "--rows", "articles", "--tag",
        str(archive["ports"].pk), stdout=out,
    )  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert [row["article_id"] for row in rows] == [str(archive["harbour"].pk)]
    target = tmp_path / "train.spacy"
    call_command("export_articles", "--format", "spacy", "--reviewed-only", "--output", str(target),
                 "--q", "harbour", verbosity=0)  # fmt: skip
    (doc,) = DocBin().from_disk(target).get_docs(Vocab())
    assert [e.text for e in doc.ents] == ["Ada Quayle"]
    with pytest.raises(CommandError, match="Start date"):
        call_command("export_articles", "--since", "2024-02-30", stdout=io.StringIO())


def test_the_pages_offer_exports_of_their_selection(client_for, archive):
    client = client_for("reviewer")
    listing = client.get(reverse("articles:list"), {"tag": archive["ports"].pk, "page": "1"})
    assert 'action="/export/"' in listing.text
    assert f'name="tag" value="{archive["ports"].pk}"' in listing.text
    assert 'name="page"' not in listing.text.split('action="/export/"')[1].split("</form>")[0]
    found = client.get(reverse("articles:search"), {"q": "harbour", "tag": "x"})
    form = found.text.split('action="/export/"')[1].split("</form>")[0]
    assert 'name="q" value="harbour"' in form and 'name="tag"' not in form  # ignored: left out
    entity = client.get(reverse("articles:entity", args=[archive["ada"].pk])).text
    assert f'name="entity" value="{archive["ada"].pk}"' in entity
    assert f'name="speaker" value="{archive["ada"].pk}"' in entity


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "spacy"])
@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest", "published"])
def test_every_format_and_sort_streams_to_the_end(fmt, sort, client_for, archive):
    client = client_for("editor")
    for rows in ("quotes", "articles", "mentions") if fmt == "csv" else ("quotes",):
        for q in ("", "harbour"):
            _, body = download(client, format=fmt, rows=rows, sort=sort, q=q)
            assert body
