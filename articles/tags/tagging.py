"""Tag writes (create, apply, remove, bulk apply, rename, delete) and tag suggestions.

Each write is one change set (`articles.review.changes`), named in words ("Tagged Politics").
Tagging one article belongs to that article; bulk tagging, renaming and deleting a tag belong
to no one article (bulk tagging is marked bulk, so it can be undone article by article).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Lower

from articles.models import ENTITY_TYPE_NAMES, Article, EntityAlias, Mention, Tag
from articles.review.changes import change_set

# Entity labels worth a tag: who and where a story is about, not dates or amounts.
SUGGESTED_LABELS = ("PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "LAW", "PRODUCT")
MAX_SUGGESTIONS = 6
TAG_NAME_MAX = Tag._meta.get_field("name").max_length


class TagNameTaken(ValidationError):
    """Another tag already has this name (names are unique whatever their case)."""


def clean_tag_name(name: str) -> str:
    """Collapse runs of whitespace; refuse empty or over-long names."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError("A tag needs a name.")
    if len(name) > TAG_NAME_MAX:
        raise ValidationError(f"A tag name has at most {TAG_NAME_MAX} characters.")
    return name


def find_tag(name: str) -> Tag | None:
    return Tag.objects.filter(name__iexact=clean_tag_name(name)).first()


def get_or_create_tag(name: str, user) -> tuple[Tag, bool]:
    """The tag of this name whatever its case, created if there is none.

    Safe against a concurrent create of the same name: the case-insensitive unique constraint
    decides, and the loser reads the winner's row.
    """
    name = clean_tag_name(name)
    tag = Tag.objects.filter(name__iexact=name).first()
    if tag is not None:
        return tag, False
    try:
        with transaction.atomic(), change_set(user, f"Created tag {name}"):
            return Tag.objects.create(name=name, created_by=user), True
    except IntegrityError:
        return Tag.objects.get(name__iexact=name), False


def tag_to_apply(name: str, user) -> Tag:
    """The tag of this name, created if the user may create tags.

    Raises ValidationError for a bad name, or when there is no such tag and the user may not
    create one.
    """
    tag = find_tag(name)
    if tag is not None:
        return tag
    if not user.has_perm("articles.add_tag"):
        raise ValidationError("There is no such tag, and you may not create tags.")
    return get_or_create_tag(name, user)[0]


def apply_tag(article: Article, tag: Tag, user=None) -> None:
    """Tag one article (nothing happens if it has the tag). Takes no locks."""
    with change_set(user, f"Tagged {tag.name}", article=article.pk):
        article.tags.add(tag)


def remove_tag(article: Article, tag: Tag, user=None) -> None:
    """Untag one article. Takes no locks."""
    with change_set(user, f"Untagged {tag.name}", article=article.pk):
        article.tags.remove(tag)


def bulk_apply_tag(article_ids: Iterable[int], tag: Tag, user=None) -> tuple[int, int]:
    """Tag every listed article that exists: (how many were newly tagged, how many had it).

    One change set for the tag, with no article of its own, marked bulk with the number of
    articles newly tagged. Takes no locks.
    """
    Through = Article.tags.through
    ids = set(Article.objects.filter(pk__in=set(article_ids)).values_list("pk", flat=True))
    already = set(
        Through.objects.filter(tag=tag, article_id__in=ids).values_list("article_id", flat=True)
    )
    new = ids - already
    # ignore_conflicts: a concurrent request may have added some of the same pairs meanwhile.
    with change_set(user, f"Tagged {tag.name}", bulk=len(new)):
        Through.objects.bulk_create(
            [Through(article_id=pk, tag=tag) for pk in sorted(new)], ignore_conflicts=True
        )
    return len(new), len(already)


def rename_tag(tag: Tag, new_name: str, user=None) -> Tag:
    """Rename a tag; raises TagNameTaken if another tag already has the name. No locks."""
    new_name = clean_tag_name(new_name)
    if Tag.objects.filter(name__iexact=new_name).exclude(pk=tag.pk).exists():
        raise TagNameTaken(f"There is already a tag called “{new_name}”.")
    old_name, tag.name = tag.name, new_name
    try:
        with transaction.atomic(), change_set(user, f"Renamed tag {old_name} to {new_name}"):
            tag.save(update_fields=["name"])
    except IntegrityError as error:
        tag.name = old_name
        raise TagNameTaken(f"There is already a tag called “{new_name}”.") from error
    return tag


def delete_tag(tag: Tag, user=None) -> None:
    """Delete a tag; the articles keep everything else. No locks beyond the deletes'."""
    with transaction.atomic(), change_set(user, f"Deleted tag {tag.name}"):
        tag.delete()


@dataclass(frozen=True)
class Suggestion:
    name: str  # the tag to apply: an existing tag matching the entity, or the entity's name
    entity_name: str
    label: str
    mentions: int
    entity_id: int
    existing_tag: bool  # accepting reuses a tag rather than creating one


def suggest_tags(article: Article, limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
    """The article's most-mentioned entities not yet tagged on it. One query.

    An entity matches a tag by its name or one of its aliases, whatever the case, so an
    existing tag "Donald Trump" is offered for an entity named "Trump" with that alias.
    """
    alias_named_like_tag = EntityAlias.objects.filter(
        entity_id=OuterRef(OuterRef("entity_id")), name__iexact=OuterRef("name")
    )
    matching_tags = (
        Tag.objects.annotate(lname=Lower("name"))
        .filter(Q(lname=Lower(OuterRef("entity__name"))) | Q(Exists(alias_named_like_tag)))
        .order_by("name")
    )
    rows = (
        Mention.objects.standing()
        .filter(article=article, entity__label__in=SUGGESTED_LABELS)
        .exclude(Exists(matching_tags.filter(articles=article)))
        .values("entity_id", "entity__name", "entity__label")
        .annotate(mentions=Count("pk"), tag_name=Subquery(matching_tags.values("name")[:1]))
        .order_by("-mentions", "entity__name")
        .values_list("entity_id", "entity__name", "entity__label", "mentions", "tag_name")[
            : limit * 2
        ]
    )
    suggestions: list[Suggestion] = []
    seen: set[str] = set()
    for pk, entity_name, label, mentions, tag_name in rows:
        name = tag_name or entity_name
        # Two entities may share a name (a person and an organisation): suggest it once.
        if name.lower() in seen or len(name) > TAG_NAME_MAX:
            continue
        seen.add(name.lower())
        label = ENTITY_TYPE_NAMES.get(label, label)
        suggestions.append(Suggestion(name, entity_name, label, mentions, pk, bool(tag_name)))
    return suggestions[:limit]
