"""The dashboard's filters: the search page's own form and rules, less what it cannot use."""

from __future__ import annotations

from django import forms

from articles.browse.forms import SearchForm


class SourcesForm(SearchForm):
    """Date range, outlet, tags and article review status, validated as on search (caps,
    ignored values, swapped dates), and which quotes the charts count."""

    BASES = [("all", "All quotes"), ("reviewed", "Reviewed quotes only")]
    NOUNS = {**SearchForm.NOUNS, "basis": "quotes counted"}
    # Search text, entity and speaker filters, extraction status and sort mean nothing here.
    q = None
    entity = None
    speaker = None
    status = None
    sort = None
    basis = forms.ChoiceField(choices=BASES, required=False)
