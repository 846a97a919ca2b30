"""Storing results: global entity matching and keeping human work, with hand-built records."""

from __future__ import annotations

import pytest

from articles.extraction.store import apply_extraction, resolve_entities
from articles.models import Article, Entity, EntityAlias, Origin, Quote, ReviewState
from articles.nlp.results import ArticleExtraction, EntityCluster, EntityMention, QuoteSpan

pytestmark = pytest.mark.django_db


def person(name: str, *aliases: str) -> EntityCluster:
    return EntityCluster(name, "PERSON", (name, *aliases), name.lower())


def test_the_same_name_in_two_articles_is_one_global_entity():
    first = resolve_entities([person("Jane Holloway", "Holloway")])
    second = resolve_entities([person("Jane Holloway")])
    assert first[("PERSON", "jane holloway")] == second[("PERSON", "jane holloway")]
    assert Entity.objects.count() == 1
    entity = Entity.objects.get()
    assert set(entity.aliases.values_list("name", flat=True)) == {"Jane Holloway", "Holloway"}


def test_an_alias_matches_the_entity_it_belongs_to():
    (entity,) = resolve_entities([person("Volodymyr Zelensky")]).values()
    EntityAlias.objects.create(entity=entity, name="Zelenskyy", key="zelenskyy")
    found = resolve_entities([EntityCluster("Zelenskyy", "PERSON", ("Zelenskyy",), "zelenskyy")])
    assert found[("PERSON", "zelenskyy")] == entity


def test_a_spelling_variant_of_a_full_name_matches_by_trigram_similarity():
    (entity,) = resolve_entities([person("Volodymyr Zelensky")]).values()
    found = resolve_entities([person("Volodymyr Zelenskyy")])
    assert found[("PERSON", "volodymyr zelenskyy")] == entity


@pytest.mark.parametrize(
    "other",
    [
        EntityCluster("John Smith", "PERSON", ("John Smith",), "john smith"),
        EntityCluster("Jane Holloway", "ORG", ("Jane Holloway",), "jane holloway"),
        EntityCluster("Smith", "PERSON", ("Smith",), "smith"),
    ],
    ids=["different person", "different label", "lone surname"],
)
def test_different_entities_stay_apart(other):
    resolve_entities([person("Jane Holloway"), person("Jane Smith")])
    found = resolve_entities([other])
    assert found[(other.label, other.key)].name == other.canonical
    assert Entity.objects.count() == 3


def claimed(make_article, body: str, worker: str = "w1") -> Article:
    article = make_article(body)
    Article.objects.filter(pk=article.pk).update(status="processing", claimed_by=worker)
    return article


def result_for(text: str, quote: tuple[int, int]) -> ArticleExtraction:
    return ArticleExtraction(
        text=text,
        entities=[person("Ann Lee")],
        mentions=[EntityMention(0, 7, text[0:7], "PERSON", 0)],
        quotes=[
            QuoteSpan(quote[0], quote[1], text[quote[0] : quote[1]], "direct", speaker_cluster=0)
        ],
    )


def test_a_worker_that_lost_its_claim_writes_nothing(make_article):
    body = 'Ann Lee said "we are ready" today.'
    article = claimed(make_article, body, worker="someone-else")
    written = apply_extraction(
        article.pk, "w1", result_for(body, (13, 27)), None, "v1", source_text=body
    )
    assert written is None
    assert not Quote.objects.exists()
    assert Article.objects.get(pk=article.pk).status == "processing"


def test_results_are_stored_and_the_claim_released(make_article):
    body = 'Ann Lee said "we are ready" today.'
    article = claimed(make_article, body)
    assert apply_extraction(
        article.pk, "w1", result_for(body, (13, 27)), None, "v1", source_text=body
    ) == (1, 1)
    article.refresh_from_db()
    assert (article.status, article.claimed_by, article.extraction_version) == (
        "extracted",
        "",
        "v1",
    )
    quote = article.quotes.get()
    assert quote.speaker.name == "Ann Lee" and quote.text == '"we are ready"'


def test_kept_human_items_follow_the_text_when_repair_changes_it(make_article):
    body = 'Ann Leesaid "we are ready" today.'
    article = claimed(make_article, body)
    human = Quote.objects.create(
        article=article,
        start=12,
        end=26,
        text=body[12:26],
        origin=Origin.HUMAN,
        status=ReviewState.ACCEPTED,
    )
    repaired = 'Ann Lee said "we are ready" today.'
    apply_extraction(article.pk, "w1", result_for(repaired, (13, 27)), None, "v1", source_text=body)
    human.refresh_from_db()
    assert repaired[human.start : human.end] == '"we are ready"'
    # The machine found the same quote again: it is not stored twice.
    assert article.quotes.count() == 1
    assert Article.objects.get(pk=article.pk).body == repaired


STORY = '"We are ready," Ann Lee said. "The money is there." Lee plans to expand the line.'


def story_quote(part: str, kind: str = "direct", **fields) -> QuoteSpan:
    start = STORY.index(part)
    return QuoteSpan(start, start + len(part), part, kind, **fields)


def story_quotes() -> list[QuoteSpan]:
    """An interrupted quotation (its second part continues the first) and an attribution."""
    return [
        story_quote('"We are ready,"', speaker_cluster=0),
        story_quote('"The money is there."', speaker_cluster=0, continues=True),
        story_quote("to expand the line", "indirect", cue="plans", category="attribution"),
    ]


def test_category_and_continuation_are_stored(make_article):
    article = claimed(make_article, STORY)
    result = ArticleExtraction(text=STORY, entities=[person("Ann Lee")], quotes=story_quotes())
    assert apply_extraction(article.pk, "w1", result, None, "v1", source_text=STORY) == (0, 3)
    stored = list(article.quotes.values_list("text", "category", "continues"))
    assert stored == [
        ('"We are ready,"', "quote", False),
        ('"The money is there."', "quote", True),
        ("to expand the line", "attribution", False),
    ]


