"""The article editor's form: metadata and text, with the version the editor saw."""

from __future__ import annotations

from django import forms

from articles.editing import edits
from articles.intake import ingest
from articles.models import Article

# Which field a refusal of ingest's is about, by a word of its message.
BLAME = {"URL": "source_url", "title": "title", "text": "body"}


class ArticleForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    title = forms.CharField(max_length=ingest.TITLE_MAX)
    byline = forms.CharField(max_length=ingest.BYLINE_MAX, required=False)
    outlet = forms.CharField(max_length=ingest.OUTLET_MAX, required=False)
    published = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    source_url = forms.URLField(
        label="Source URL", max_length=ingest.URL_MAX, required=False, assume_scheme="https"
    )
    body = forms.CharField(label="Text", widget=forms.Textarea(attrs={"rows": 24}))

    @classmethod
    def for_article(cls, article: Article) -> ArticleForm:
        initial = {name: getattr(article, name) for name in edits.EDITABLE}
        return cls(initial={**initial, "version": article.version})

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            data.update(edits.clean_values(data))
        except ingest.IngestError as error:
            message = str(error)
            field = next((name for word, name in BLAME.items() if word in message), None)
            self.add_error(field, message[:1].upper() + message[1:])
        return data

    def values(self) -> dict:
        """The edited fields, as the edit service takes them (call after is_valid())."""
        return {name: self.cleaned_data[name] for name in edits.EDITABLE}
