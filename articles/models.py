"""Articles, the entities and quotes extracted from them, tags and extraction runs."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import connection, models
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, JSONObject, Lower, Now, TruncDate
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


# Mentions and quotes "stand" unless a reviewer rejected them or an edit of the article took
# all their words (a detached item: an empty span, flagged for review): only standing ones are
# highlighted, counted, searched, suggested as tags and exported. Said here and nowhere else.
STANDING_STATES = tuple(state for state in ReviewState.values if state != ReviewState.REJECTED)


def standing_q(through: str = "") -> Q:
    """The condition that mentions or quotes stand; `through` reaches them over a relation,
    as in Count("mentions", filter=standing_q("mentions__"))."""
    return Q(**{f"{through}status__in": STANDING_STATES, f"{through}end__gt": F(f"{through}start")})


def live_q(through: str = "") -> Q:
    """The condition that articles (reached over `through`, as in "mentions__article__") are
    not in the trash."""
    return Q(**{f"{through}deleted_at__isnull": True})


class ArticleQuerySet(models.QuerySet):
    def extraction_progress(self) -> tuple[int, int] | None:
        """While extraction has work: (done, total) of the articles added since the oldest one
        still waiting, as "120 of 150 extracted"; None when nothing waits."""
        waiting = self.filter(status__in=[Article.Status.QUEUED, Article.Status.PROCESSING])
        found = waiting.aggregate(oldest=Min("created_at"), n=Count("id"))
        if not found["n"]:
            return None
        total = self.filter(created_at__gte=found["oldest"]).count()
        return total - found["n"], total

    def pending(self) -> ArticleQuerySet:
        """Articles the worker may claim now: queued and due, or processing with a lapsed lease;
        never one in the trash (it waits there, and is claimed once restored)."""
        return self.filter(live_q()).filter(
            Q(status=Article.Status.QUEUED, next_attempt_at__lte=Now())
            | Q(status=Article.Status.PROCESSING, lease_expires_at__lt=Now())
        )

    def in_trash(self) -> ArticleQuerySet:
        """Articles in the trash, last deleted first (use on Article.with_trash)."""
        return self.filter(deleted_at__isnull=False).order_by("-deleted_at", "-id")

    def outlets(self, limit: int = 200) -> list[str]:
        """Every outlet of every article, sorted, in one index probe per outlet.

        A plain DISTINCT reads the whole table; this skips through the outlet index instead.
        """
        live = "deleted_at IS NULL"
        sql = f"""
            WITH RECURSIVE skip AS (
                SELECT min(outlet) AS outlet FROM articles_article WHERE outlet > '' AND {live}
                UNION ALL
                SELECT (SELECT min(outlet) FROM articles_article
                        WHERE outlet > skip.outlet AND {live})
                FROM skip WHERE skip.outlet IS NOT NULL
            )
            SELECT outlet FROM skip WHERE outlet IS NOT NULL LIMIT %s
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [limit])
            return [row[0] for row in cursor.fetchall()]

    def with_tag_list(self) -> ArticleQuerySet:
        """Each article's tags as `tag_list`, [{"id", "name"}] by name, in the same query."""
        tags = (
            Tag.objects.filter(articles=OuterRef("pk"))
            .order_by("name")
            .values(pair=JSONObject(id="id", name="name"))
        )
        return self.annotate(tag_list=ArraySubquery(tags))

    def mentioning(self, entity_id: int) -> ArticleQuerySet:
        """Articles with a standing mention of the entity, with how many (`mention_count`)."""
        mentions = Mention.objects.standing().filter(article=OuterRef("pk"), entity_id=entity_id)
        count = mentions.order_by().values("article").annotate(n=Count("pk")).values("n")
        return self.filter(Exists(mentions)).annotate(mention_count=Coalesce(Subquery(count), 0))


class ArticleManager(models.Manager.from_queryset(ArticleQuerySet)):
    """Articles not in the trash: every read of the app goes through this one."""

    def get_queryset(self) -> ArticleQuerySet:
        return super().get_queryset().filter(deleted_at__isnull=True)


class TagQuerySet(models.QuerySet):
    def with_article_counts(self) -> TagQuerySet:
        """Every tag by name, with how many articles outside the trash carry it
        (`article_count`)."""
        return self.annotate(article_count=Count("articles", filter=live_q("articles__"))).order_by(
            "name"
        )


