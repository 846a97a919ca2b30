"""export_articles and evaluate: end to end through the real model, and from hand-built rows."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from articles.browse.exporting import spreadsheet_safe
from articles.models import Article, Entity, Quote, Tag

pytestmark = pytest.mark.django_db

STORY = (
    "Mayor John Carter opened the new bridge in Porto on Friday.\n\n"
    '"This bridge joins two halves of one city," Carter said.\n\n'
    "Engineer Paul Dube said the work had finished early."
)


@pytest.fixture
def extracted(make_article):
    article = make_article(STORY, title="Bridge opens", external_id="ext-1")
    article.tags.add(Tag.objects.create(name="Transport"))
    make_article("Nothing extracted here yet, said nobody.", title="Still queued")
    call_command("extract", "--article", str(article.pk), verbosity=0)
    article.refresh_from_db()
    return article


def export(*args: str) -> str:
    out = io.StringIO()
    call_command("export_articles", *args, stdout=out)
    return out.getvalue()


@pytest.mark.slow
def test_jsonl_export_has_offsets_into_the_stored_text(extracted):
    lines = export("--format", "jsonl", "--status", "extracted").splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert set(record) == {
        "id",
        "external_id",
        "title",
        "url",
        "outlet",
        "byline",
        "published",
        "added",
        "status",
        "review_status",
        "text",
        "tags",
        "entities",
        "quotes",
    }
    assert record["external_id"] == "ext-1" and record["tags"] == ["Transport"]
    text = record["text"]
    assert record["entities"], "the model found no entities"
    for entity in record["entities"]:
        assert text[entity["start"] : entity["end"]] == entity["text"]
        assert entity["origin"] == "machine" and entity["entity_id"]
    quote = next(q for q in record["quotes"] if "two halves" in q["text"])
    assert text[quote["start"] : quote["end"]] == quote["text"]
    assert quote["speaker"] == "John Carter"
    assert quote["type"] in {"direct", "mixed", "indirect"}
    assert quote["category"] in {"quote", "attribution"} and isinstance(quote["continues"], bool)
    assert text[quote["speaker_start"] : quote["speaker_end"]] in {"Carter", "John Carter"}


@pytest.mark.slow
def test_export_filters_by_status_and_rejected_items_are_left_out(extracted):
    everything = export("--format", "jsonl").splitlines()
    assert len(everything) == 2
    quote = extracted.quotes.first()
    extracted.quotes.filter(pk=quote.pk).update(status="rejected")
    record = json.loads(export("--status", "extracted"))
    assert all(q["start"] != quote.start for q in record["quotes"])


@pytest.mark.slow
def test_csv_export_writes_one_row_per_quote(extracted, tmp_path):
    target = tmp_path / "quotes.csv"
    call_command(
        "export_articles", "--format", "csv", "--output", str(target), stderr=io.StringIO()
    )
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert len(rows) == extracted.quotes.count()
    assert {row["article_id"] for row in rows} == {str(extracted.pk)}
    assert any(row["speaker"] == "John Carter" for row in rows)


def test_category_and_continuation_are_exported(make_article):
    body = '"We are ready," Ann Lee said. "The money is there." Lee plans to expand the line.'
    article = make_article(body, status=Article.Status.EXTRACTED)
    for part, fields in [
        ('"We are ready,"', {}),
        ('"The money is there."', {"continues": True}),
        ("to expand the line", {"kind": "indirect", "category": "attribution"}),
    ]:
        start = body.index(part)
        Quote.objects.create(
            article=article, start=start, end=start + len(part), text=part, **fields
        )
    (record,) = [json.loads(line) for line in export("--format", "jsonl").splitlines()]
    assert [(q["text"], q["category"], q["continues"]) for q in record["quotes"]] == [
        ('"We are ready,"', "quote", False),
        ('"The money is there."', "quote", True),
        ("to expand the line", "attribution", False),
    ]
    rows = csv.DictReader(io.StringIO(export("--format", "csv")))
    assert [(row["category"], row["continues"]) for row in rows] == [
        ("quote", "False"),
        ("quote", "True"),
        ("attribution", "False"),
    ]


FORMULAS = ['=HYPERLINK("http://evil.example","x")', "=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def test_csv_cells_that_a_spreadsheet_would_run_start_with_a_quote(make_article):
    """Every text cell that starts with = + - @, a tab or a carriage return (OWASP's list)."""
    for n, formula in enumerate(FORMULAS):
        body = f"{formula} said the mayor {n}."
        article = make_article(
            body,
            title=formula,
            external_id=formula,
            source_url=f"https://example.org/{n}",
            status=Article.Status.EXTRACTED,
        )
        speaker = Entity.objects.create(name=f"{formula} {n}", label="PERSON", key=f"f{n}")
        Quote.objects.create(
            article=article,
            start=0,
            end=len(formula),
            text=formula,
            cue=formula[:100],
            speaker=speaker,
            speaker_start=0,
            speaker_end=3,
        )
    rows = list(csv.DictReader(io.StringIO(export("--format", "csv"), newline="")))
    assert len(rows) == len(FORMULAS)
    for row in rows:
        for column in ("external_id", "title", "quote", "speaker", "cue"):
            assert row[column].startswith("'"), (column, row[column])
            assert row[column][1:].startswith(tuple("=+-@\t\r")), (column, row[column])
    assert {row["title"] for row in rows} == {"'" + formula for formula in FORMULAS}


def test_csv_leaves_numbers_and_ordinary_text_alone(make_article):
    article = make_article("A quote here, said Ann.", title="Plain - title", external_id="a-1")
    Quote.objects.create(article=article, start=0, end=7, text="A quote", confidence=0.25)
    (row,) = csv.DictReader(io.StringIO(export("--format", "csv"), newline=""))
    assert (row["title"], row["external_id"], row["quote"]) == ("Plain - title", "a-1", "A quote")
    assert (row["article_id"], row["confidence"]) == (str(article.pk), "0.25")


def test_spreadsheet_safe_prefixes_only_formula_text():
    assert [spreadsheet_safe(v) for v in ["=x", "-1", "", "a=b", -1, 0.5, None, True]] == [
        "'=x",
        "'-1",
        "",
        "a=b",
        -1,
        0.5,
        None,
        True,
    ]


@pytest.mark.slow
def test_export_to_an_unwritable_place_is_a_clear_error(extracted, tmp_path):
    with pytest.raises(CommandError, match="Cannot write"):
        export("--output", str(tmp_path / "missing" / "x.jsonl"))


@pytest.mark.slow
def test_evaluate_scores_a_gold_file_and_conll(tmp_path):
    text = 'Senator Lee Park spoke in Busan.\n\n"We need more trains," Park said.'
    start = text.index('"We')
    end = text.index(" Park said")
    speaker = text.rindex("Park")
    gold = {
        "id": "t1",
        "text": text,
        "people": ["Lee Park"],
        "sources": ["Lee Park"],
        "quotes": [
            {
                "quote_text": text[start:end],
                "quote_span": [start, end],
                "speaker_text": "Park",
                "speaker_span": [speaker, speaker + 4],
                "verb_text": "said",
                "verb_span": [speaker + 5, speaker + 9],
                "reference": "Lee Park",
                "kind": "direct",
            }
        ],
    }
    gold_path = tmp_path / "gold.jsonl"
    gold_path.write_text(json.dumps(gold) + "\n")
    conll_path = tmp_path / "tiny.conll"
    conll_path.write_text(
        "-DOCSTART- -X- -X- O\n\nLee NNP B-NP B-PER\nPark NNP I-NP I-PER\nvisited VBD B-VP O\n"
        "Busan NNP B-NP B-LOC\n. . O O\n\n"
    )
    out = io.StringIO()
    call_command("evaluate", str(gold_path), "--conll", str(conll_path), stdout=out)
    report = out.getvalue()
    assert "F1 1.000" in report  # the one quote is found and attributed
    assert "speaker acc 1.000" in report
    assert "PER" in report and "LOC" in report


@pytest.mark.slow
def test_evaluate_refuses_missing_files(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("evaluate", str(tmp_path / "nope.jsonl"), "--no-conll")
