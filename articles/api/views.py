"""The REST API: the pages' services behind JSON, with the pages' permissions.

Every write goes through the code the pages use: uploads through intake (the paste form's
checks, ingest, imports: the same verdicts), corrections through review/corrections.py (the
same locks and version checks: a stale version is 409 with the current quote), tagging through
tags/tagging.py. Lists page with cursors (`next`, `previous`), newest first.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import ParseError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from articles.api import serializers as s
from articles.api.permissions import CORRECT_QUOTE, READ, TAG, UPLOAD, needs
from articles.browse.exports import Export, ExportForm, spacy_refusal, streamed
from articles.browse.forms import EntityDirectoryForm, SearchForm, SpeakerDirectoryForm
from articles.browse.search import ArticleSearch
from articles.intake import imports
from articles.intake.forms import PasteForm
from articles.intake.views import pasted_item
from articles.models import Article, Entity, Mention, Quote, Tag
from articles.review import corrections
from articles.review.corrections import BadInput, Conflict, CorrectionError
from articles.tags import tagging


class NewestFirst(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class ByName(CursorPagination):
    ordering = ("name", "id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


def _refused(messages: list[str], code: int = status.HTTP_400_BAD_REQUEST) -> Response:
    return Response({"detail": " ".join(messages)}, status=code)


def _paged(request: Request, queryset, serializer, pagination=NewestFirst) -> Response:
    paginator = pagination()
    page = paginator.paginate_queryset(queryset, request)
    return paginator.get_paginated_response(serializer(page, many=True).data)


SEARCH_PARAMETERS = [
    OpenApiParameter("q", str, description="Search text: web-search syntax, as /search/."),
    OpenApiParameter("tag", int, many=True, description="Tag ids; articles with all of them."),
    OpenApiParameter("entity", int, description="Articles mentioning this entity."),
    OpenApiParameter("speaker", int, description="Articles quoting this entity."),
    OpenApiParameter("outlet", str),
    OpenApiParameter("status", str, enum=Article.Status.values),
    OpenApiParameter("review", str, enum=Article.ReviewStatus.values),
    OpenApiParameter("dates", str, enum=["published", "added"]),
    OpenApiParameter("since", OpenApiTypes.DATE),
    OpenApiParameter("until", OpenApiTypes.DATE),
]


@extend_schema(
    methods=["GET"],
    parameters=SEARCH_PARAMETERS,
    responses={200: s.ArticleSerializer(many=True), 400: s.RefusalSerializer},
    description="Articles matching the list's and search's filters, newest first.",
)
@extend_schema(
    methods=["POST"],
    request=s.ArticleUploadSerializer,
    responses={
        201: OpenApiResponse(s.VerdictSerializer, description="Created and queued."),
        200: OpenApiResponse(s.VerdictSerializer, description="A duplicate: the existing id."),
        400: OpenApiResponse(s.RefusalSerializer, description="Refused, with the reason."),
    },
    description="Upload an article, as the upload page's paste form does.",
)
@api_view(["GET", "POST"])
@permission_classes([needs(GET=READ, POST=UPLOAD)])
def articles(request: Request) -> Response:
    if request.method == "POST":
        return _upload(request)
    form = SearchForm(request.query_params)
    if problems := form.problems():
        return _refused(problems)
    found = ArticleSearch(form.cleaned_data).matching().defer("body", "repairs").with_tag_list()
    return _paged(request, found, s.ArticleSerializer)


UPLOAD_FIELDS = {"title", "text", "byline", "outlet", "published", "url", "external_id"}


def _upload(request: Request) -> Response:
    data = request.data
    if not isinstance(data, dict):
        raise ParseError("Send a JSON object.")
    unknown = sorted(set(data) - UPLOAD_FIELDS)
    if unknown:
        return _refused([f"Unknown fields: {', '.join(unknown)}."])
    for name, value in data.items():
        if value is not None and not isinstance(value, str):
            return _refused([f"The {name} must be text."])
    given = {name: value or "" for name, value in data.items()}
    form = PasteForm(
        {
            "title": given.get("title", ""),
            "text": given.get("text", ""),
            "byline": given.get("byline", ""),
            "outlet": given.get("outlet", ""),
            "published": given.get("published", ""),
            "source_url": given.get("url", ""),
        }
    )
    item = pasted_item(form, external_id=given.get("external_id", ""))
    (result,) = imports.import_items([item], request.user)
    if result.outcome == "rejected":
        return _refused([f"Refused: {result.message}."])
    verdict = {
        "outcome": result.outcome,
        "id": result.article_id,
        "title": result.title,
        "message": result.message,
        "href": reverse("api:article", args=[result.article_id]),
    }
    if result.outcome == "created":
        return Response(verdict, status=201, headers={"Location": verdict["href"]})
    return Response(verdict, status=200)


@extend_schema(responses={200: s.ArticleDetailSerializer})
@api_view(["GET"])
@permission_classes([needs(GET=READ)])
def article(request: Request, pk: int) -> Response:
    """An article with its text, entities and quotes (offsets into `text`)."""
    mentions = Mention.objects.standing().select_related("entity").order_by("start", "id")
    quotes = Quote.objects.standing().select_related("speaker").order_by("start", "id")
    found = get_object_or_404(
        Article.objects.with_tag_list().prefetch_related(
            Prefetch("mentions", queryset=mentions, to_attr="standing_mentions"),
            Prefetch("quotes", queryset=quotes, to_attr="standing_quotes"),
        ),
        pk=pk,
    )
    return Response(s.ArticleDetailSerializer(found).data)


@extend_schema(
    request=s.QuotePatchSerializer,
    responses={
        200: s.QuoteSerializer,
        400: s.RefusalSerializer,
        409: OpenApiResponse(s.ConflictSerializer, description="Stale: the current quote."),
        422: s.RefusalSerializer,
    },
)
@api_view(["PATCH"])
@permission_classes([needs(PATCH=CORRECT_QUOTE)])
def quote(request: Request, pk: int) -> Response:
    """Correct a quote, as the review page does, carrying the `version` you saw."""
    found = get_object_or_404(Quote.objects.live().only("id", "article_id"), pk=pk)
    patch = s.QuotePatchSerializer(data=request.data)
    if not patch.is_valid():
        return Response(patch.errors, status=400)
    data = patch.validated_data
    try:
        with transaction.atomic():  # every part of the patch, or none
            changed = _correct(found.pk, data, request.user)
    except Conflict as conflict:
        current = Quote.objects.select_related("speaker").filter(pk=found.pk).first()
        body = {
            "detail": str(conflict),
            "current": s.QuoteSerializer(current).data if current else None,
        }
        return Response(body, status=409)
    except BadInput as refused:
        return _refused([str(refused)])
    except CorrectionError as refused:
        return _refused([str(refused)], status.HTTP_422_UNPROCESSABLE_ENTITY)
    changed = Quote.objects.select_related("speaker").get(pk=changed.pk)
    return Response(s.QuoteSerializer(changed).data)


def _correct(quote_id: int, data: dict, user) -> Quote:
    """The review page's corrections, one after another, each on the version the last left."""
    version = data["version"]
    changed = None
    if any(name in data for name in ("type", "category", "start")):
        changed = corrections.correct_quote(
            quote_id,
            version,
            user,
            kind=data.get("type"),
            category=data.get("category"),
            start=data.get("start"),
            end=data.get("end"),
            article_version=data.get("article_version"),
        )
        version = changed.version
    if "speaker" in data:
        speaker = data["speaker"]
        if isinstance(speaker, int):
            changed = corrections.set_speaker(quote_id, version, user, entity_id=speaker)
        else:
            name = corrections.typed_name(speaker)
            changed = corrections.set_speaker(quote_id, version, user, new_name=name)
        version = changed.version
    if "status" in data:
        changed = corrections.review_quote(quote_id, version, user, data["status"])
    return changed


