"""Articles, the entities and quotes extracted from them, tags and extraction runs."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
)
from django.db import connection, models
from django.db.models import F, Q
from django.db.models.functions import Lower, Now
from django.urls import reverse
from django.utils import timezone


class Origin(models.TextChoices):
    MACHINE = "machine", "Machine"
    HUMAN = "human", "Human"


class ReviewState(models.TextChoices):
    """Review state of one extracted item (a mention or a quote)."""

    UNREVIEWED = "unreviewed", "Unreviewed"
    ACCEPTED = "accepted", "Accepted"
    CORRECTED = "corrected", "Corrected"
    REJECTED = "rejected", "Rejected"


class ArticleQuerySet(models.QuerySet):
    def pending(self) -> ArticleQuerySet:
        """Articles the worker may claim now: queued and due, or processing with a lapsed lease."""
        return self.filter(
            Q(status=Article.Status.QUEUED, next_attempt_at__lte=Now())
            | Q(status=Article.Status.PROCESSING, lease_expires_at__lt=Now())
        )

    def outlets(self, limit: int = 200) -> list[str]:
        """Every outlet of every article, sorted, in one index probe per outlet.

        A plain DISTINCT reads the whole table; this skips through the outlet index instead.
        """
        sql = """
            WITH RECURSIVE skip AS (
                SELECT min(outlet) AS outlet FROM articles_article WHERE outlet > ''
                UNION ALL
                SELECT (SELECT min(outlet) FROM articles_article WHERE outlet > skip.outlet)
                FROM skip WHERE skip.outlet IS NOT NULL
            )
            SELECT outlet FROM skip WHERE outlet IS NOT NULL LIMIT %s
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [limit])
            return [row[0] for row in cursor.fetchall()]

    def search(self, terms: str) -> ArticleQuerySet:
        """Full-text search in web-search syntax, best match first."""
        query = SearchQuery(terms, config="english", search_type="websearch")
        return (
            self.filter(search_vector=query)
            .annotate(rank=SearchRank(F("search_vector"), query))
            .order_by("-rank", "-created_at")
        )


# Audit history (django-pghistory): database triggers snapshot every change, so bulk updates and
# the worker's writes are caught too. `updated_at` is left out so a save that changes nothing
# records nothing. Updates and inserts store the new row, deletes the old one; the state before
# an update is the previous event of the same row (see articles/history.py).
def row_events() -> tuple[pghistory.RowEvent, ...]:
    """Fresh trackers per model: pghistory fills in each tracker's fields when set up."""
    return (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())


