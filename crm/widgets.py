"""Widgets of the kernel's forms: no app is imported here (tests/test_architecture.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class PickerInput(forms.TextInput):
    """A type-ahead picker (Tom Select, static/crm/picker.js) over a JSON search URL that
    the form gives (`url`, e.g. the client search of clients.pickers). The URL answers
    `?q=<text>` with `{"results": [{"value": "id:<pk>", "text": "..."}]}`, in the user's
    scope; the chosen item posts its `id:<pk>` value.

    Without JavaScript it stays a plain text input: the field resolves the typed text
    itself and says clearly when nothing or more than one record matches. The field sets
    `label` (the text of the chosen record) for the picker to show it again."""

    class Media:
        css = {"all": ["vendor/tom-select/tom-select.bootstrap5.min.css"]}
        js = ["vendor/tom-select/tom-select.base.min.js", "crm/picker.js"]

    def __init__(self, url="", placeholder="", attrs=None):
        super().__init__(attrs)
        self.url, self.placeholder, self.label = url, placeholder, ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs.update({
            "data-picker-url": str(self.url), "data-picker-label": self.label,
            "data-picker-empty": str(_("No match among your records")),
            "data-picker-more": str(_("Type at least 2 letters or digits")),
            "autocomplete": "off", "placeholder": str(self.placeholder),
        })  # fmt: skip
        widget_attrs["class"] = f"{widget_attrs.get('class', '')} js-picker".strip()
        return context
