from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import models
from django.utils.html import format_html_join

from articles import roles
from articles.editing import edits, trash
from articles.extraction import queue
from articles.intake import ingest
from articles.models import Article, Entity, EntityAlias, ExtractionRun, Mention, Quote, Tag


class ArticleAdminForm(forms.ModelForm):
    """Admin's article form: the editable fields go through the edit service (the same
    normalising, the same version check), never straight to the row."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    source_url = forms.URLField(
        label="Source URL", max_length=ingest.URL_MAX, required=False, assume_scheme="https"
    )

    class Meta:
        model = Article
        fields = [
            "title",
            "byline",
            "outlet",
            "published",
            "source_url",
            "external_id",
            "body",
            "original_filename",
            "uploaded_by",
            "review_status",
            "reviewed_by",
            "reviewed_at",
            "tags",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_version"].initial = self.instance.version

    def clean(self):
        data = super().clean()
        if not self.instance.pk or self.errors:
            return data
        current = Article.with_trash.filter(pk=self.instance.pk).values_list("version", flat=True)
        seen = data.get("seen_version")
        if seen is not None and current.first() != seen:
            raise forms.ValidationError(
                "Someone changed this article since you opened it. Nothing was saved: "
                "reload the page to see their version."
            )
        try:
            data.update(edits.clean_values({name: data.get(name) for name in edits.EDITABLE}))
        except ingest.IngestError as error:
            raise forms.ValidationError(str(error)[:1].upper() + str(error)[1:]) from None
        return data


class InTrashFilter(admin.SimpleListFilter):
    title = "trash"
    parameter_name = "trash"

    def lookups(self, request, model_admin):
        return [("no", "Not in the trash"), ("yes", "In the trash")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        return queryset


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    """Articles, those in the trash included. Edits of the metadata and text go through the
    app's edit service (editing/edits.py), which keeps every extraction on its words; deleting
    moves to the trash. New articles come in through the upload page or import_articles."""

    form = ArticleAdminForm
    list_display = ["title", "outlet", "status", "review_status", "created_at", "deleted_at"]
    list_filter = [InTrashFilter, "status", "review_status", "outlet"]
    search_fields = ["title", "external_id"]
    # Extraction state moves only through the queue (articles/extraction/queue.py); the trash
    # only through the actions below.
    readonly_fields = [
        "content_hash",
        "version",
        "created_at",
        "updated_at",
        "deleted_at",
        "deleted_by",
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
    actions = ["queue_extraction", "move_to_trash", "restore_from_trash"]

    def get_queryset(self, request):
        return Article.with_trash.all()

    def has_add_permission(self, request) -> bool:
        return False  # one way in: the upload page (or import_articles), through ingest

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deleting is moving to the trash: the action below

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in edits.EDITABLE}
        try:
            edited = edits.edit_article(
                obj.pk, request.user, form.cleaned_data.get("seen_version"), values
            )
        except (edits.EditError, Article.DoesNotExist) as refused:
            self.message_user(request, f"Not saved: {refused}", messages.ERROR)
            return
        others = [
            name
            for name in form.changed_data
            if name not in edits.EDITABLE and name not in ("seen_version", "tags")
        ]
        if others:
            obj.save(update_fields=others)
        if edited.changed:
            self.message_user(request, edited.summary)

    @admin.action(description="Queue the selected articles for extraction again")
    def queue_extraction(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        queued = sum(queue.requeue(pk) for pk in ids)
        busy = len(ids) - queued
        note = f"; {busy} being extracted now were left alone" if busy else ""
        self.message_user(request, f"{queued} articles queued for extraction{note}.")

    @admin.action(description="Move the selected articles to the trash", permissions=["change"])
    def move_to_trash(self, request, queryset):
        ids = list(queryset.filter(deleted_at__isnull=True).values_list("pk", flat=True))
        for pk in ids:
            trash.trash(pk, request.user)
        self.message_user(request, f"{len(ids)} articles moved to the trash.")

    @admin.action(
        description="Restore the selected articles from the trash", permissions=["change"]
    )
    def restore_from_trash(self, request, queryset):
        ids = list(queryset.filter(deleted_at__isnull=False).values_list("pk", flat=True))
        for pk in ids:
            trash.restore(pk, request.user)
        self.message_user(request, f"{len(ids)} articles restored from the trash.")


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


# Where an item sits in its article's text is the review screen's and the edit service's to
# change: here it is shown, so that `body[start:end] == text` always holds.
ITEM_SPAN_FIELDS = ["start", "end", "text", "edited_from", "version"]


@admin.register(Mention)
class MentionAdmin(admin.ModelAdmin):
    list_display = ["text", "label", "entity", "article", "origin", "status"]
    list_filter = ["label", "origin", "status"]
    raw_id_fields = ["article", "entity", "run", "reviewed_by"]
    readonly_fields = ["article", *ITEM_SPAN_FIELDS]


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "category", "speaker", "confidence", "origin", "status"]
    list_filter = ["kind", "category", "origin", "status"]
    raw_id_fields = ["article", "speaker", "run", "reviewed_by"]
    readonly_fields = [
        "article",
        *ITEM_SPAN_FIELDS,
        "cue_start",
        "cue_end",
        "speaker_start",
        "speaker_end",
        "speaker_evidence",  # the extractor's own words
    ]


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


# Users: what the roles are, where a user is created and changed. -------------------------

ROLES_HELP = (
    "A user's role is the group they are in. Choose one: "
    + "; ".join(f"{name}: {duty}" for name, duty in roles.DUTIES.items())
    + ". A user in no group can log in but sees nothing, and is told to ask for a role."
)

User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class NewsroomUserAdmin(UserAdmin):
    """Django's user admin, with the roles explained and chosen when a user is created."""

    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2")}),
        ("Role", {"classes": ("wide",), "description": ROLES_HELP, "fields": ("groups",)}),
    )
    list_display = ["username", "roles", "is_active", "is_staff", "last_login"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        explained = []
        for name, options in fieldsets:
            if "groups" in options.get("fields", ()):
                options = {**options, "description": ROLES_HELP}
            explained.append((name, options))
        return explained

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="Roles")
    def roles(self, user):
        names = [group.name for group in user.groups.all()]
        if names:
            return format_html_join(", ", "{}", ((name,) for name in names))
        return "superuser" if user.is_superuser else "— no role: sees nothing —"
