"""axe-core over every page, at 1280 and 390 px: no serious or critical violation.

axe-core comes from node_modules (the Makefile installs the pinned npm package), never a CDN;
it is evaluated in the page through the DevTools protocol, which the page's
Content-Security-Policy does not govern.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from articles.models import Article, Tag
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_review import page_for, story  # noqa: F401 (fixtures)
from tests.conftest import role_group

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = {"serious", "critical"}


def pages(story) -> list[str]:  # noqa: F811
    article = story["article"]
    trashed = Article.objects.create(
        title="Gone", body="Gone for now.", content_hash="a11y-trash", status="extracted"
    )
    trashed.deleted_at = trashed.created_at
    trashed.save(update_fields=["deleted_at"])
    Tag.objects.create(name="Politics").articles.add(article)
    return [
        "/",
        "/?sort=title",
        "/search/?q=school",
        "/search/?q=Hollowey",
        "/search/quotes/?q=Pelossi",
        "/search/quotes/?q=school",
        "/speakers/",
        "/entities/",
        f"/entities/{story['jane'].pk}/",
        "/tags/",
        "/review/",
        "/upload/",
        "/trash/",
        f"/articles/{article.pk}/",
        f"/articles/{article.pk}/edit/",
        f"/articles/{trashed.pk}/",
        "/accounts/password_change/",
        "/no-such-page/",
    ]


def violations(page) -> list[str]:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make node_modules/.installed` (npm ci)")
    page.evaluate(AXE.read_text())
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))
            }));
        }"""
    )
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {v['nodes']}"
        for v in found
        if v["impact"] in SERIOUS
    ]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_no_serious_accessibility_violations_on_any_page(
    page_for,  # noqa: F811
    story,  # noqa: F811
    django_user_model,
    viewport,
):
    user = django_user_model.objects.get(username="rita")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    for role in ("editor", "reviewer", "admin"):
        user.groups.add(role_group(role))
    paths = pages(story)
    page = page_for(paths[0], viewport=viewport)
    problems = {}
    for path in paths:
        page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + path)
        page.wait_for_load_state("networkidle")
        found = violations(page)
        if found:
            problems[path] = found
    # The shortcuts dialog and an open editor are pages of their own to a screen reader.
    page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + paths[13])
    page.wait_for_load_state("networkidle")
    page.keyboard.press("?")
    if found := violations(page):
        problems["article page, shortcuts open"] = found
    assert problems == {}, "\n".join(f"{p}:\n  " + "\n  ".join(v) for p, v in problems.items())