class EntityQuerySet(models.QuerySet):
    def named(self, text: str) -> EntityQuerySet:
        """Entities whose name or one of whose aliases contains the text."""
        alias = EntityAlias.objects.filter(entity=OuterRef("pk"), name__icontains=text)
        return self.filter(Q(name__icontains=text) | Q(Exists(alias)))

    def mentioned(self) -> EntityQuerySet:
        """Entities with standing mentions in articles outside the trash: `mention_count`, and
        `article_count` of articles."""
        kept = standing_q("mentions__") & live_q("mentions__article__")
        return self.annotate(
            mention_count=Count("mentions", filter=kept),
            article_count=Count("mentions__article", filter=kept, distinct=True),
        ).filter(mention_count__gt=0, not_an_entity=False)

    def quoted(self) -> EntityQuerySet:
        """Entities with standing quotes: `quote_count`, `article_count` and `last_quoted`
        (the latest of their articles' publication, or else upload, dates). Articles in the
        trash do not count."""
        kept = standing_q("quotes__") & live_q("quotes__article__")
        return self.annotate(
            quote_count=Count("quotes", filter=kept),
            article_count=Count("quotes__article", filter=kept, distinct=True),
            last_quoted=Max(
                Coalesce("quotes__article__published", TruncDate("quotes__article__created_at")),
                filter=kept,
            ),
        ).filter(quote_count__gt=0)

    def for_autocomplete(
        self, article_id: int, text: str, key: str, *, label: str = "", exclude: int | None = None
    ) -> EntityQuerySet:
        """The review screen's entity autocomplete, the article's own entities first (`here`).

        Matches the normalised `key` against keys and aliases (LIKE, which the trigram
        indexes serve); without a key, `text` against names; with neither, the article's own.
        """
        here = Mention.objects.standing().filter(article=article_id, entity=OuterRef("pk"))
        entities = self.annotate(here=Exists(here))
        if key:
            aliased = EntityAlias.objects.filter(key__contains=key).values("entity_id")
            entities = entities.filter(Q(key__contains=key) | Q(pk__in=aliased))
        elif text:
            entities = entities.filter(name__icontains=text)
        else:
            entities = entities.filter(here=True)
        if label:
            entities = entities.filter(label=label)
        if exclude is not None:
            entities = entities.exclude(pk=exclude)
        return entities.order_by("-here", "name")


class ExtractedItemQuerySet(models.QuerySet):
    def standing(self) -> ExtractedItemQuerySet:
        """Those a reviewer has not rejected, and no edit has detached."""
        return self.filter(standing_q())

    def live(self) -> ExtractedItemQuerySet:
        """Those of articles not in the trash."""
        return self.filter(live_q("article__"))


class QuoteQuerySet(ExtractedItemQuerySet):
    def review_queue(self, category: str | None = None) -> QuoteQuerySet:
        """Unreviewed quotes of a category (None: all), least confident first, with only what
        a row of the review queue shows. Articles in the trash are left out."""
        quotes = self.live().filter(status=ReviewState.UNREVIEWED)
        if category is not None:
            quotes = quotes.filter(category=category)
        return (
            quotes.select_related("speaker", "article")
            .only(
                "id",
                "text",
                "kind",
                "category",
                "continues",
                "confidence",
                "speaker_text",
                "speaker_evidence",
                "cue",
                "speaker__name",
                "start",
                "end",
                "status",
                "version",
                "edited_from",
                "article__id",
                "article__title",
                "article__outlet",
                "article__version",
                "article__review_status",
            )
            .order_by("confidence", "article_id", "start")
        )

    def spoken_by(self, entity_id: int) -> QuoteQuerySet:
        """An entity's standing quotes, latest article first, with their articles (no bodies);
        none of articles in the trash."""
        return (
            self.standing()
            .live()
            .filter(speaker_id=entity_id)
            .select_related("article")
            .defer("article__body", "article__repairs")
            .order_by("-article__published", "-article__created_at", "article_id", "start")
        )

    def best_by_speaker(self, speaker_ids: list[int]) -> dict[int, str]:
        """The text of each speaker's most confident standing quote (of an article outside the
        trash), in one DISTINCT ON query."""
        return dict(
            self.standing()
            .live()
            .filter(speaker__in=speaker_ids)
            .order_by("speaker_id", "-confidence", "-id")
            .distinct("speaker_id")
            .values_list("speaker_id", "text")
        )


# Audit history (django-pghistory): database triggers snapshot every change, so bulk updates and
# the worker's writes are caught too. `updated_at` is left out so a save that changes nothing
# records nothing. Updates and inserts store the new row, deletes the old one; the state before
# an update is the previous event of the same row (see articles/review/snapshots.py).
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

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="tag_name_unique_ci")]

    def __str__(self) -> str:
        return self.name