def test_reextraction_keeps_a_reviewed_attribution_and_replaces_the_rest(make_article):
    article = claimed(make_article, STORY)
    result = ArticleExtraction(text=STORY, entities=[person("Ann Lee")], quotes=story_quotes())
    apply_extraction(article.pk, "w1", result, None, "v1", source_text=STORY)
    # A reviewer accepts the attribution and retypes the continuation as an attribution.
    claim = article.quotes.get(category="attribution")
    article.quotes.filter(pk=claim.pk).update(status=ReviewState.ACCEPTED)
    second = article.quotes.get(continues=True)
    article.quotes.filter(pk=second.pk).update(category="attribution", status=ReviewState.CORRECTED)
    first = article.quotes.get(text='"We are ready,"')

    # The model now finds everything as plain, uninterrupted quotes.
    Article.objects.filter(pk=article.pk).update(status="processing", claimed_by="w2")
    again = [QuoteSpan(q.start, q.end, q.text, q.kind, speaker_cluster=0) for q in story_quotes()]
    result = ArticleExtraction(text=STORY, entities=[person("Ann Lee")], quotes=again)
    assert apply_extraction(article.pk, "w2", result, None, "v2", source_text=STORY) == (0, 1)

    kept = {q.pk: (q.category, q.continues, q.status) for q in article.quotes.all()}
    assert kept[claim.pk] == ("attribution", False, "accepted")
    assert kept[second.pk] == ("attribution", True, "corrected")
    assert first.pk not in kept  # unreviewed machine output was replaced ...
    fresh = article.quotes.get(text='"We are ready,"')  # ... by the new finding only
    assert (fresh.category, fresh.continues, fresh.status) == ("quote", False, "unreviewed")


INTERVIEW = 'Ann Lee spoke to us. "We are ready," the minister said. "I stay," she said.'
WHY_MINISTER = "“the minister” is Ann Lee, introduced as “Minister Ann Lee”."
WHY_SHE = "“she” is Ann Lee, the person last named before the quote."


def interview_result(**evidence: str) -> ArticleExtraction:
    """The two quotes of INTERVIEW, said by Ann Lee, with the evidence given per quote."""
    quotes = []
    for name, part in (("minister", '"We are ready,"'), ("she", '"I stay,"')):
        start = INTERVIEW.index(part)
        quotes.append(
            QuoteSpan(
                start,
                start + len(part),
                part,
                "direct",
                speaker_cluster=0,
                speaker_evidence=evidence.get(name, ""),
            )
        )
    return ArticleExtraction(text=INTERVIEW, entities=[person("Ann Lee")], quotes=quotes)


def test_speaker_evidence_is_stored_and_cut_to_its_column(make_article):
    article = claimed(make_article, INTERVIEW)
    result = interview_result(minister=WHY_MINISTER, she="x" * 400)
    apply_extraction(article.pk, "w1", result, None, "v1", source_text=INTERVIEW)
    stored = dict(article.quotes.values_list("text", "speaker_evidence"))
    assert stored == {'"We are ready,"': WHY_MINISTER, '"I stay,"': "x" * 300}


def test_reextraction_replaces_machine_evidence_and_a_corrected_speaker_keeps_none(
    make_article, reviewer
):
    from articles.review.corrections import set_speaker

    article = claimed(make_article, INTERVIEW)
    result = interview_result(minister=WHY_MINISTER, she=WHY_SHE)
    apply_extraction(article.pk, "w1", result, None, "v1", source_text=INTERVIEW)
    corrected = article.quotes.get(text='"I stay,"')
    set_speaker(corrected.pk, corrected.version, reviewer, new_name="Bo Chan")

    # The next run explains both quotes differently; only the unreviewed one takes it.
    Article.objects.filter(pk=article.pk).update(status="processing", claimed_by="w2")
    result = interview_result(minister="“the minister” is Ann Lee (new run).", she=WHY_SHE)
    apply_extraction(article.pk, "w2", result, None, "v2", source_text=INTERVIEW)
    stored = {q.text: (q.speaker_evidence, q.status) for q in article.quotes.all()}
    assert stored == {
        '"We are ready,"': ("“the minister” is Ann Lee (new run).", "unreviewed"),
        '"I stay,"': ("", "corrected"),
    }


def test_the_article_page_shows_what_repair_changed(make_article, client_for):
    article = make_article('Ann Lee said "we are ready" in London. The <b>end</b>.')
    Article.objects.filter(pk=article.pk).update(
        repairs=[
            {
                "start": 34,
                "end": 44,
                "original": "LondonThe<script>",
                "replacement": "London The",
                "kind": "glued",
            }
        ]
    )
    page = client_for("editor").get(article.get_absolute_url()).content.decode()
    assert "1 repair made to the text before analysis" in page
    assert "London The" in page and "glued" in page
    assert "LondonThe&lt;script&gt;" in page and "LondonThe<script>" not in page


def test_an_entity_marked_not_an_entity_is_not_stored_again(make_article):
    from articles.models import Mention

    Entity.objects.create(name="Ann Lee", label="PERSON", key="ann lee", not_an_entity=True)
    body = 'Ann Lee said "we are ready" today.'
    article = claimed(make_article, body)
    # Re-extraction (or a new article) finds "Ann Lee" again: no mention, and no speaker.
    assert apply_extraction(
        article.pk, "w1", result_for(body, (13, 27)), None, "v1", source_text=body
    ) == (0, 1)
    assert not Mention.objects.filter(article=article).exists()
    assert article.quotes.get().speaker is None
