from __future__ import annotations

from django import forms
from django.core.validators import ProhibitNullCharactersValidator

from articles.models import Article


class PasteForm(forms.Form):
    title = forms.CharField(max_length=500, required=False)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 12}), required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Text pasted from PDFs can carry NUL characters; ingest removes them, so let them in.
        self.fields["text"].validators = [
            v
            for v in self.fields["text"].validators
            if not isinstance(v, ProhibitNullCharactersValidator)
        ]


class ArticleFilterForm(forms.Form):
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