@pghistory.track(*row_events(), exclude=["updated_at"])
class Tag(models.Model):
    name = models.CharField(max_length=80)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="tag_name_unique_ci")]

    def __str__(self) -> str:
        return self.name


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    fields=["review_status", "reviewed_by", "reviewed_at"],
    model_name="ArticleReviewEvent",
)
class Article(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        EXTRACTED = "extracted", "Extracted"
        FAILED = "failed", "Failed"

    class ReviewStatus(models.TextChoices):
        NEEDS_REVIEW = "needs_review", "Needs review"
        IN_REVIEW = "in_review", "In review"
        REVIEWED = "reviewed", "Reviewed"

    title = models.CharField(max_length=500)
    byline = models.CharField(max_length=300, blank=True)
    outlet = models.CharField(max_length=200, blank=True)
    source_url = models.URLField(max_length=2000, blank=True)
    published = models.DateField(null=True, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    original_filename = models.CharField(max_length=255, blank=True)
    content_hash = models.CharField(max_length=64, unique=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="uploaded_articles",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Extraction state, driven by the worker (`manage.py extract`).
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # A new article is due at once; the queue (extraction/queue.py) moves it from then on.
    next_attempt_at = models.DateTimeField(default=timezone.now, null=True, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    extracted_at = models.DateTimeField(null=True, blank=True)
    extraction_version = models.CharField(max_length=100, blank=True)
    # What repair changed before analysis: [{"start", "end", "original", "replacement", "kind"}].
    repairs = models.JSONField(default=list, blank=True)

    review_status = models.CharField(
        max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.NEEDS_REVIEW
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles")

    search_vector = models.GeneratedField(
        expression=SearchVector("title", weight="A", config="english")
        + SearchVector("body", weight="B", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="article_newest"),
            models.Index(fields=["status", "next_attempt_at"], name="article_queue"),
            models.Index(fields=["outlet"], name="article_outlet"),
            GinIndex(fields=["search_vector"], name="article_search"),
        ]
        permissions = [
            ("tag_article", "Can tag articles"),
            ("review_article", "Can review and correct extractions"),
            ("retry_extraction", "Can queue extraction again"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("articles:detail", args=[self.pk])

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.body.split("\n\n") if p.strip()]

    @property
    def is_pending(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.PROCESSING}


@pghistory.track(*row_events(), exclude=["updated_at"])
class Entity(models.Model):
    """A person, organisation or place, shared across articles."""

    name = models.CharField(max_length=300)
    label = models.CharField(max_length=20)
    key = models.CharField(max_length=300, help_text="Normalised name used for matching.")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "entities"
        ordering = ["name"]
        indexes = [
            models.Index(fields=["label", "key"], name="entity_label_key"),
            GinIndex(OpClass("key", name="gin_trgm_ops"), name="entity_key_trgm"),
            # Fuzzy matching during extraction looks for similar keys of one label: with both
            # in one index (btree_gin) that is an index lookup, not a scan of the label.
            # Without a pending list (fastupdate), lookups stay fast while workers add entities.
            GinIndex(
                F("label"),
                OpClass("key", name="gin_trgm_ops"),
                name="entity_label_key_trgm",
                fastupdate=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.label})"

    def get_absolute_url(self) -> str:
        return reverse("articles:entity", args=[self.pk])


@pghistory.track(*row_events())
class EntityAlias(models.Model):
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=300)
    key = models.CharField(max_length=300)

    class Meta:
        verbose_name_plural = "entity aliases"
        constraints = [
            models.UniqueConstraint(fields=["entity", "key"], name="alias_unique_per_entity")
        ]
        indexes = [GinIndex(OpClass("key", name="gin_trgm_ops"), name="alias_key_trgm")]

    def __str__(self) -> str:
        return self.name


class ExtractionRun(models.Model):
    """One batch processed by a worker, with what it used and what it found."""

    class Outcome(models.TextChoices):
        FINISHED = "finished", "Finished"
        STOPPED = "stopped", "Stopped (the worker was asked to stop)"
        CRASHED = "crashed", "Crashed (the worker hit an error)"
        ABANDONED = "abandoned", "Abandoned (the worker vanished)"

    worker = models.CharField(max_length=200)
    model_name = models.CharField(max_length=100)
    model_version = models.CharField(max_length=40)
    pipeline_version = models.CharField(max_length=40)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    nlp_seconds = models.FloatField(default=0)
    total_seconds = models.FloatField(default=0)
    articles = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    tokens = models.PositiveIntegerField(default=0)
    mentions = models.PositiveIntegerField(default=0)
    quotes = models.PositiveIntegerField(default=0)
    # Articles whose claim passed to another worker before their results were stored.
    lost = models.PositiveIntegerField(default=0)
    # Empty while the batch runs; set whenever the run is closed, however it ended.
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Run {self.pk} by {self.worker}"


class ExtractedItem(models.Model):
    """Fields shared by mentions and quotes: where they came from and how review left them."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.TextField()
    origin = models.CharField(max_length=8, choices=Origin.choices, default=Origin.MACHINE)
    status = models.CharField(
        max_length=12, choices=ReviewState.choices, default=ReviewState.UNREVIEWED
    )
    run = models.ForeignKey(
        ExtractionRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["start", "end"]

    @property
    def is_machine_unreviewed(self) -> bool:
        return self.origin == Origin.MACHINE and self.status == ReviewState.UNREVIEWED


@pghistory.track(*row_events(), exclude=["updated_at"])
class Mention(ExtractedItem):
    """A span of an article naming an entity."""

    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="mentions")
    label = models.CharField(max_length=20)

    class Meta(ExtractedItem.Meta):
        default_related_name = "mentions"
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="mention_span_valid")
        ]
        indexes = [models.Index(fields=["article", "start"], name="mention_article_start")]

    def __str__(self) -> str:
        return self.text


@pghistory.track(*row_events(), exclude=["updated_at"])
class Quote(ExtractedItem):
    """A quotation in an article and who said it."""

    class Kind(models.TextChoices):
        DIRECT = "direct", "Direct"
        INDIRECT = "indirect", "Indirect"
        MIXED = "mixed", "Mixed"

    class Category(models.TextChoices):
        QUOTE = "quote", "Quote"
        ATTRIBUTION = "attribution", "Attribution"

    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.DIRECT)
    category = models.CharField(
        max_length=12,
        choices=Category.choices,
        default=Category.QUOTE,
        help_text="Reported speech (cue rules) or a wider claim attributed to a source.",
    )
    continues = models.BooleanField(
        default=False, help_text="The later part of one quotation interrupted by its cue."
    )
    cue = models.CharField(max_length=100, blank=True)
    cue_start = models.PositiveIntegerField(null=True, blank=True)
    cue_end = models.PositiveIntegerField(null=True, blank=True)
    speaker = models.ForeignKey(
        Entity, null=True, blank=True, on_delete=models.SET_NULL, related_name="quotes"
    )
    speaker_text = models.CharField(max_length=300, blank=True)
    speaker_start = models.PositiveIntegerField(null=True, blank=True)
    speaker_end = models.PositiveIntegerField(null=True, blank=True)
    confidence = models.FloatField(default=0.5)

    class Meta(ExtractedItem.Meta):
        default_related_name = "quotes"
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="quote_span_valid")
        ]
        indexes = [
            models.Index(fields=["article", "start"], name="quote_article_start"),
            models.Index(
                fields=["confidence"],
                condition=Q(status="unreviewed"),
                name="quote_review_queue",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]


# Tagging and untagging an article are inserts and deletes on the through table.
pghistory.track(
    pghistory.InsertEvent("tag.add"),
    pghistory.DeleteEvent("tag.remove"),
    model_name="ArticleTagEvent",
    app_label="articles",
)(Article.tags.through)
