"""The paste form of the upload page."""

from __future__ import annotations

from django import forms
from django.core.validators import ProhibitNullCharactersValidator


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
