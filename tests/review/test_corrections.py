"""Corrections: versions, locks, audit history, undo, merge and split."""

from __future__ import annotations

import pytest

from articles.models import (
    Article,
    Entity,
    EntityAlias,
    Mention,
    Origin,
    Quote,
    QuoteEvent,
    ReviewState,
)
from articles.review import changes, corrections, history
from articles.review import entities as entity_corrections
from articles.review.corrections import Conflict, CorrectionError

pytestmark = pytest.mark.django_db

BODY = (
    "Prime Minister Jane Holloway visited Leeds on Monday.\n\n"
    '"We will rebuild every school in this city," Holloway said. '
    "Opposition leader Mark Fenwick said the plan was too late."
)


@pytest.fixture
def story(make_article):
    """An extracted article with two people, a place and two machine quotes."""
    article = make_article(BODY, status=Article.Status.EXTRACTED)
    jane = Entity.objects.create(name="Jane Holloway", label="PERSON", key="jane holloway")
    mark = Entity.objects.create(name="Mark Fenwick", label="PERSON", key="mark fenwick")
    leeds = Entity.objects.create(name="Leeds", label="GPE", key="leeds")

    def span(text, nth=0):
        start = -1
        for _ in range(nth + 1):
            start = BODY.index(text, start + 1)
        return start, start + len(text)

    for entity, text, nth in [
        (jane, "Jane Holloway", 0),
        (jane, "Holloway", 1),
        (mark, "Mark Fenwick", 0),
        (leeds, "Leeds", 0),
    ]:
        start, end = span(text, nth)
        Mention.objects.create(
            article=article, entity=entity, start=start, end=end, text=text, label=entity.label
        )
    start, end = span('"We will rebuild every school in this city,"')
    q1 = Quote.objects.create(
        article=article,
        start=start,
        end=end,
        text=BODY[start:end],
        speaker=jane,
        speaker_text="Holloway",
        cue="said",
        confidence=0.9,
    )
    start, end = span("the plan was too late")
    q2 = Quote.objects.create(
        article=article,
        start=start,
        end=end,
        text=BODY[start:end],
        kind="indirect",
        speaker=mark,
        speaker_text="Mark Fenwick",
        cue="said",
        confidence=0.4,
    )
    return {"article": article, "jane": jane, "mark": mark, "leeds": leeds, "q1": q1, "q2": q2}


def test_accept_bumps_version_and_records_who_and_history(story, reviewer):
    q1 = story["q1"]
    quote = corrections.review_quote(q1.pk, q1.version, reviewer, ReviewState.ACCEPTED)
    assert (quote.status, quote.version, quote.reviewed_by) == ("accepted", 2, reviewer)
    article = Article.objects.get(pk=story["article"].pk)
    assert article.review_status == Article.ReviewStatus.IN_REVIEW
    sets = history.change_sets(article)
    assert sets[0].action == "Accepted quote" and sets[0].user == reviewer
    fields = {name: (before, after) for c in sets[0].changes for name, before, after in c.fields}
    assert fields["status"] == ("Unreviewed", "Accepted")


def test_stale_version_is_refused_and_nothing_is_lost(story, reviewer, make_user):
    other = make_user("reviewer")
    q1 = story["q1"]
    corrections.set_speaker(q1.pk, q1.version, other, new_name="Someone Else")
    with pytest.raises(Conflict) as refused:
        corrections.review_quote(q1.pk, q1.version, reviewer, ReviewState.REJECTED)
    assert refused.value.current.speaker_text == "Someone Else"
    quote = Quote.objects.get(pk=q1.pk)
    assert (quote.status, quote.speaker_text, quote.version) == ("corrected", "Someone Else", 2)


def test_set_speaker_creates_a_new_person_once(story, reviewer):
    q1, q2 = story["q1"], story["q2"]
    corrections.set_speaker(q1.pk, q1.version, reviewer, new_name="Dr  Ann Lee")
    corrections.set_speaker(q2.pk, q2.version, reviewer, new_name="Ann Lee")
    q1.refresh_from_db()
    q2.refresh_from_db()
    assert q1.speaker_id == q2.speaker_id and q1.speaker.label == "PERSON"


WHY = "“the prime minister” is Jane Holloway, introduced as “Prime Minister Jane Holloway”."