# What editors change (editing/): the metadata, the text and the trash. No insert event: adding
# an article would copy every text into the history; the first edit records the state before it
# (snapshots.record_baseline).
ARTICLE_EDIT_FIELDS = [
    "title",
    "byline",
    "outlet",
    "source_url",
    "published",
    "body",
    "content_hash",
    "version",
    "deleted_at",
    "deleted_by",
]


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    fields=["review_status", "reviewed_by", "reviewed_at"],
    model_name="ArticleReviewEvent",
)
@pghistory.track(
    pghistory.UpdateEvent("edit"),  # one label per tracker of a model
    fields=ARTICLE_EDIT_FIELDS,
    model_name="ArticleEditEvent",
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
    # Every edit, deletion and restore moves it on: an edit carries the version its editor saw.
    version = models.PositiveIntegerField(default=1)
    # In the trash since (editing/trash.py); None for every article the app shows.
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

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

    # The default manager leaves out the trash; with_trash is for the trash itself, restore,
    # purge, the admin, the queue's own transitions and duplicate checks.
    objects = ArticleManager()
    with_trash = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        base_manager_name = "with_trash"
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="article_newest"),
            # The live articles alone: the list's pages and its count read only this index.
            models.Index(
                fields=["-created_at", "-id"],
                name="article_live_newest",
                condition=models.Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["-deleted_at"], condition=Q(deleted_at__isnull=False), name="article_trash"
            ),
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

    @property
    def in_trash(self) -> bool:
        return self.deleted_at is not None


# spaCy's entity labels in newsroom words (GPE and NORP mean nothing to a reader).
ENTITY_TYPE_NAMES = {
    "PERSON": "Person",
    "ORG": "Organisation",
    "GPE": "Place",
    "LOC": "Location",
    "NORP": "Group",
    "FAC": "Facility",
    "EVENT": "Event",
    "WORK_OF_ART": "Work",
    "LAW": "Law",
    "PRODUCT": "Product",
    "LANGUAGE": "Language",
}