@extend_schema(
    parameters=[
        OpenApiParameter("q", str, description="Part of a name or alias."),
        OpenApiParameter("label", str, description="PERSON, ORG, GPE, ..."),
    ],
    responses={200: s.EntitySerializer(many=True), 400: s.RefusalSerializer},
)
@api_view(["GET"])
@permission_classes([needs(GET=READ)])
def entities(request: Request) -> Response:
    """Entities with standing mentions, by name."""
    form = EntityDirectoryForm(request.query_params)
    if not form.is_valid():
        return _refused([f"{name}: {errors[0]}" for name, errors in form.errors.items()])
    found = Entity.objects.mentioned()
    if form.cleaned_data["q"]:
        found = found.named(form.cleaned_data["q"])
    if form.cleaned_data["label"]:
        found = found.filter(label=form.cleaned_data["label"])
    return _paged(request, found, s.EntitySerializer, ByName)


@extend_schema(
    parameters=[OpenApiParameter("q", str, description="Part of a name or alias.")],
    responses={200: s.SpeakerSerializer(many=True), 400: s.RefusalSerializer},
)
@api_view(["GET"])
@permission_classes([needs(GET=READ)])
def speakers(request: Request) -> Response:
    """Entities with standing quotes, by name."""
    form = SpeakerDirectoryForm(request.query_params)
    if not form.is_valid():
        return _refused([f"{name}: {errors[0]}" for name, errors in form.errors.items()])
    found = Entity.objects.quoted()
    if form.cleaned_data["q"]:
        found = found.named(form.cleaned_data["q"])
    return _paged(request, found, s.SpeakerSerializer, ByName)