def test_setting_the_speaker_clears_the_evidence_and_undo_restores_it(story, reviewer):
    q1 = story["q1"]
    Quote.objects.filter(pk=q1.pk).update(speaker_evidence=WHY)
    corrections.set_speaker(q1.pk, q1.version, reviewer, entity_id=story["mark"].pk)
    quote = Quote.objects.get(pk=q1.pk)
    assert (quote.speaker, quote.speaker_evidence) == (story["mark"], "")
    change = history.change_sets(story["article"])[0]
    fields = {name: (before, after) for c in change.changes for name, before, after in c.fields}
    assert fields["why this speaker"] == (WHY, "—")

    changes.undo(change.id, reviewer, story["article"].pk)
    quote = Quote.objects.get(pk=q1.pk)
    assert (quote.speaker, quote.speaker_evidence, quote.status) == (
        story["jane"],
        WHY,
        "unreviewed",
    )


def test_add_quote_trims_the_selection_and_is_human(story, reviewer):
    article = story["article"]
    start = BODY.index("visited Leeds") - 1  # the selection caught a space
    quote = corrections.add_quote(
        article.pk, reviewer, start, start + 15, entity_id=story["jane"].pk, kind="indirect"
    )
    assert quote.text == "visited Leeds ".strip() and quote.origin == Origin.HUMAN
    assert quote.status == ReviewState.ACCEPTED and quote.speaker == story["jane"]
    with pytest.raises(CorrectionError):
        corrections.add_quote(article.pk, reviewer, 5, 5000)


def test_add_an_attribution(story, reviewer):
    article = story["article"]
    start = BODY.index("visited Leeds")
    added = corrections.add_quote(
        article.pk, reviewer, start, start + 13, entity_id=story["jane"].pk, category="attribution"
    )
    assert added.category == "attribution" and added.origin == Origin.HUMAN
    count = article.quotes.count()
    with pytest.raises(CorrectionError, match="category"):
        corrections.add_quote(article.pk, reviewer, start, start + 13, category="opinion")
    assert article.quotes.count() == count


def test_boundaries_and_kind(story, reviewer):
    q1 = story["q1"]
    start = q1.start + 1
    quote = corrections.correct_quote(
        q1.pk, q1.version, reviewer, kind="mixed", start=start, end=q1.end - 2
    )
    assert quote.text == BODY[start : q1.end - 2] and quote.kind == "mixed"
    assert quote.status == ReviewState.CORRECTED


def test_category_is_corrected_and_labelled_in_history(story, reviewer):
    q2 = story["q2"]
    quote = corrections.correct_quote(q2.pk, q2.version, reviewer, category="attribution")
    assert (quote.category, quote.kind, quote.status) == ("attribution", "indirect", "corrected")
    sets = history.change_sets(story["article"])
    fields = {name: (before, after) for c in sets[0].changes for name, before, after in c.fields}
    assert fields["category"] == ("Quote", "Attribution")
    with pytest.raises(CorrectionError, match="Unknown quote category"):
        corrections.correct_quote(q2.pk, quote.version, reviewer, category="claim")


def test_delete_keeps_machine_quotes_as_rejected_and_deletes_human_ones(story, reviewer):
    q1 = story["q1"]
    corrections.delete_quote(q1.pk, q1.version, reviewer)
    assert Quote.objects.get(pk=q1.pk).status == ReviewState.REJECTED
    human = corrections.add_quote(story["article"].pk, reviewer, 0, 10)
    corrections.delete_quote(human.pk, human.version, reviewer)
    assert not Quote.objects.filter(pk=human.pk).exists()


def test_undo_reverts_a_change_and_refuses_when_changed_since(story, reviewer):
    q1 = story["q1"]
    corrections.set_speaker(q1.pk, q1.version, reviewer, entity_id=story["mark"].pk)
    change = history.change_sets(story["article"])[0]
    changes.undo(change.id, reviewer, story["article"].pk)
    quote = Quote.objects.get(pk=q1.pk)
    assert (quote.speaker, quote.status, quote.version) == (story["jane"], "unreviewed", 3)
    with pytest.raises(changes.NotUndoable, match="already undone"):
        changes.undo(change.id, reviewer, story["article"].pk)

    corrections.review_quote(q1.pk, 3, reviewer, ReviewState.ACCEPTED)
    accepted = history.change_sets(story["article"])[0]
    corrections.review_quote(q1.pk, 4, reviewer, ReviewState.REJECTED)
    with pytest.raises(changes.NotUndoable, match="changed again"):
        changes.undo(accepted.id, reviewer, story["article"].pk)
    assert Quote.objects.get(pk=q1.pk).status == ReviewState.REJECTED


def test_undo_of_a_delete_brings_the_quote_back(story, reviewer):
    human = corrections.add_quote(story["article"].pk, reviewer, 0, 10, new_name="Ann Lee")
    corrections.delete_quote(human.pk, human.version, reviewer)
    changes.undo(history.change_sets(story["article"])[0].id, reviewer, story["article"].pk)
    back = Quote.objects.get(pk=human.pk)
    assert back.text == BODY[0:10] and back.speaker.name == "Ann Lee"