@pghistory.track(*row_events(), exclude=["updated_at"])
class Entity(models.Model):
    """A person, organisation or place, shared across articles."""

    class Gender(models.TextChoices):
        WOMAN = "woman", "Woman"
        MAN = "man", "Man"
        NON_BINARY = "non-binary", "Non-binary"
        UNKNOWN = "unknown", "Unknown"

    class Role(models.TextChoices):
        POLITICIAN = "politician", "Politician"
        OFFICIAL = "official", "Official"
        EXPERT = "expert", "Expert"
        BUSINESS = "business", "Business"
        ADVOCACY = "advocacy", "Advocacy"
        CITIZEN = "citizen", "Citizen"
        JOURNALIST = "journalist", "Journalist"
        OTHER = "other", "Other"
        UNKNOWN = "unknown", "Unknown"

    name = models.CharField(max_length=300)
    label = models.CharField(max_length=20)
    key = models.CharField(max_length=300, help_text="Normalised name used for matching.")
    # Marked by a reviewer as extraction noise ("Wikinews"): its machine mentions are rejected
    # and extraction stores none for it again (extraction/store.py).
    not_an_entity = models.BooleanField(default=False, db_default=False)
    version = models.PositiveIntegerField(default=1)
    # A person's attributes as a reviewer confirmed them (sources/attributes.py); empty until
    # then, whatever the suggestions say. "unknown" is a reviewer's answer: they could not tell.
    gender = models.CharField(
        max_length=12, choices=Gender.choices, blank=True, default="", db_default=""
    )
    role = models.CharField(
        max_length=12, choices=Role.choices, blank=True, default="", db_default=""
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EntityQuerySet.as_manager()

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

    @property
    def type_name(self) -> str:
        return ENTITY_TYPE_NAMES.get(self.label, self.label.title())

    def other_names(self) -> models.QuerySet[EntityAlias]:
        """Its aliases other than its own name, by name."""
        return self.aliases.exclude(name=self.name).order_by("name")


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


class SpeakerSuggestion(models.Model):
    """What the articles suggest about a person: never a fact until a reviewer confirms it.

    Derived from the text (articles/nlp/speakertraits.py) by articles/sources/suggestions.py,
    which recomputes it whenever a reviewer looks at the person and on `manage.py
    suggest_speakers`; not audited, as it is no one's decision. Empty value: no suggestion.
    """

    entity = models.OneToOneField(
        Entity, primary_key=True, on_delete=models.CASCADE, related_name="suggestion"
    )
    gender = models.CharField(max_length=12, choices=Entity.Gender.choices, blank=True)
    gender_confidence = models.FloatField(default=0)
    role = models.CharField(max_length=12, choices=Entity.Role.choices, blank=True)
    role_confidence = models.FloatField(default=0)
    # The clues behind both: [{"attribute", "value", "kind", "text", "article", "weight"}].
    evidence = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        # The dashboard's cache asks for the latest (sources/queries.py, data_stamp).
        indexes = [models.Index(fields=["computed_at"], name="suggestion_computed")]

    def __str__(self) -> str:
        return f"Suggestion for entity {self.entity_id}"


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
    # Flagged for review: the text a person saw before an edit of the article changed its words
    # (editing/offsets.py). Empty otherwise; a reviewer's next correction clears it.
    # db_default: the extraction store inserts rows with SQL of its own.
    edited_from = models.TextField(blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ExtractedItemQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["start", "end"]

    @property
    def is_standing(self) -> bool:
        """Not rejected in review, nor detached (standing_q() says the same in SQL)."""
        return self.status in STANDING_STATES and self.end > self.start

    @property
    def is_detached(self) -> bool:
        """An edit of the article took all its words: an empty span, kept for a reviewer."""
        return self.end <= self.start


# A span has words, unless an edit of the article took them all: then it is kept empty where
# they were, flagged with what they said (edited_from), for a reviewer.
SPAN_VALID = Q(end__gt=F("start")) | (Q(end=F("start"), text="") & ~Q(edited_from=""))


@pghistory.track(*row_events(), exclude=["updated_at"])
class Mention(ExtractedItem):
    """A span of an article naming an entity."""

    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="mentions")
    label = models.CharField(max_length=20)

    class Meta(ExtractedItem.Meta):
        default_related_name = "mentions"
        constraints = [models.CheckConstraint(condition=SPAN_VALID, name="mention_span_valid")]
        indexes = [models.Index(fields=["article", "start"], name="mention_article_start")]

    def __str__(self) -> str:
        return self.text

    @property
    def type_name(self) -> str:
        return ENTITY_TYPE_NAMES.get(self.label, self.label.title())


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
    speaker_evidence = models.CharField(
        max_length=300,
        blank=True,
        help_text="Why the extractor took an unnamed speaker to be this entity, in words "
        "(“the minister” is Jane Doe, introduced as …). Cleared when a reviewer sets the speaker.",
    )
    confidence = models.FloatField(default=0.5)

    objects = QuoteQuerySet.as_manager()

    class Meta(ExtractedItem.Meta):
        default_related_name = "quotes"
        constraints = [models.CheckConstraint(condition=SPAN_VALID, name="quote_span_valid")]
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

    @property
    def speaker_name(self) -> str:
        if self.speaker_id and self.speaker:
            return self.speaker.name
        return self.speaker_text

    @property
    def short_label(self) -> str:
        """Which quote, in words, for a button's accessible name: its speaker and opening words."""
        words = (self.text or self.edited_from).strip(" \"“”'‘’").split()
        opening = " ".join(words[:6]) + ("…" if len(words) > 6 else "")
        return f"{self.speaker_name or 'no speaker'}: “{opening}”"


# Tagging and untagging an article are inserts and deletes on the through table.
pghistory.track(
    pghistory.InsertEvent("tag.add"),
    pghistory.DeleteEvent("tag.remove"),
    model_name="ArticleTagEvent",
    app_label="articles",
)(Article.tags.through)


class ImportJob(models.Model):
    """A large upload imported in the background by a worker, with its progress and verdicts.

    Its state moves only through articles/intake/jobs.py. Progress is committed with each
    batch of articles, so a job taken over by another worker resumes where it stopped.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    filename = models.CharField(max_length=255)
    # The uploaded file, kept until the import is done (at most NEWSROOM_MAX_UPLOAD_MB).
    data = models.BinaryField(editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    claimed_by = models.CharField(max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    # What the upload form gave for articles that do not say: their outlet and date.
    default_outlet = models.CharField(max_length=200, blank=True)
    default_published = models.DateField(null=True, blank=True)
    lines = models.PositiveIntegerField(default=0, help_text="Lines in the file.")
    lines_done = models.PositiveIntegerField(default=0, help_text="Lines read and settled.")
    created = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    # The first refusals and duplicates: [label, outcome, article id, title, message].
    verdicts = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="import_job_queue")]

    def __str__(self) -> str:
        return f"Import of {self.filename}"

    @property
    def is_pending(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.RUNNING}

    @property
    def percent(self) -> int:
        return min(100, int(100 * self.lines_done / self.lines)) if self.lines else 0
