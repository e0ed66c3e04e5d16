from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from clients.pickers import ClientPickField
from crm.forms import BoundedForm, DateTimeLocalInput
from crm.references import PersonChoiceField, ScopedFormMixin

from .models import OpinionCategory
from .workflow import WORKER_ROLES


class OpinionForm(ScopedFormMixin, BoundedForm):
    """An opinion entered by hand."""

    client = ClientPickField(label=_("Client"), required=False)
    category = forms.ChoiceField(label=_("Category"), choices=OpinionCategory.choices)
    text = forms.CharField(
        label=_("Opinion or suggestion"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    received_at = forms.DateTimeField(
        label=_("Received at"), required=False, widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("Leave empty for now."),
    )  # fmt: skip


class ActionForm(BoundedForm):
    @classmethod
    def for_step(cls, opinion, *, user, action: str, data=None) -> ActionForm:
        return cls(data, prefix=action, **cls.scope_for(opinion, user))

    @classmethod
    def scope_for(cls, opinion, user) -> dict:
        return {}


class RouteForm(ScopedFormMixin, ActionForm):
    department = forms.CharField(label=_("Department"), max_length=60, required=False)
    routed_to = PersonChoiceField(label=_("Responsible person"), roles=WORKER_ROLES,
                                  required=False)  # fmt: skip
    note = forms.CharField(label=_("Note"), required=False)

    @classmethod
    def scope_for(cls, opinion, user) -> dict:
        return {"user": user, "branch": opinion.branch_id}

    def clean(self):
        data = super().clean()
        if not data.get("department") and not data.get("routed_to"):
            raise forms.ValidationError(_("Name the department or the person."))
        return data


class AnswerForm(ActionForm):
    answer = forms.CharField(
        label=_("Answer"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class NoteForm(ActionForm):
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
