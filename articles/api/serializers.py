"""What the API reads and writes. Offsets (start, end) index into the article's `text`."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from articles.intake import ingest
from articles.models import Article, Entity, Mention, Quote, Tag


class TagSerializer(serializers.ModelSerializer):
    article_count = serializers.IntegerField(read_only=True, required=False)

    class Meta:
        model = Tag
        fields = ["id", "name", "article_count"]


class TagRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ArticleSerializer(serializers.ModelSerializer):
    """An article in a list: no text, no items."""

    url = serializers.CharField(source="source_url")
    added = serializers.DateTimeField(source="created_at")
    extraction_status = serializers.CharField(source="status")
    tags = TagRefSerializer(many=True, source="tag_list")
    href = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = [
            "id",
            "href",
            "title",
            "outlet",
            "byline",
            "published",
            "url",
            "external_id",
            "added",
            "extraction_status",
            "review_status",
            "version",
            "tags",
        ]

    def get_href(self, article: Article) -> str:
        return reverse("api:article", args=[article.pk])


class MentionSerializer(serializers.ModelSerializer):
    entity = serializers.CharField(source="entity.name")

    class Meta:
        model = Mention
        fields = ["id", "start", "end", "text", "label", "entity", "entity_id", "origin", "status"]


class QuoteSerializer(serializers.ModelSerializer):
    """A quote, with the `version` a correction must carry (PATCH /api/quotes/<id>/)."""

    type = serializers.CharField(source="kind")
    speaker = serializers.SerializerMethodField()

    class Meta:
        model = Quote
        fields = [
            "id",
            "version",
            "start",
            "end",
            "text",
            "type",
            "category",
            "continues",
            "speaker",
            "speaker_id",
            "speaker_start",
            "speaker_end",
            "speaker_evidence",
            "cue",
            "confidence",
            "origin",
            "status",
        ]
        read_only_fields = ["speaker_evidence"]

    def get_speaker(self, quote: Quote) -> str | None:
        return quote.speaker.name if quote.speaker else (quote.speaker_text or None)


class ArticleDetailSerializer(ArticleSerializer):
    """An article with its text and its standing entity mentions and quotes."""

    text = serializers.CharField(source="body")
    entities = MentionSerializer(many=True, source="standing_mentions")
    quotes = QuoteSerializer(many=True, source="standing_quotes")

    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "text", "entities", "quotes"]


class ArticleUploadSerializer(serializers.Serializer):
    """A new article. Every field is checked by the upload page's own rules (PasteForm and
    ingest): a title left out is taken from the text's first line, as on the page."""

    title = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    text = serializers.CharField(allow_blank=True, trim_whitespace=False)
    byline = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    outlet = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    published = serializers.CharField(
        required=False, allow_blank=True, help_text="YYYY-MM-DD", trim_whitespace=False
    )
    url = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    external_id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=ingest.EXTERNAL_ID_MAX,
        trim_whitespace=False,
    )


class VerdictSerializer(serializers.Serializer):
    """What happened to an uploaded article: created (and queued), or a duplicate."""

    outcome = serializers.ChoiceField(choices=["created", "duplicate"])
    id = serializers.IntegerField()
    title = serializers.CharField()
    message = serializers.CharField(allow_blank=True)
    href = serializers.CharField()


class RefusalSerializer(serializers.Serializer):
    detail = serializers.CharField()


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}]})
class SpeakerField(serializers.Field):
    """An entity id (a number), or the name of a new person (text)."""

    default_error_messages = {"invalid": "Give an entity id (a number) or a new name (text)."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        if isinstance(data, int) and not 0 < data < 2**63:
            self.fail("invalid")
        return data

    def to_representation(self, value):
        return value


class QuotePatchSerializer(serializers.Serializer):
    """A correction of a quote, with the `version` the client saw.

    `status` accepts or rejects it; `speaker` attributes it to an entity id or a new person;
    `type`, `category`, `start` and `end` correct it (new boundaries need `article_version`,
    the article's `version` the offsets were taken from).
    """

    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    status = serializers.ChoiceField(choices=["accepted", "rejected"], required=False)
    speaker = SpeakerField(required=False)
    type = serializers.ChoiceField(choices=Quote.Kind.values, required=False)
    category = serializers.ChoiceField(choices=Quote.Category.values, required=False)
    start = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)
    end = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)
    article_version = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)

    def validate(self, data):
        if ("start" in data) != ("end" in data):
            raise serializers.ValidationError("Give both start and end, or neither.")
        if len(data) == 1:
            raise serializers.ValidationError("Nothing to change: give a field besides version.")
        return data


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current = QuoteSerializer(allow_null=True)


class EntitySerializer(serializers.ModelSerializer):
    mention_count = serializers.IntegerField()
    article_count = serializers.IntegerField()

    class Meta:
        model = Entity
        fields = ["id", "name", "label", "mention_count", "article_count"]


class SpeakerSerializer(serializers.ModelSerializer):
    quote_count = serializers.IntegerField()
    article_count = serializers.IntegerField()
    last_quoted = serializers.DateField(allow_null=True)

    class Meta:
        model = Entity
        fields = ["id", "name", "label", "quote_count", "article_count", "last_quoted"]


class TagNameSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, trim_whitespace=False)
