"""The REST API: uploads with the upload page's verdicts, corrections with the review page's
version checks, filters and cursor pages, tagging, throttling, tokens and the schema."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from articles.models import Article, Entity, Mention, Quote, ReviewState, Tag
from tests.test_views import result_rows

pytestmark = pytest.mark.django_db

BODY = "Mayor Ada Quayle opened the harbour.\n\n“The harbour is open again,” Quayle said."


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api_for(make_user):
    def make(role: str) -> APIClient:
        user = make_user(role, is_staff=role == "admin")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        client.user = user
        return client

    return make


@pytest.fixture
def story(make_article) -> dict:
    article = make_article(body=BODY, title="Harbour opens", outlet="Gazette")
    ada = Entity.objects.create(name="Ada Quayle", label="PERSON", key="ada quayle")
    start = BODY.index("Ada Quayle")
    mention = Mention.objects.create(
        article=article, entity=ada, start=start, end=start + 10, text="Ada Quayle",
        label="PERSON",
    )  # fmt: skip
    start, end = BODY.index("“"), BODY.index("”") + 1
    quote = Quote.objects.create(
        article=article, speaker=ada, start=start, end=end, text=BODY[start:end], cue="said",
        speaker_text="Quayle", confidence=0.4,
    )  # fmt: skip
    return {"article": article, "ada": ada, "mention": mention, "quote": quote}


# --- Uploads: the upload page's verdicts -------------------------------------------------------

# Bad input, sent to the paste form and to the API: both refuse it, for the same reason.
BAD_UPLOADS = [
    {"title": "Nothing", "text": ""},
    {"title": "Blank", "text": "   \n  "},
    {"title": "Bad date", "text": "A story.", "published": "2024-13-45"},
    {"title": "Bad URL", "text": "A story.", "url": "http://exa mple"},
    {"title": "x" * 501, "text": "A story with a long title."},
    {"title": "Long outlet", "text": "A story.", "outlet": "o" * 201},
    {"title": "Too long", "text": "y" * 60},
]


@pytest.mark.parametrize("fields", BAD_UPLOADS, ids=[f["title"][:12] for f in BAD_UPLOADS])
def test_api_uploads_are_refused_as_the_upload_page_refuses_them(
    fields, api_for, client_for, settings
):
    settings.NEWSROOM_MAX_ARTICLE_CHARS = 50
    page = dict(fields)
    if "url" in page:
        page["source_url"] = page.pop("url")
    rows = result_rows(client_for("editor").post(reverse("articles:upload-text"), page).text)
    [(outcome, page_reason)] = rows.values()
    response = api_for("editor").post(reverse("api:articles"), fields, format="json")
    assert outcome == "rejected"
    assert response.status_code == 400
    assert page_reason.lower() in response.json()["detail"].lower()
    assert not Article.objects.exists()


def test_api_upload_creates_queues_and_then_finds_the_duplicate(api_for, client_for):
    editor = api_for("editor")
    fields = {
        "title": "Harbour reopens",
        "text": "The harbour reopened on Monday, the mayor said.",
        "byline": "Ann Lee",
        "outlet": "Gazette",
        "published": "2024-05-01",
        "url": "https://example.com/harbour",
        "external_id": "cms-42",
    }
    created = editor.post(reverse("api:articles"), fields, format="json")
    assert created.status_code == 201
    article = Article.objects.get()
    assert created.json()["id"] == article.pk and created["Location"] == created.json()["href"]
    assert (article.status, article.uploaded_by, article.external_id) == (
        Article.Status.QUEUED,
        editor.user,
        "cms-42",
    )
    assert (article.outlet, str(article.published), article.source_url) == (
        "Gazette",
        "2024-05-01",
        "https://example.com/harbour",
    )
    again = editor.post(reverse("api:articles"), {"text": fields["text"]}, format="json")
    assert again.status_code == 200
    assert again.json()["outcome"] == "duplicate" and again.json()["id"] == article.pk
    # The page says the same of the same text.
    page = client_for("editor").post(reverse("articles:upload-text"), {"text": fields["text"]})
    [(outcome, _)] = result_rows(page.text).values()
    assert outcome == "duplicate"


def test_api_upload_takes_the_first_line_as_title_like_the_page(api_for):
    response = api_for("editor").post(
        reverse("api:articles"), {"text": "Pasted headline\n\nIt was pasted."}, format="json"
    )
    assert response.status_code == 201
    assert Article.objects.get().title == "Pasted headline"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"text": 5}, "text must be text"),
        ({"text": "A story.", "colour": "red"}, "Unknown fields: colour"),
        ({"text": "A story.", "external_id": "a\x00b"}, "control characters"),
    ],
)
def test_api_upload_refuses_what_is_not_an_article(body, reason, api_for):
    response = api_for("editor").post(reverse("api:articles"), body, format="json")
    assert response.status_code == 400 and reason in response.json()["detail"]
    assert not Article.objects.exists()


def test_api_upload_that_is_not_json_is_400(api_for):
    response = api_for("editor").post(
        reverse("api:articles"), "{not json", content_type="application/json"
    )
    assert response.status_code == 400


# --- Reading -----------------------------------------------------------------------------------


def test_article_has_its_text_entities_and_quotes_with_offsets(api_for, story):
    Quote.objects.create(
        article=story["article"], start=0, end=5, text="Mayor", status=ReviewState.REJECTED
    )
    data = api_for("reviewer").get(reverse("api:article", args=[story["article"].pk])).json()
    text = data["text"]
    assert [(e["text"], e["entity_id"]) for e in data["entities"]] == [
        ("Ada Quayle", story["ada"].pk)
    ]
    (quote,) = data["quotes"]  # the rejected one is not standing
    assert text[quote["start"] : quote["end"]] == quote["text"]
    assert (quote["speaker"], quote["version"]) == ("Ada Quayle", 1)


def test_a_missing_article_is_404(api_for):
    assert api_for("editor").get(reverse("api:article", args=[999999])).status_code == 404


def test_list_filters_are_the_searchs_and_pages_go_by_cursor(api_for, make_article):
    politics = Tag.objects.create(name="Politics")
    for n in range(7):
        article = make_article(title=f"Story {n}", outlet="Gazette" if n % 2 else "Ledger")
        if n < 5:
            article.tags.add(politics)
    client = api_for("reviewer")
    url = reverse("api:articles")
    first = client.get(url, {"tag": politics.pk, "outlet": "Gazette", "page_size": 1}).json()
    seen = [row["title"] for row in first["results"]]
    next_url = first["next"]
    while next_url:
        page = client.get(next_url).json()
        seen += [row["title"] for row in page["results"]]
        next_url = page["next"]
    assert seen == ["Story 3", "Story 1"]  # newest first
    searched = client.get(url, {"q": '"Story 4"'}).json()["results"]
    assert [row["title"] for row in searched] == ["Story 4"]
    assert searched[0]["tags"] == [{"id": politics.pk, "name": "Politics"}]


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"tag": "x"}, "Tags"),
        ({"since": "2024-99-01"}, "Start date"),
        ({"tag": [str(n) for n in range(1, 12)]}, "at most 10 tags"),
        ({"q": "x" * 501}, "too long"),
    ],
)
def test_list_refuses_bad_filters_with_the_searchs_messages(params, reason, api_for):
    response = api_for("editor").get(reverse("api:articles"), params)
    assert response.status_code == 400 and reason in response.json()["detail"]


def test_entities_speakers_and_tags(api_for, story):
    story["article"].tags.add(Tag.objects.create(name="Ports"))
    client = api_for("reviewer")
    entities = client.get(reverse("api:entities"), {"label": "PERSON"}).json()["results"]
    assert [(e["name"], e["mention_count"]) for e in entities] == [("Ada Quayle", 1)]
    speakers = client.get(reverse("api:speakers"), {"q": "quayle"}).json()["results"]
    assert [(e["name"], e["quote_count"]) for e in speakers] == [("Ada Quayle", 1)]
    tags = client.get(reverse("api:tags")).json()["results"]
    assert [(t["name"], t["article_count"]) for t in tags] == [("Ports", 1)]


# --- Corrections: the review page's services ---------------------------------------------------


def test_a_stale_patch_is_409_with_the_current_quote(api_for, story):
    quote = story["quote"]
    reviewer = api_for("reviewer")
    url = reverse("api:quote", args=[quote.pk])
    first = reviewer.patch(url, {"version": 1, "type": "mixed"}, format="json")
    assert first.status_code == 200
    assert (first.json()["type"], first.json()["version"], first.json()["status"]) == (
        "mixed",
        2,
        "corrected",
    )
    stale = api_for("reviewer").patch(url, {"version": 1, "status": "rejected"}, format="json")
    assert stale.status_code == 409
    assert stale.json()["current"]["version"] == 2 and stale.json()["current"]["type"] == "mixed"
    assert "Nothing was saved" in stale.json()["detail"]
    quote.refresh_from_db()
    assert (quote.status, quote.version) == (ReviewState.CORRECTED, 2)


def test_patch_speaker_by_id_or_new_name_and_status_in_one_request(api_for, story):
    quote = story["quote"]
    reviewer = api_for("reviewer")
    url = reverse("api:quote", args=[quote.pk])
    named = reviewer.patch(
        url, {"version": 1, "speaker": "Bo Lind", "status": "accepted"}, format="json"
    )
    assert named.status_code == 200, named.json()
    bo = Entity.objects.get(name="Bo Lind")
    assert (named.json()["speaker_id"], named.json()["status"]) == (bo.pk, "accepted")
    by_id = reviewer.patch(
        url, {"version": named.json()["version"], "speaker": story["ada"].pk}, format="json"
    )
    assert by_id.json()["speaker"] == "Ada Quayle"


def test_speaker_evidence_is_read_only_and_a_new_speaker_clears_it(api_for, story):
    quote = story["quote"]
    why = "“Quayle” is Ada Quayle, named in full as “Mayor Ada Quayle”."
    Quote.objects.filter(pk=quote.pk).update(speaker_evidence=why)
    reviewer = api_for("reviewer")
    data = reviewer.get(reverse("api:article", args=[story["article"].pk])).json()
    assert data["quotes"][0]["speaker_evidence"] == why
    url = reverse("api:quote", args=[quote.pk])
    ignored = reviewer.patch(url, {"version": 1, "speaker_evidence": "mine"}, format="json")
    assert ignored.status_code == 400  # not a field a client may write: nothing to change
    assert Quote.objects.get(pk=quote.pk).speaker_evidence == why
    changed = reviewer.patch(url, {"version": 1, "speaker": "Bo Lind"}, format="json")
    assert (changed.json()["speaker"], changed.json()["speaker_evidence"]) == ("Bo Lind", "")


def test_patch_boundaries_need_the_article_version(api_for, story, make_article):
    quote, article = story["quote"], story["article"]
    url = reverse("api:quote", args=[quote.pk])
    start = BODY.index("The harbour")
    body = {"version": 1, "start": start, "end": start + 11, "article_version": 2}
    stale = api_for("reviewer").patch(url, body, format="json")
    assert stale.status_code == 409 and "edited since" in stale.json()["detail"]
    body["article_version"] = article.version
    fixed = api_for("reviewer").patch(url, body, format="json")
    assert fixed.status_code == 200 and fixed.json()["text"] == "The harbour"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"status": "accepted"}, 400),  # no version
        ({"version": 1}, 400),  # nothing to change
        ({"version": 1, "status": "corrected"}, 400),
        ({"version": 1, "speaker": True}, 400),
        ({"version": 1, "speaker": "a\x00b"}, 400),
        ({"version": 1, "start": 3}, 400),
        ({"version": 1, "start": 5, "end": 2}, 422),
        ({"version": 1, "speaker": 999999}, 422),
    ],
)
def test_patch_refusals_change_nothing(body, status, api_for, story):
    quote = story["quote"]
    response = api_for("reviewer").patch(reverse("api:quote", args=[quote.pk]), body, format="json")
    assert response.status_code == status, response.json()
    quote.refresh_from_db()
    assert (quote.version, quote.status) == (1, ReviewState.UNREVIEWED)


def test_a_patch_that_fails_half_way_keeps_nothing(api_for, story):
    quote = story["quote"]
    response = api_for("reviewer").patch(
        reverse("api:quote", args=[quote.pk]),
        {"version": 1, "type": "indirect", "speaker": 999999},
        format="json",
    )
    assert response.status_code == 422
    quote.refresh_from_db()
    assert (quote.kind, quote.version) == ("direct", 1)


# --- Tagging -----------------------------------------------------------------------------------


def test_tagging_and_untagging(api_for, story, make_user):
    article = story["article"]
    editor = api_for("editor")
    tagged = editor.post(
        reverse("api:article-tags", args=[article.pk]), {"name": " Ports "}, format="json"
    )
    assert tagged.status_code == 200
    (tag,) = Tag.objects.all()
    assert tagged.json() == [{"id": tag.pk, "name": "Ports"}]
    untagged = editor.delete(reverse("api:article-tag", args=[article.pk, tag.pk]))
    assert untagged.json() == [] and not article.tags.exists()
    bad = editor.post(
        reverse("api:article-tags", args=[article.pk]), {"name": "x" * 81}, format="json"
    )
    assert bad.status_code == 400 and "at most 80" in bad.json()["detail"]


# --- Throttling, tokens, schema ----------------------------------------------------------------


def test_requests_past_the_rate_are_429_per_account(api_for, settings):
    from django.core.cache import cache

    cache.clear()
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api-read": "3/minute", "api-write": "1/minute"},
    }
    one, other = api_for("reviewer"), api_for("reviewer")
    url = reverse("api:tags")
    assert [one.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert "Retry-After" in one.get(url)
    assert other.get(url).status_code == 200  # another account counts apart
    cache.clear()


def test_drf_create_token_makes_a_token_that_works(make_user):
    user = make_user("reviewer")
    out = io.StringIO()
    call_command("drf_create_token", user.username, stdout=out)
    key = Token.objects.get(user=user).key
    assert key in out.getvalue()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(reverse("api:tags")).status_code == 200


def test_the_token_page_shows_a_new_token_once(client_for):
    client = client_for("reviewer")
    url = reverse("api-token")
    assert "You have no token yet" in client.get(url).text
    created = client.post(url, {"action": "create"})
    key = Token.objects.get().key
    assert key in created.text and "no-store" in created["Cache-Control"]
    later = client.get(url).text
    assert key not in later and "You have a token" in later
    client.post(url, {"action": "create"})
    assert Token.objects.get().key != key  # replaced: the old one no longer works
    client.post(url, {"action": "revoke"})
    assert not Token.objects.exists()


def test_the_schema_is_valid_openapi_and_lists_every_route():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)  # raises on an invalid document
    assert set(schema["paths"]) == {
        "/api/articles/",
        "/api/articles/{id}/",
        "/api/articles/{id}/tags/",
        "/api/articles/{id}/tags/{tag_pk}/",
        "/api/quotes/{id}/",
        "/api/entities/",
        "/api/speakers/",
        "/api/tags/",
        "/api/export/",
    }
    assert set(schema["paths"]["/api/quotes/{id}/"]["patch"]["responses"]) >= {"200", "409"}
    quote = schema["components"]["schemas"]["Quote"]["properties"]
    assert quote["speaker_evidence"]["readOnly"] is True
    patch = schema["components"]["schemas"]["PatchedQuotePatchRequest"]
    assert "speaker_evidence" not in patch["properties"]


def test_the_schema_and_docs_are_served_to_readers(api_for):
    client = api_for("reviewer")
    assert client.get(reverse("api:schema")).status_code == 200
    docs = client.get(reverse("api:docs"))
    assert docs.status_code == 200 and b"swagger-ui-bundle.js" in docs.content
    assert b"<style" not in docs.content and b"<script>" not in docs.content


def test_exports_for_programs_are_the_pages_exports(api_for, story):
    client = api_for("reviewer")
    response = client.get(reverse("api:export"), {"format": "csv", "items": "all", "q": "harbour"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = b"".join(response.streaming_content).decode().splitlines()
    assert len(rows) == 2 and str(story["quote"].pk) in rows[1]
    refused = client.get(reverse("api:export"), {"format": "pdf"})
    assert refused.status_code == 400 and "Format" in refused.json()["detail"]
