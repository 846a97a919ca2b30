from __future__ import annotations

from django.contrib import admin
from django.db import models

from articles.extraction import queue
from articles.models import Article, Entity, EntityAlias, ExtractionRun, Mention, Quote, Tag


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "outlet", "status", "review_status", "created_at"]
    list_filter = ["status", "review_status", "outlet"]
    search_fields = ["title", "external_id"]
    # Extraction state moves only through the queue (articles/extraction/queue.py).
    readonly_fields = [
        "content_hash",
        "created_at",
        "updated_at",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "claimed_by",
        "lease_expires_at",
        "extracted_at",
        "extraction_version",
        "repairs",
    ]
    raw_id_fields = ["uploaded_by", "reviewed_by"]
    filter_horizontal = ["tags"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["queue_extraction"]

    @admin.action(description="Queue the selected articles for extraction again")
    def queue_extraction(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        queued = sum(queue.requeue(pk) for pk in ids)
        busy = len(ids) - queued
        note = f"; {busy} being extracted now were left alone" if busy else ""
        self.message_user(request, f"{queued} articles queued for extraction{note}.")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "created_by", "created_at"]
    search_fields = ["name"]


class EntityAliasInline(admin.TabularInline):
    model = EntityAlias
    extra = 0


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin):
    list_display = ["name", "label", "key"]
    list_filter = ["label"]
    search_fields = ["name", "key"]
    inlines = [EntityAliasInline]


@admin.register(Mention)
class MentionAdmin(admin.ModelAdmin):
    list_display = ["text", "label", "entity", "article", "origin", "status"]
    list_filter = ["label", "origin", "status"]
    raw_id_fields = ["article", "entity", "run", "reviewed_by"]


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "category", "speaker", "confidence", "origin", "status"]
    list_filter = ["kind", "category", "origin", "status"]
    raw_id_fields = ["article", "speaker", "run", "reviewed_by"]


@admin.register(ExtractionRun)
class ExtractionRunAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "worker",
        "model_name",
        "pipeline_version",
        "started_at",
        "finished_at",
        "outcome",
        "articles",
        "failed",
        "lost",
    ]
    list_filter = ["outcome", "pipeline_version"]
