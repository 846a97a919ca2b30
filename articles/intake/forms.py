"""The upload page's forms: pasted text with its details, and defaults for uploaded files."""

from __future__ import annotations

from django import forms
from django.core.validators import ProhibitNullCharactersValidator

from articles.intake import ingest


class PasteForm(forms.Form):
    title = forms.CharField(max_length=ingest.TITLE_MAX, required=False)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 12}), required=True)
    outlet = forms.CharField(max_length=ingest.OUTLET_MAX, required=False)
    byline = forms.CharField(max_length=ingest.BYLINE_MAX, required=False)
    published = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    source_url = forms.URLField(max_length=ingest.URL_MAX, required=False, assume_scheme="https")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Text pasted from PDFs can carry NUL characters; ingest removes them, so let them in.
        self.fields["text"].validators = [
            v
            for v in self.fields["text"].validators
            if not isinstance(v, ProhibitNullCharactersValidator)
        ]

    def refusal(self) -> str:
        """Why the form was refused, for the verdict row: its first error, in words."""
        for name, errors in self.errors.items():
            if name == "text":
                return "there is no text to import"
            label = {"source_url": "URL", "published": "date"}.get(name, name)
            return f"the {label} was refused: {errors[0].rstrip('.')}"
        return ""


class FileDefaultsForm(forms.Form):
    """An outlet and a date for the uploaded files' articles that give none."""

    outlet = forms.CharField(max_length=ingest.OUTLET_MAX, required=False)
    published = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def defaults(self) -> ingest.Defaults:
        """The defaults (call after is_valid())."""
        return ingest.Defaults(
            self.cleaned_data.get("outlet") or "", self.cleaned_data.get("published")
        )

    def refusal(self) -> str:
        for name, errors in self.errors.items():
            label = {"published": "date"}.get(name, name)
            return f"the default {label} was refused: {errors[0].rstrip('.')}; nothing was stored"
        return ""
