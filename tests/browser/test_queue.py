"""The review queue in a real browser: ten quotes worked through with the keyboard alone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from articles.models import Article, Entity, Quote, ReviewState
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_review import page_for, shoot  # noqa: F401 (fixture)
from tests.conftest import PASSWORD, role_group

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARAGRAPH = (
    'The council met on Tuesday. "We will open {n} new libraries," Holloway said. '
    "Critics were not convinced."
)
# What the extractor says about how it chose a speaker, set here directly (not by the NLP).
WHY = "“Holloway” is Jane Holloway, introduced earlier as “Council leader Jane Holloway”."
WITH_EVIDENCE = (0, 8, 10)


@pytest.fixture
def queue(django_user_model):
    """Twelve unreviewed quotes over four articles, least confident first."""
    jane = Entity.objects.create(name="Jane Holloway", label="PERSON", key="jane holloway")
    Entity.objects.create(name="Mark Fenwick", label="PERSON", key="mark fenwick")
    quotes = []
    for a in range(4):
        body = "\n\n".join(PARAGRAPH.format(n=a * 3 + i) for i in range(3))
        article = Article.objects.create(
            title=f"Libraries plan, part {a}",
            outlet="Northern Courier",
            body=body,
            content_hash=f"queue-{a}",
            status=Article.Status.EXTRACTED,
        )
        for i in range(3):
            text = f'"We will open {a * 3 + i} new libraries,"'
            start = body.index(text)
            quotes.append(
                Quote.objects.create(
                    article=article,
                    start=start,
                    end=start + len(text),
                    text=text,
                    speaker=jane,
                    speaker_text=jane.name,
                    cue="said",
                    confidence=0.30 + 0.05 * len(quotes),
                    speaker_evidence=WHY if len(quotes) in WITH_EVIDENCE else "",
                )
            )
    user = django_user_model.objects.create_user("rita", password=PASSWORD)
    user.groups.add(role_group("reviewer"))
    return quotes


def current(page):
    return page.locator(".qc.is-current")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_ten_quotes_worked_through_with_the_keyboard(page_for, queue, viewport):  # noqa: F811
    page = page_for("/review/", viewport=viewport)
    name = "desktop" if viewport == DESKTOP else "phone"
    expect(page.get_by_test_id("queue-left")).to_have_text("12")
    expect(current(page)).to_have_attribute("data-quote", str(queue[0].pk))
    # The first card says why its speaker was chosen, in a line of its own; others say nothing.
    why = page.locator(f"#qc-{queue[0].pk} .why")
    expect(why).to_be_visible()
    expect(why).to_have_text(f"Why: {WHY}")
    expect(page.locator(f"#qc-{queue[1].pk} .why")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    shoot(page, f"queue-{name}")
    # a, x, a, x… : each decision moves to the next quote.
    for n, quote in enumerate(queue[:9]):
        expect(current(page)).to_have_attribute("data-quote", str(quote.pk))
        page.keyboard.press("a" if n % 2 == 0 else "x")
        expect(page.locator(f"#qc-{quote.pk}")).to_have_class(
            re.compile("qc--accepted" if n % 2 == 0 else "qc--rejected")
        )
    expect(page.get_by_test_id("queue-done")).to_have_text("9")
    expect(page.get_by_test_id("queue-left")).to_have_text("3")
    # u undoes the last decision and returns to it.
    page.keyboard.press("u")
    expect(page.locator(f"#qc-{queue[8].pk}")).to_have_class(re.compile("qc--unreviewed"))
    expect(current(page)).to_have_attribute("data-quote", str(queue[8].pk))
    expect(page.get_by_test_id("queue-left")).to_have_text("4")
    # s: a new speaker, chosen from the autocomplete with the keyboard.
    page.keyboard.press("s")
    speaker = page.locator(f'#qc-{queue[8].pk} [data-qkey="s"]')
    expect(speaker).to_be_focused()
    speaker.type("Fenw")
    expect(page.locator(f"#qc-{queue[8].pk} .ac__option", has_text="Mark Fenwick")).to_be_visible()
    speaker.press("Enter")
    expect(page.locator(f"#qc-{queue[8].pk} .qc__speaker")).to_have_text("Mark Fenwick")
    # The reviewer chose the speaker: the machine's reason is gone with the machine's choice.
    expect(page.locator(f"#qc-{queue[8].pk} .why")).to_have_count(0)
    # A new speaker is a decision too: on to the tenth; k goes back, j forward again.
    expect(current(page)).to_have_attribute("data-quote", str(queue[9].pk))
    page.keyboard.press("k")
    expect(current(page)).to_have_attribute("data-quote", str(queue[8].pk))
    page.keyboard.press("j")
    expect(current(page)).to_have_attribute("data-quote", str(queue[9].pk))
    page.keyboard.press("a")
    expect(page.locator(f"#qc-{queue[9].pk}")).to_have_class(re.compile("qc--accepted"))
    shoot(page, f"queue-worked-{name}")
    decided = Quote.objects.exclude(status=ReviewState.UNREVIEWED)
    assert decided.count() == 10
    assert Quote.objects.get(pk=queue[8].pk).speaker.name == "Mark Fenwick"
    assert Quote.objects.get(pk=queue[1].pk).status == ReviewState.REJECTED
    # Enter opens the article of the current quote.
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/articles/{queue[10].article_id}/"))
    # The article page's quote row says it too, under the speaker.
    row_why = page.locator(f"#qi-{queue[10].pk} .why")
    row_why.scroll_into_view_if_needed()
    expect(row_why).to_be_visible()
    expect(row_why).to_have_text(f"Why: {WHY}")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    shoot(page, f"queue-article-why-{name}")
    assert page.errors == []