@extend_schema(responses={200: s.TagSerializer(many=True)})
@api_view(["GET"])
@permission_classes([needs(GET=READ)])
def tags(request: Request) -> Response:
    """Every tag, with how many articles carry it."""
    return _paged(request, Tag.objects.with_article_counts(), s.TagSerializer, ByName)


@extend_schema(
    request=s.TagNameSerializer,
    responses={200: s.TagRefSerializer(many=True), 400: s.RefusalSerializer},
)
@api_view(["POST"])
@permission_classes([needs(POST=TAG)])
def article_tags(request: Request, pk: int) -> Response:
    """Tag an article by name (the tag is created if you may create tags); answers the
    article's tags."""
    found = get_object_or_404(Article.objects.only("pk", "title"), pk=pk)
    named = s.TagNameSerializer(data=request.data)
    if not named.is_valid():
        return Response(named.errors, status=400)
    try:
        tag = tagging.tag_to_apply(named.validated_data["name"], request.user)
    except ValidationError as error:
        return _refused(error.messages)
    tagging.apply_tag(found, tag, request.user)
    return Response(_tags_of(found))


@extend_schema(request=None, responses={200: s.TagRefSerializer(many=True)})
@api_view(["DELETE"])
@permission_classes([needs(DELETE=TAG)])
def article_tag(request: Request, pk: int, tag_pk: int) -> Response:
    """Untag an article; answers the article's tags."""
    found = get_object_or_404(Article.objects.only("pk", "title"), pk=pk)
    tag = get_object_or_404(Tag, pk=tag_pk)
    tagging.remove_tag(found, tag, request.user)
    return Response(_tags_of(found))


def _tags_of(article: Article) -> list[dict]:
    return [{"id": tag.pk, "name": tag.name} for tag in article.tags.order_by("name")]


@extend_schema(
    parameters=[
        *SEARCH_PARAMETERS,
        OpenApiParameter("format", str, enum=["csv", "jsonl", "spacy"]),
        OpenApiParameter("rows", str, enum=["quotes", "articles", "mentions"]),
        OpenApiParameter("items", str, enum=["all", "reviewed"]),
        OpenApiParameter("rejected", str, enum=["0", "1"]),
    ],
    responses={
        (200, "text/csv"): OpenApiTypes.BINARY,
        (200, "application/x-ndjson"): OpenApiTypes.BINARY,
        (200, "application/octet-stream"): OpenApiTypes.BINARY,
        400: s.RefusalSerializer,
    },
)
@api_view(["GET"])
@permission_classes([needs(GET=READ)])
def export(request: Request):
    """The browser's /export/ for programs: the same parameters, the same streamed files."""
    form = ExportForm(request.query_params)
    if problems := form.problems():
        return _refused(problems)
    chosen = Export.from_form(form)
    if chosen.format == "spacy" and (message := spacy_refusal(chosen)):
        return _refused([message])
    return streamed(chosen)