def test_bulk_updates_are_audited_too(story):
    Quote.objects.filter(article=story["article"]).update(status=ReviewState.ACCEPTED)
    assert QuoteEvent.objects.filter(pgh_label="update").count() == 2


def test_merge_then_split_restores_both_entities(story, reviewer):
    jane, mark = story["jane"], story["mark"]
    EntityAlias.objects.create(entity=mark, name="M. Fenwick", key="m fenwick")
    merged = entity_corrections.merge_entities(
        jane.pk, jane.version, mark.pk, mark.version, reviewer
    )
    assert not Entity.objects.filter(pk=mark.pk).exists()
    assert Mention.objects.filter(entity=jane).count() == 3
    assert Quote.objects.get(pk=story["q2"].pk).speaker == jane
    assert {"mark fenwick", "m fenwick"} <= set(merged.aliases.values_list("key", flat=True))

    merges = entity_corrections.merges_into([jane.pk])[jane.pk]
    assert merges[0]["name"] == "Mark Fenwick"
    jane.refresh_from_db()
    back = entity_corrections.split_entity(jane.pk, jane.version, reviewer, merges[0]["context"])
    assert back.pk == mark.pk and back.name == "Mark Fenwick"
    assert Mention.objects.filter(entity=back).count() == 1
    assert Quote.objects.get(pk=story["q2"].pk).speaker == back
    assert set(back.aliases.values_list("key", flat=True)) == {"m fenwick"}
    assert not jane.aliases.filter(key="mark fenwick").exists()
    assert entity_corrections.merges_into([jane.pk]) == {}


def test_undo_of_a_merge(story, reviewer):
    jane, mark = story["jane"], story["mark"]
    entity_corrections.merge_entities(
        jane.pk, jane.version, mark.pk, mark.version, reviewer, article_id=story["article"].pk
    )
    changes.undo(history.change_sets(story["article"])[0].id, reviewer, story["article"].pk)
    assert Entity.objects.get(pk=mark.pk).name == "Mark Fenwick"
    assert Quote.objects.get(pk=story["q2"].pk).speaker_id == mark.pk


def test_entity_rename_keeps_the_old_name_as_alias(story, reviewer):
    jane = story["jane"]
    renamed = entity_corrections.rename_entity(jane.pk, jane.version, reviewer, "Jane A. Holloway")
    assert renamed.name == "Jane A. Holloway" and renamed.version == 2
    assert renamed.aliases.filter(name="Jane Holloway").exists()
    with pytest.raises(Conflict):
        entity_corrections.rename_entity(jane.pk, 1, reviewer, "Stale")


def test_mention_corrections(story, reviewer):
    mention = Mention.objects.get(text="Leeds")
    relabelled = corrections.relabel_mention(mention.pk, 1, reviewer, "ORG")
    assert relabelled.entity.label == "ORG" and relabelled.entity != story["leeds"]
    linked = corrections.link_mention(mention.pk, 2, reviewer, story["leeds"].pk)
    assert linked.entity == story["leeds"] and linked.label == "GPE"
    start = BODY.index("Leeds on Monday")
    fixed = corrections.set_mention_span(mention.pk, 3, reviewer, start, start + 15)
    assert fixed.text == "Leeds on Monday"
    corrections.reject_mention(mention.pk, 4, reviewer)
    assert Mention.objects.get(pk=mention.pk).status == ReviewState.REJECTED
    added = corrections.add_mention(story["article"].pk, reviewer, 0, 14, "PERSON")
    assert added.entity.label == "PERSON" and added.origin == Origin.HUMAN


def test_review_status_records_who(story, reviewer):
    article = corrections.set_review_status(story["article"].pk, reviewer, "reviewed", "leave")
    assert article.reviewed_by == reviewer and article.reviewed_at
    changes.undo(history.change_sets(article)[0].id, reviewer, article.pk)
    article.refresh_from_db()
    assert article.review_status == "needs_review" and article.reviewed_by is None


def test_tagging_is_audited_and_can_be_undone(story, editor):
    import pghistory

    from articles.models import Tag

    article = story["article"]
    tag = Tag.objects.create(name="Education")
    # A tagging recorded by the request alone, with no action of its own, reads in words.
    with pghistory.context(user=editor.pk, url="/tags/"):
        article.tags.add(tag)
    change = history.change_sets(article)[0]
    assert change.action == "Tagged Education" and change.user == editor
    assert change.changes[0].summary == "Education"
    changes.undo(change.id, editor, article.pk)
    assert not article.tags.exists()
