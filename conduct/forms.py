from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.pickers import ClientPickField
from crm.filters import DATE_INPUT
from crm.forms import BoundedForm
from crm.references import PersonChoiceField, ScopedFormMixin

from .models import EducationKind

ANSWERS = [("no", _("No")), ("yes", _("Yes"))]


class SelfCheckFormForm(BoundedForm):
    """The year's conduct self-check, as HQ or compliance defines it."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=200)
    questions = forms.CharField(
        label=_("Questions"), max_length=12000, widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("One a line; each is answered yes or no (yes: something to declare)."),
    )  # fmt: skip
    declaration = forms.CharField(label=_("Declaration"), max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    due_on = forms.DateField(label=_("To be signed by"), widget=DATE_INPUT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            today = timezone.localdate()
            self.initial.setdefault("year", today.year)


class SignForm(BoundedForm):
    """The person's answers (one pair of fields per question) and the declaration."""

    declaration_accepted = forms.BooleanField(label=_("I confirm the declaration above"),
                                              required=False)  # fmt: skip

    def __init__(self, *args, questions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for i, question in enumerate(questions):
            self.fields[f"q{i}"] = forms.ChoiceField(
                label=question, choices=ANSWERS, widget=forms.RadioSelect, required=False
            )
            self.fields[f"q{i}_note"] = forms.CharField(
                label=_("Details"), max_length=1000, required=False,
                widget=forms.Textarea(attrs={"rows": 1}),
            )  # fmt: skip

    def answers(self) -> list[dict]:
        data = self.cleaned_data
        return [{"answer": data.get(f"q{i}") or None, "note": data.get(f"q{i}_note", "")}
                for i in range(len(self.questions))]  # fmt: skip

    def pairs(self):
        return [(self[f"q{i}"], self[f"q{i}_note"]) for i in range(len(self.questions))]


class MisconductForm(ScopedFormMixin, BoundedForm):
    staff = PersonChoiceField(label=_("Member of staff"))
    occurred_on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    summary = forms.CharField(label=_("Misconduct"), max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    measures = forms.CharField(label=_("Measures taken"), max_length=4000, required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip


class EducationForm(ScopedFormMixin, BoundedForm):
    client = ClientPickField(label=_("Client"))
    kind = forms.ChoiceField(
        label=_("Type"), choices=[c for c in EducationKind.choices if c[0] != "event"]
    )
    topic = forms.CharField(label=_("Topic"), max_length=200)
    on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
