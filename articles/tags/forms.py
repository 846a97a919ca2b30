"""Tag names: to create, rename to or apply, on one article or many."""

from __future__ import annotations

from django import forms

from articles.models import Tag

TAG_NAME_MAX = Tag._meta.get_field("name").max_length


class TagNameForm(forms.Form):
    """A tag name to create, rename to or apply (created if needed)."""

    name = forms.CharField(max_length=TAG_NAME_MAX, strip=True)


class BulkTagForm(TagNameForm):
    articles = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=True)
    next = forms.CharField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any integer is a valid choice here; unknown ids are ignored by the write.
        self.fields["articles"].valid_value = lambda value: str(value).isdigit()
        self.fields["articles"].error_messages["required"] = "Select at least one article."
