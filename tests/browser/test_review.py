"""The review screen in a real browser (Debian's chromium through Playwright).

A missing browser fails these tests: it never skips them.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from articles.models import Article, Entity, Mention, Origin, Quote, ReviewState
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS, watch_policy
from tests.conftest import PASSWORD, role_group

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODY = (
    "Prime Minister Jane Holloway visited Leeds on Monday to open the new science wing.\n\n"
    '"We will rebuild every school in this city," Holloway said, standing beside the head '
    "teacher. She added that the money would arrive by spring.\n\n"
    "Opposition leader Mark Fenwick said the plan was too late and too small. "
    '"Parents have waited a decade," Fenwick told reporters outside the town hall.\n\n'
    "J. Holloway later told the BBC that building would start in March."
)


def _span(text: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = BODY.index(text, start + 1)
    return start, start + len(text)


@pytest.fixture
def story(django_user_model):
    """An extracted article: three people (one a duplicate), a place, three machine quotes."""
    article = Article.objects.create(
        title="Holloway promises to rebuild every school",
        outlet="Northern Courier",
        byline="Sam Reid",
        body=BODY,
        content_hash="browser-review-story",
        status=Article.Status.EXTRACTED,
    )
    jane = Entity.objects.create(name="Jane Holloway", label="PERSON", key="jane holloway")
    mark = Entity.objects.create(name="Mark Fenwick", label="PERSON", key="mark fenwick")
    twin = Entity.objects.create(name="J. Holloway", label="PERSON", key="j holloway")
    leeds = Entity.objects.create(name="Leeds", label="GPE", key="leeds")
    bbc = Entity.objects.create(name="BBC", label="ORG", key="bbc")
    for entity, text, nth in [
        (jane, "Jane Holloway", 0),
        (jane, "Holloway", 1),
        (mark, "Mark Fenwick", 0),
        (mark, "Fenwick", 1),
        (twin, "J. Holloway", 0),
        (leeds, "Leeds", 0),
        (bbc, "BBC", 0),
    ]:
        start, end = _span(text, nth)
        Mention.objects.create(
            article=article, entity=entity, start=start, end=end, text=text, label=entity.label
        )
    quotes = []
    for text, speaker, kind, confidence, cue in [
        ('"We will rebuild every school in this city,"', jane, "direct", 0.92, "said"),
        ("the plan was too late and too small", mark, "indirect", 0.55, "said"),
        ('"Parents have waited a decade,"', jane, "direct", 0.41, "told"),
    ]:
        start, end = _span(text)
        quotes.append(
            Quote.objects.create(
                article=article,
                start=start,
                end=end,
                text=text,
                kind=kind,
                speaker=speaker,
                speaker_text=speaker.name,
                confidence=confidence,
                cue=cue,
            )
        )
    user = django_user_model.objects.create_user("rita", password=PASSWORD)
    user.groups.add(role_group("reviewer"))
    return {"article": article, "quotes": quotes, "jane": jane, "mark": mark, "twin": twin}


@pytest.fixture
def page_for(browser, live_server):
    """Open a page logged in as `username`; any CSP violation on it fails the test."""
    contexts, pages = [], []

    def open_page(path: str, viewport=DESKTOP, username: str = "rita"):
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.bring_to_front()  # the page has the browser's focus, as a reader's tab does
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.errors = errors
        page.refused = []
        watch_policy(page, page.refused)
        pages.append(page)
        page.goto(live_server.url + "/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto(live_server.url + path)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert [message for page in pages for message in page.refused] == []


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def current_quote(page):
    return page.locator(".qi.is-current")


def test_reviewer_accepts_a_quote_with_the_keyboard(page_for, story):
    page = page_for(story["article"].get_absolute_url())
    expect(page.locator("mark.q").first).to_be_visible()
    shoot(page, "review-desktop")
    page.keyboard.press("j")
    first = story["quotes"][0]
    expect(current_quote(page)).to_have_attribute("data-quote", str(first.pk))
    expect(page.locator(f'#article-text mark[data-quote="{first.pk}"]').first).to_have_class(
        re.compile("is-current")
    )
    page.keyboard.press("a")
    expect(page.locator(f"#qi-{first.pk} .chip--state-accepted")).to_have_text("Accepted")
    expect(page.get_by_test_id("review-notice")).to_contain_text("Accepted the quote")
    quote = Quote.objects.get(pk=first.pk)
    assert quote.status == ReviewState.ACCEPTED and quote.reviewed_by.username == "rita"
    # Deciding moves on to the next quote nobody has reviewed; j and k still move freely.
    expect(current_quote(page)).to_have_attribute("data-quote", str(story["quotes"][1].pk))
    page.keyboard.press("k")
    expect(current_quote(page)).to_have_attribute("data-quote", str(first.pk))
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    shoot(page, "review-shortcuts")
    page.keyboard.press("Escape")
    expect(page.locator("#shortcuts")).to_be_hidden()
    assert page.errors == []


def test_changing_a_speaker_through_autocomplete(page_for, story):
    page = page_for(story["article"].get_absolute_url())
    quote = story["quotes"][2]  # attributed to Holloway; Fenwick said it
    page.locator(f'#article-text mark[data-quote="{quote.pk}"]').first.click()
    expect(current_quote(page)).to_have_attribute("data-quote", str(quote.pk))
    page.keyboard.press("s")
    speaker = page.locator(f'#qi-{quote.pk} [data-key="s"]')
    expect(speaker).to_be_focused()
    speaker.type("Fenw")
    option = page.locator(f"#qi-{quote.pk} .ac__option", has_text="Mark Fenwick")
    expect(option).to_be_visible()
    shoot(page, "review-speaker-autocomplete")
    speaker.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator(f"#qi-{quote.pk} .qi__speaker")).to_have_text("Mark Fenwick")
    expect(page.locator(f"mark#q-{quote.pk} > .q-who")).to_have_text("Mark Fenwick")
    changed = Quote.objects.get(pk=quote.pk)
    assert changed.speaker == story["mark"] and changed.status == ReviewState.CORRECTED


def select_text(page, text: str) -> None:
    """Select `text` in the article as a reader would, by dragging over it."""
    start, end = _span(text)
    page.evaluate("document.querySelector('#article-text').scrollIntoView({block: 'start'})")
    page.wait_for_timeout(400)  # let any smooth scrolling finish before measuring
    boxes = page.evaluate(
        """([start, end]) => {
            const point = (offset, atEnd) => {
              for (const span of document.querySelectorAll('#article-text [data-s]')) {
                const s = Number(span.dataset.s), node = span.firstChild;
                if (offset >= s && offset <= s + node.length && !(atEnd && offset === s)) {
                  const range = document.createRange();
                  range.setStart(node, offset - s);
                  range.setEnd(node, offset - s);
                  const r = range.getClientRects()[0] || range.getBoundingClientRect();
                  return [r.left, r.top + r.height / 2];
                }
              }
            };
            return [point(start, false), point(end, true)];
        }""",
        [start, end],
    )
    (x1, y1), (x2, y2) = boxes
    page.mouse.move(x1 + 0.5, y1)
    page.mouse.down()
    page.mouse.move(x2 - 0.5, y2, steps=8)
    page.mouse.up()


def test_adding_a_missed_quote_by_selecting_text(page_for, story):
    page = page_for(story["article"].get_absolute_url())
    missed = "building would start in March"
    select_text(page, missed)
    bar = page.locator("#selection-bar")
    expect(bar).to_be_visible()
    expect(bar.locator('[data-sel="text"]')).to_have_text(missed)
    speaker = page.get_by_test_id("new-quote-speaker")
    speaker.fill("J. Holl")
    page.locator("#selection-bar .ac__option", has_text="J. Holloway").click()
    bar.locator("select[name=kind]").select_option("indirect")
    bar.locator("select[name=category]").select_option("attribution")
    shoot(page, "review-add-quote")
    page.get_by_test_id("add-quote").click()
    expect(page.get_by_test_id("review-notice")).to_contain_text("Added the attribution")
    added = Quote.objects.get(origin=Origin.HUMAN)
    assert added.text == missed and added.kind == "indirect" and added.category == "attribution"
    assert added.speaker == story["twin"] and added.status == ReviewState.ACCEPTED
    expect(page.locator(f"#qi-{added.pk}")).to_contain_text(missed)
    expect(page.locator(f"mark#q-{added.pk} > .q-who")).to_have_text("J. Holloway")


def test_merging_two_entities_then_splitting_them(page_for, story):
    page = page_for(story["article"].get_absolute_url())
    asked = []

    def confirm(dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", confirm)
    jane, twin = story["jane"], story["twin"]
    page.get_by_role("tab", name=re.compile("Entities")).click()
    page.locator(f"#ei-{jane.pk} summary").click()
    search = page.locator(f"#ei-{jane.pk}").get_by_test_id("merge-search")
    search.fill("J. Hol")
    option = page.locator(f"#ei-{jane.pk} .ac__option", has_text="J. Holloway")
    # The choice says how often it is mentioned, and where.
    expect(option).to_contain_text("1 mention")
    expect(option).to_contain_text("“J. Holloway” in Holloway promises")
    option.click()
    expect(page.get_by_test_id("review-notice")).to_contain_text("Merged into Jane Holloway")
    assert asked and asked[0].startswith("Merge “J. Holloway” into “Jane Holloway”")
    assert not Entity.objects.filter(pk=twin.pk).exists()
    assert Mention.objects.filter(entity=jane).count() == 3
    expect(page.locator(f"#ei-{twin.pk}")).to_have_count(0)
    expect(page.locator(f"#ei-{jane.pk} .merged")).to_contain_text("J. Holloway")
    shoot(page, "review-merged")

    page.locator(f"#ei-{jane.pk}").get_by_test_id("split").click()
    expect(page.get_by_test_id("review-notice")).to_contain_text("Split J. Holloway out again")
    back = Entity.objects.get(pk=twin.pk)
    assert back.mentions.get().text == "J. Holloway"
    assert Mention.objects.filter(entity=jane).count() == 2
    expect(page.locator(f"#ei-{twin.pk}")).to_be_visible()


def test_undoing_a_change(page_for, story):
    page = page_for(story["article"].get_absolute_url())
    quote = story["quotes"][1]
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(current_quote(page)).to_have_attribute("data-quote", str(quote.pk))
    page.keyboard.press("x")
    expect(page.locator(f"#qi-{quote.pk} .chip--state-rejected")).to_be_visible()
    assert Quote.objects.get(pk=quote.pk).status == ReviewState.REJECTED
    page.get_by_role("tab", name="History").click()
    expect(page.locator(".hi").first).to_contain_text("Rejected quote")
    expect(page.locator(".hi").first).to_contain_text("rita")
    shoot(page, "review-history")
    page.keyboard.press("u")
    expect(page.get_by_test_id("review-notice")).to_contain_text("Undone: Rejected quote")
    expect(page.locator(".hi").first).to_contain_text("Undo: Rejected quote")
    expect(page.locator(".hi--undone")).to_contain_text("Rejected quote")
    page.get_by_role("tab", name=re.compile("Quotes")).click()
    expect(page.locator(f"#qi-{quote.pk} .chip--state-unreviewed")).to_be_visible()
    assert Quote.objects.get(pk=quote.pk).status == ReviewState.UNREVIEWED


def test_the_review_screen_on_a_phone(page_for, story):
    page = page_for(story["article"].get_absolute_url(), viewport=PHONE)
    expect(page.locator("mark.q").first).to_be_visible()
    shoot(page, "review-phone")
    page.locator(".review__panel").scroll_into_view_if_needed()
    shoot(page, "review-phone-panel")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page scrolls sideways on a phone"
    select_text(page, "building would start in March")
    expect(page.locator("#selection-bar")).to_be_visible()
    expect(page.get_by_test_id("add-quote")).to_be_in_viewport()
    shoot(page, "review-phone-selection")


def test_a_stale_edit_in_one_browser_is_refused(page_for, story):
    url = story["article"].get_absolute_url()
    first, second = page_for(url), page_for(url)
    quote = story["quotes"][0]
    for page in (first, second):
        page.keyboard.press("j")
    first.keyboard.press("a")
    expect(first.locator(f"#qi-{quote.pk} .chip--state-accepted")).to_be_visible()
    second.keyboard.press("x")
    error = second.get_by_test_id("review-error")
    expect(error).to_contain_text("Someone else changed this")
    expect(error).to_contain_text("Accepted")
    expect(second.locator(f"#qi-{quote.pk} .chip--state-accepted")).to_be_visible()
    shoot(second, "review-conflict")
    assert Quote.objects.get(pk=quote.pk).status == ReviewState.ACCEPTED


def test_fixing_boundaries_and_mentions_by_selecting_text(page_for, story):
    page = page_for(story["article"].get_absolute_url())
    quote = story["quotes"][1]
    page.locator(f'#article-text mark[data-quote="{quote.pk}"]').first.click()
    expect(current_quote(page)).to_have_attribute("data-quote", str(quote.pk))
    select_text(page, "the plan was too late")
    page.get_by_test_id("set-bounds").click()
    expect(page.get_by_test_id("review-notice")).to_contain_text("Saved the quote")
    fixed = Quote.objects.get(pk=quote.pk)
    assert fixed.text == "the plan was too late" and fixed.status == ReviewState.CORRECTED
    expect(page.locator(f"#qi-{quote.pk} .qi__text")).to_have_text("the plan was too late")

    bbc = Mention.objects.get(text="BBC")
    page.locator(f'#article-text [data-mention="{bbc.pk}"]').click()
    tools = page.locator("#mention-tools")
    expect(tools).to_be_visible()
    expect(tools).to_contain_text("BBC")
    shoot(page, "review-mention-tools")
    tools.locator("select[name=label]").select_option("NORP")
    expect(page.get_by_test_id("review-notice")).to_contain_text("Saved the mention")
    assert Mention.objects.get(pk=bbc.pk).label == "NORP"
    page.locator(f'#article-text [data-mention="{bbc.pk}"]').click()
    page.get_by_test_id("remove-mention").click()
    expect(page.locator(f'#article-text [data-mention="{bbc.pk}"]')).to_have_count(0)
    assert Mention.objects.get(pk=bbc.pk).status == ReviewState.REJECTED


@pytest.mark.slow
def test_corrections_made_in_the_browser_survive_re_extraction(page_for, story):
    from django.core.management import call_command

    article = story["article"]
    page = page_for(article.get_absolute_url())
    accepted, respoken = story["quotes"][0], story["quotes"][2]
    page.keyboard.press("j")
    page.keyboard.press("a")
    expect(page.locator(f"#qi-{accepted.pk} .chip--state-accepted")).to_be_visible()
    page.locator(f'#article-text mark[data-quote="{respoken.pk}"]').first.click()
    page.keyboard.press("s")
    page.keyboard.type("Fenw")
    page.locator(f"#qi-{respoken.pk} .ac__option", has_text="Mark Fenwick").click()
    expect(page.locator(f"#qi-{respoken.pk} .qi__speaker")).to_have_text("Mark Fenwick")
    kept = {
        q.pk: (q.start, q.end, q.text, q.status, q.speaker_id, q.version)
        for q in article.quotes.exclude(status=ReviewState.UNREVIEWED)
    }

    page.get_by_role("button", name="Re-extract").click()
    expect(page.locator("#extraction-status")).to_contain_text("Queued")
    call_command("extract", "--once", verbosity=0)
    # The status line polls, and reloads the page when extraction is done.
    expect(page.locator("#extraction-status")).to_contain_text("Extracted", timeout=15_000)

    after = {
        q.pk: (q.start, q.end, q.text, q.status, q.speaker_id, q.version)
        for q in article.quotes.filter(pk__in=kept)
    }
    assert after == kept
    expect(page.locator(f"#qi-{accepted.pk} .chip--state-accepted")).to_be_visible()
    expect(page.locator(f"#qi-{respoken.pk} .qi__speaker")).to_have_text("Mark Fenwick")
    expect(page.locator(f"mark#q-{respoken.pk} > .q-who")).to_have_text("Mark Fenwick")
    shoot(page, "review-after-re-extraction")


@pytest.fixture
def uploaded(story, django_user_model):
    """An article an editor ("eddie") uploaded through the app, so its creation is audited."""
    from django.test import Client
    from django.urls import reverse

    editor = django_user_model.objects.create_user("eddie", password=PASSWORD)
    editor.groups.add(role_group("editor"))
    client = Client()
    client.force_login(editor)
    client.post(
        reverse("articles:upload-text"),
        {"title": "Harbour reopens", "text": "The harbour reopened on Monday after the storms."},
    )
    return Article.objects.get(title="Harbour reopens")


def test_an_uploaded_article_cannot_be_deleted_from_its_history(page_for, uploaded):
    from django.urls import reverse

    page = page_for(uploaded.get_absolute_url())  # rita, a reviewer
    page.get_by_role("tab", name="History").click()
    entry = page.locator(".hi--added")
    expect(entry).to_contain_text("Added to the archive")
    expect(entry).to_contain_text("eddie")
    expect(entry.get_by_role("button")).to_have_count(0)
    expect(page.locator("#undo-last")).to_have_count(0)
    shoot(page, "review-history-added")
    page.keyboard.press("u")  # nothing of hers to undo
    # Even a forged undo of the upload is refused, and nothing goes.
    status = page.evaluate(
        """async ([url, change]) => {
            const token = JSON.parse(document.body.getAttribute("hx-headers"))["x-csrftoken"];
            const response = await fetch(url, {
              method: "POST",
              body: new URLSearchParams({ change: change }),
              headers: { "X-CSRFToken": token, "HX-Request": "true" },
            });
            return response.status;
        }""",
        [reverse("articles:undo", args=[uploaded.pk]), entry.get_attribute("data-change")],
    )
    assert status == 409
    page.reload()
    expect(page.locator("h1")).to_have_text("Harbour reopens")
    assert Article.objects.filter(pk=uploaded.pk).exists()
    assert page.errors == []


def test_undoing_a_tag_change_refreshes_the_tag_panel(page_for, uploaded):
    page = page_for(uploaded.get_absolute_url(), username="eddie")
    panel = page.locator("#article-tags")
    panel.get_by_placeholder("Add a tag…").fill("Harbours")
    panel.get_by_role("button", name="Add tag").click()
    expect(panel.locator(".tag-chip--applied a")).to_have_text("Harbours")
    page.reload()
    page.get_by_role("tab", name="History").click()
    tagged = page.locator(".hi", has_text="Tagged Harbours")
    expect(tagged).to_contain_text("eddie")
    tagged.get_by_role("button", name="Undo").click()
    expect(page.get_by_test_id("review-notice")).to_contain_text("Undone: Tagged Harbours")
    expect(page.locator("#article-tags")).to_contain_text("No tags yet.")
    assert not uploaded.tags.exists()
    assert page.errors == []


def test_adding_a_missed_quote_with_the_keyboard_alone(page_for, story):
    page = page_for(story["article"].get_absolute_url())
    expect(page.locator("mark.q").first).to_be_visible()
    selected = page.locator('#selection-bar [data-sel="text"]')
    # t walks the sentences: the third is the missed one.
    page.keyboard.press("t")
    expect(selected).to_have_text(re.compile("^Prime Minister Jane Holloway visited Leeds"))
    page.keyboard.press("t")
    expect(selected).to_have_text(re.compile("^.We will rebuild every school"))
    page.keyboard.press("t")
    expect(selected).to_have_text("She added that the money would arrive by spring.")
    # [ and ] move its end by a word, { and } its start.
    page.keyboard.press("[")
    expect(selected).to_have_text("She added that the money would arrive by")
    page.keyboard.press("]")
    expect(selected).to_have_text("She added that the money would arrive by spring.")
    page.keyboard.press("}")
    expect(selected).to_have_text("added that the money would arrive by spring.")
    page.keyboard.press("{")
    expect(selected).to_have_text("She added that the money would arrive by spring.")
    shoot(page, "review-text-cursor")
    page.keyboard.press("Enter")
    speaker = page.get_by_test_id("new-quote-speaker")
    expect(speaker).to_be_focused()
    speaker.type("Jane Holl")
    expect(page.locator("#selection-bar .ac__option", has_text="Jane Holloway")).to_be_visible()
    page.keyboard.press("Enter")
    expect(speaker).to_have_value("Jane Holloway")
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("add-quote")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("review-notice")).to_contain_text("Added the quote")
    added = Quote.objects.get(origin=Origin.HUMAN)
    assert added.text == "She added that the money would arrive by spring."
    assert added.speaker == story["jane"]
    assert page.errors == []


def test_merging_a_suggested_duplicate_from_the_entity_page(page_for, story):
    page = page_for(story["jane"].get_absolute_url())
    suggested = page.get_by_test_id("suggested")
    expect(suggested).to_contain_text("J. Holloway")
    shoot(page, "entity-clean-up")
    twin = suggested.locator(".candidate", has_text="J. Holloway")
    number = str(
        1
        + page.locator("[data-testid=suggested] .candidate")
        .all_inner_texts()
        .index(twin.inner_text())
    )
    page.keyboard.press(number)
    button = twin.get_by_test_id("confirm-merge")
    expect(button).to_be_focused()
    expect(button).to_have_text("Merge J. Holloway into Jane Holloway")
    page.keyboard.press("Escape")
    expect(button).to_be_hidden()
    page.keyboard.press(number)
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("Merged into Jane Holloway")
    assert not Entity.objects.filter(pk=story["twin"].pk).exists()
    assert Mention.objects.filter(entity=story["jane"]).count() == 3
