"""Forms of the article list, search and the entity directories."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from articles.browse.search import MAX_QUERY_CHARS, MAX_TAGS
from articles.models import Article

# The largest id PostgreSQL's bigint holds; larger "ids" are invalid values, not lookups.
MAX_ID = 2**63 - 1
_ID = re.compile(r"[0-9]{1,19}")


def ignored_values(
    form: forms.Form, nouns: dict[str, str], *, refused_codes=(), refused_fields=()
) -> list[str]:
    """The invalid values a browse page runs without, one line each (the page says so).

    Errors with a code in `refused_codes`, or on a field in `refused_fields`, are not ignored:
    they refuse the request.
    """
    form.is_valid()
    return [
        f"{nouns.get(name, name).capitalize()} ignored: {error.messages[0]}"
        for name, errors in form.errors.as_data().items()
        if name not in refused_fields
        for error in errors
        if error.code not in refused_codes
    ]


class ArticleListForm(forms.Form):
    """The article list's filters and sort."""

    SORTS = {
        "newest": ("-created_at", "-id"),
        "oldest": ("created_at", "id"),
        "title": ("title", "id"),
        "published": ("-published", "-id"),
    }
    NOUNS = {"status": "extraction status", "tag": "tag", "outlet": "outlet", "sort": "sort"}
    status = forms.ChoiceField(
        choices=[("", "Any status"), *Article.Status.choices], required=False
    )
    outlet = forms.CharField(max_length=200, required=False)
    tag = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    sort = forms.ChoiceField(
        choices=[
            ("newest", "Newest first"),
            ("oldest", "Oldest first"),
            ("title", "Title A–Z"),
            ("published", "Published date"),
        ],
        required=False,
    )

    def filters(self) -> dict[str, Any]:
        """The valid filters; invalid ones are left out (ignored_values says which)."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) for name in ("status", "outlet", "tag")}

    def ordering(self) -> tuple[str, ...]:
        self.is_valid()
        sort = self.cleaned_data.get("sort")
        return self.SORTS.get(sort or "newest", self.SORTS["newest"])


class SearchForm(forms.Form):
    """The search page's parameters, with caps on what one search may ask.

    Two kinds of error: a refusal (too many values, or search text that cannot be used) stops
    the search, as dropping them would answer another question than the one asked; an invalid
    filter value (a tag that is no number, a date that is no date) is ignored, and said.
    """

    SORTS = {
        "relevance": ("-rank", "-created_at", "-id"),
        "newest": ("-created_at", "-id"),
        "oldest": ("created_at", "id"),
        "published": ("-published", "-created_at", "-id"),
    }
    # How often each parameter may be given: tags combine; every other is one value.
    REPEATABLE = {"tag": MAX_TAGS}
    REFUSED = {"too_many"}
    NOUNS = {
        "q": "search text",
        "tag": "tags",
        "entity": "entity",
        "speaker": "speaker",
        "outlet": "outlet",
        "status": "extraction status",
        "review": "review status",
        "dates": "kind of date",
        "since": "start date",
        "until": "end date",
        "sort": "sort order",
    }
    q = forms.CharField(
        max_length=MAX_QUERY_CHARS,
        required=False,
        strip=True,
        error_messages={
            "max_length": (
                "The search text is too long: %(show_value)d characters; the limit is "
                "%(limit_value)d."
            )
        },
    )
    tag = forms.TypedMultipleChoiceField(
        coerce=int,
        choices=(),
        required=False,
        error_messages={"invalid_choice": "tags are chosen by number, and “%(value)s” is not one."},
    )
    entity = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    speaker = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    outlet = forms.CharField(max_length=200, required=False)
    status = forms.ChoiceField(choices=[("", "Any"), *Article.Status.choices], required=False)
    review = forms.ChoiceField(choices=[("", "Any"), *Article.ReviewStatus.choices], required=False)
    dates = forms.ChoiceField(
        choices=[("published", "Published"), ("added", "Added")], required=False
    )
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(
        choices=[
            ("relevance", "Best match"),
            ("newest", "Newest"),
            ("oldest", "Oldest"),
            ("published", "Published"),
        ],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].valid_value = lambda value: bool(_ID.fullmatch(str(value)))

    def clean(self):
        data = super().clean()
        getlist = getattr(self.data, "getlist", None)
        for name in self.fields if getlist else ():
            given = len(set(getlist(name)))
            limit = self.REPEATABLE.get(name, 1)
            if given > limit:
                message = (
                    f"A search can combine at most {limit} tags; this one has {given}. "
                    "Remove some of them."
                    if name == "tag"
                    else f"Choose one {self.NOUNS[name]} at a time; this search gives {given}."
                )
                self.add_error(name, forms.ValidationError(message, code="too_many"))
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            data["since"], data["until"] = until, since
        return data

    def refusals(self) -> list[str]:
        """Why the search cannot run as asked; empty when it can."""
        self.is_valid()
        refused = []
        for name, errors in self.errors.as_data().items():
            for error in errors:
                if error.code in self.REFUSED or name == "q" and error.code == "max_length":
                    refused.append(error.messages[0])
                elif name == "q":
                    refused.append(f"The search text cannot be used: {error.messages[0]}")
        return refused

    def problems(self) -> list[str]:
        """Every reason a request that must not drop a value (an export, the API) cannot run
        as asked: the refusals, then every invalid value. Empty when it can."""
        problems = self.refusals()
        for name, errors in self.errors.as_data().items():
            for error in errors:
                if name != "q" and error.code not in self.REFUSED:
                    problems.append(
                        f"{self.NOUNS.get(name, name).capitalize()}: {error.messages[0]}"
                    )
        return problems

    def ignored(self) -> list[str]:
        """The invalid filter values the search runs without, one line each."""
        return ignored_values(self, self.NOUNS, refused_codes=self.REFUSED, refused_fields={"q"})

    def ordering(self, has_query: bool) -> tuple[str, ...]:
        sort = self.cleaned_data.get("sort") or ("relevance" if has_query else "newest")
        if sort == "relevance" and not has_query:
            sort = "newest"
        return self.SORTS[sort]


class EntityDirectoryForm(forms.Form):
    NOUNS = {"q": "name", "label": "type", "sort": "sort order"}
    SORTS = {
        "mentions": ("-mention_count", "name", "id"),
        "articles": ("-article_count", "name", "id"),
        "name": ("name", "id"),
    }
    q = forms.CharField(max_length=200, required=False, strip=True)
    label = forms.CharField(max_length=20, required=False)
    sort = forms.ChoiceField(
        choices=[("mentions", "Most mentioned"), ("articles", "Most articles"), ("name", "Name")],
        required=False,
    )

    def ordering(self) -> tuple[str, ...]:
        self.is_valid()
        sort = self.cleaned_data.get("sort")
        return self.SORTS.get(sort or "mentions", self.SORTS["mentions"])


class SpeakerDirectoryForm(forms.Form):
    NOUNS = {"q": "name", "sort": "sort order"}
    SORTS = {
        "quotes": ("-quote_count", "name", "id"),
        "articles": ("-article_count", "name", "id"),
        "recent": ("-last_quoted", "name", "id"),
        "name": ("name", "id"),
    }
    q = forms.CharField(max_length=200, required=False, strip=True)
    sort = forms.ChoiceField(
        choices=[
            ("quotes", "Most quotes"),
            ("articles", "Most articles"),
            ("recent", "Recently quoted"),
            ("name", "Name"),
        ],
        required=False,
    )

    def ordering(self) -> tuple[str, ...]:
        self.is_valid()
        sort = self.cleaned_data.get("sort")
        return self.SORTS.get(sort or "quotes", self.SORTS["quotes"])
