from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from clients.pickers import ClientPickField
from crm.forms import BoundedForm, DateTimeLocalInput
from crm.references import PersonChoiceField, ScopedFormMixin
from crm.uploads import UploadField

from .models import Category, Channel, Topic
from .services import ATTACHMENT_UPLOAD
from .workflow import WORKER_ROLES


class IntakeForm(ScopedFormMixin, BoundedForm):
    """Usable during a phone call: find the client (name, pinyin initials, the last 4
    digits of the phone, the whole number), or note an unknown caller."""

    client = ClientPickField(
        label=_("Client (if the complainant is one)"),
        required=False,
        help_text=_("Type the caller's name or the last 4 digits of the phone, then choose."),
    )
    complainant_name = forms.CharField(
        label=_("Complainant (if not a client)"), max_length=100, required=False
    )
    complainant_phone = forms.CharField(label=_("Complainant phone"), max_length=20, required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    received_at = forms.DateTimeField(
        label=_("Received at"), required=False, widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("Leave empty for now (a call in progress)."),
    )  # fmt: skip
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    severity = forms.TypedChoiceField(
        label=_("Severity"), coerce=int, initial=2, choices=[(i, str(i)) for i in range(1, 6)]
    )
    topic = forms.ChoiceField(label=_("Topic"), choices=Topic.choices)
    is_group = forms.BooleanField(
        label=_("Group complaint (many clients, one matter)"), required=False
    )
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 5}))
    claimed_compensation = forms.DecimalField(label=_("Compensation claimed (yuan)"),
                                              required=False, min_value=0, max_digits=14,
                                              decimal_places=2)  # fmt: skip
    handler = PersonChoiceField(
        label=_("Handler"),
        roles=WORKER_ROLES,
        required=False,
        help_text=_("Leave empty to handle it yourself."),
    )


class ActionForm(BoundedForm):
    """A workflow step's form carries the version the page showed: if someone else acted
    on the complaint in between, the step is refused instead of applied blindly.

    complaints.workflow names the form of each step; `for_step` builds it."""

    version = forms.IntegerField(widget=forms.HiddenInput(), required=False)

    @classmethod
    def for_step(cls, complaint, *, user, action: str, data=None) -> ActionForm:
        """The form of `action` on `complaint`, prefixed by the action: unbound as the
        detail page shows it, or bound to what was posted (`data`)."""
        initial = cls.initial_for(complaint) if data is None else None
        return cls(data, prefix=action, initial=initial, **cls.scope_for(complaint, user))

    @classmethod
    def initial_for(cls, complaint) -> dict:
        return {"version": complaint.version}

    @classmethod
    def scope_for(cls, complaint, user) -> dict:
        """The keyword arguments a scoped form takes (crm.references.ScopedFormMixin)."""
        return {}


class NoteForm(ActionForm):
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class TransferForm(ScopedFormMixin, ActionForm):
    handler = PersonChoiceField(label=_("New handler"), roles=WORKER_ROLES)
    note = forms.CharField(label=_("Note"), required=False)

    @classmethod
    def scope_for(cls, complaint, user) -> dict:
        return {"user": user, "branch": complaint.branch_id}


class CompensationForm(ActionForm):
    amount = forms.DecimalField(
        label=_("Compensation approved (yuan)"), min_value=0, max_digits=14, decimal_places=2
    )
    note = forms.CharField(label=_("Note"), required=False)

    @classmethod
    def initial_for(cls, complaint) -> dict:
        return {**super().initial_for(complaint), "amount": complaint.claimed_compensation}


class ResolveForm(ActionForm):
    resolution = forms.CharField(label=_("Resolution"), widget=forms.Textarea(attrs={"rows": 3}))
    feedback = forms.CharField(
        label=_("Written feedback to the client"), widget=forms.Textarea(attrs={"rows": 3})
    )
    caused_by_department = forms.CharField(label=_("Department that caused it"), required=False)
    caused_by_person = forms.CharField(label=_("Person that caused it"), required=False)
    root_cause = forms.CharField(
        label=_("Root cause"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    corrective_action = forms.CharField(
        label=_("Corrective action"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReviewForm(ActionForm):
    note = forms.CharField(label=_("Review note"), widget=forms.Textarea(attrs={"rows": 2}))
    satisfaction = forms.TypedChoiceField(
        label=_("Client satisfaction"), coerce=int, required=False, empty_value=None,
        choices=[("", "—")] + [(i, str(i)) for i in range(1, 6)],
    )  # fmt: skip
    satisfaction_comment = forms.CharField(label=_("Satisfaction comment"), required=False)


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class AttachmentForm(BoundedForm):
    file = UploadField(rule=ATTACHMENT_UPLOAD, label=_("File"), required=False)
    recording_ref = forms.CharField(label=_("Recording reference"), required=False, max_length=200)
