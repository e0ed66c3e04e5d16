"""The weights and targets form of a branch's scorecard (or HQ's default)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crm.forms import BoundedForm

from .measures import DEFAULT_WEIGHTS, MEASURES
from .models import validate_weights


class WeightsForm(BoundedForm):
    """One weight (0-100, summing to 100) and one optional target per measure."""

    def __init__(self, *args, weights: dict | None = None, targets: dict | None = None,
                 **kwargs):  # fmt: skip
        super().__init__(*args, **kwargs)
        weights = DEFAULT_WEIGHTS if weights is None else weights
        targets = targets or {}
        for m in MEASURES:
            self.fields[f"w_{m.key}"] = forms.IntegerField(
                label=m.label, min_value=0, max_value=100, initial=weights.get(m.key, 0),
                widget=forms.NumberInput(attrs={"class": "form-control form-control-sm",
                                                "data-weight": m.key}),
            )  # fmt: skip
            self.fields[f"t_{m.key}"] = forms.DecimalField(
                label=_("Target: %(measure)s") % {"measure": m.label}, required=False,
                min_value=0, max_digits=20, decimal_places=4, initial=targets.get(m.key),
                widget=forms.NumberInput(attrs={"class": "form-control form-control-sm",
                                                "step": "any"}),
            )  # fmt: skip

    def rows(self):
        return [(m, self[f"w_{m.key}"], self[f"t_{m.key}"]) for m in MEASURES]

    def clean(self):
        data = super().clean()
        weights = {m.key: data.get(f"w_{m.key}") or 0 for m in MEASURES}
        targets = {m.key: data[f"t_{m.key}"] for m in MEASURES
                   if data.get(f"t_{m.key}") is not None}  # fmt: skip
        try:
            validate_weights(weights, targets)
        except ValidationError as exc:
            for messages in exc.message_dict.values():
                for message in messages:
                    self.add_error(None, message)
        data["weights"], data["targets"] = weights, targets
        return data
