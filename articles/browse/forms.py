"""Forms of the article list, search and the entity directories."""

from __future__ import annotations

from django import forms

from articles.models import Article


class ArticleListForm(forms.Form):
    """The article list's filters and sort."""

    SORTS = {
        "newest": ("-created_at", "-id"),
        "oldest": ("created_at", "id"),
        "title": ("title", "id"),
        "published": ("-published", "-id"),
    }
    status = forms.ChoiceField(
        choices=[("", "Any status"), *Article.Status.choices], required=False
    )
    outlet = forms.CharField(max_length=200, required=False)
    tag = forms.IntegerField(required=False, min_value=1)
    sort = forms.ChoiceField(
        choices=[
            ("newest", "Newest first"),
            ("oldest", "Oldest first"),
            ("title", "Title A–Z"),
            ("published", "Published date"),
        ],
        required=False,
    )

    def ordering(self) -> tuple[str, ...]:
        sort = self.cleaned_data.get("sort") if self.is_valid() else None
        return self.SORTS.get(sort or "newest", self.SORTS["newest"])


class SearchForm(forms.Form):
    SORTS = {
        "relevance": ("-rank", "-created_at", "-id"),
        "newest": ("-created_at", "-id"),
        "oldest": ("created_at", "id"),
        "published": ("-published", "-created_at", "-id"),
    }
    q = forms.CharField(max_length=500, required=False, strip=True)
    tag = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=False)
    entity = forms.IntegerField(required=False, min_value=1)
    speaker = forms.IntegerField(required=False, min_value=1)
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
        self.fields["tag"].valid_value = lambda value: str(value).isdigit()

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            data["since"], data["until"] = until, since
        return data

    def ordering(self, has_query: bool) -> tuple[str, ...]:
        sort = self.cleaned_data.get("sort") or ("relevance" if has_query else "newest")
        if sort == "relevance" and not has_query:
            sort = "newest"
        return self.SORTS[sort]


class EntityDirectoryForm(forms.Form):
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
        sort = self.cleaned_data.get("sort") if self.is_valid() else None
        return self.SORTS.get(sort or "mentions", self.SORTS["mentions"])


class SpeakerDirectoryForm(forms.Form):
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
        sort = self.cleaned_data.get("sort") if self.is_valid() else None
        return self.SORTS.get(sort or "quotes", self.SORTS["quotes"])
