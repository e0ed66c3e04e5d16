from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clients.models import RiskLevel, SavedClientFilter, Stage, Tier
from crm.forms import BoundedForm, DateTimeLocalInput
from crm.models import Branch
from crm.references import PersonChoiceField, ScopedFormMixin
from outreach.models import Channel, MessageTemplate, Purpose
from visits.models import Event

from .models import Kind
from .segments import KEYS
from .workflow import BUILDER_ROLES

CHECKS = {"class": "form-check-input"}


class CampaignForm(ScopedFormMixin, BoundedForm):
    """A campaign built or edited on the page: the segment pickers become the segment's
    JSON; the service checks everything and every error comes back at once."""

    name = forms.CharField(label=_("Name"), max_length=100)
    branch = forms.ModelChoiceField(
        label=_("Branch"), queryset=Branch.objects.filter(kind="branch"), required=False,
        empty_label=_("Every branch"), help_text=_("HQ only: empty reaches every branch."),
    )  # fmt: skip
    owner = PersonChoiceField(label=_("Owner"), roles=BUILDER_ROLES, required=False,
                              help_text=_("Leave empty: you."))  # fmt: skip
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices,
                                initial=Purpose.MARKETING)  # fmt: skip
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    template = forms.ModelChoiceField(label=pgettext_lazy("campaign", "Message template"),
                                      queryset=MessageTemplate.objects.none())  # fmt: skip
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    scheduled_at = forms.DateTimeField(
        label=pgettext_lazy("campaign", "Send at"), required=False, widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("One-off campaigns: SMS in quiet hours waits until 08:00."),
    )  # fmt: skip
    send_time = forms.TimeField(
        label=_("Time of day"), required=False, widget=forms.TimeInput(attrs={"type": "time"}),
        help_text=_("Birthday and holiday campaigns: default 09:00."),
    )  # fmt: skip
    ends_on = forms.DateField(label=_("Runs until"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    tiers = forms.MultipleChoiceField(
        label=_("Tiers"), choices=Tier.choices, required=False,
        widget=forms.CheckboxSelectMultiple(attrs=CHECKS),
    )  # fmt: skip
    stages = forms.MultipleChoiceField(
        label=_("Stages"), choices=Stage.choices, required=False,
        widget=forms.CheckboxSelectMultiple(attrs=CHECKS),
    )  # fmt: skip
    risk_levels = forms.MultipleChoiceField(
        label=_("Risk levels"), choices=RiskLevel.choices, required=False,
        widget=forms.CheckboxSelectMultiple(attrs=CHECKS),
    )  # fmt: skip
    tags = forms.CharField(label=_("Tags"), required=False, max_length=400,
                           help_text=_("Any of these tags, separated by commas."))  # fmt: skip
    dormant = forms.BooleanField(label=_("Dormant accounts only"), required=False)
    birthday_this_month = forms.BooleanField(label=_("Birthday this month"), required=False)
    event = forms.ModelChoiceField(label=_("Invitees of the event"), required=False,
                                   queryset=Event.objects.none())  # fmt: skip
    saved_list = forms.ModelChoiceField(
        label=_("Saved client list"), required=False, queryset=SavedClientFilter.objects.none(),
        help_text=_("Its filters, applied to the clients the campaign's owner may see."),
    )  # fmt: skip
    client_query = forms.CharField(
        label=_("Client list filter"), required=False, max_length=500,
        help_text=_(
            "Paste the client list's address after filtering it, e.g. ?tier=vip&sleeping=true"
        ),
    )  # fmt: skip
    note = forms.CharField(label=_("Note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip

    SEGMENT_FIELDS = KEYS

    def __init__(self, *args, user, campaign=None, **kwargs):
        if campaign is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_for(campaign)
        super().__init__(*args, user=user, branch=getattr(campaign, "branch_id", None),
                         **kwargs)  # fmt: skip
        self.fields["template"].queryset = MessageTemplate.objects.visible_to(user).filter(
            active=True
        )
        self.fields["event"].queryset = Event.objects.visible_to(user).order_by("-starts_at")
        self.fields["saved_list"].queryset = SavedClientFilter.objects.visible_to(user).order_by(
            "name", "id"
        )
        staff = getattr(user, "staff", None)
        if staff is None or not staff.sees_all_branches:
            del self.fields["branch"]

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        segment = {key: data.pop(key) for key in self.SEGMENT_FIELDS if key in data}
        segment["event"] = segment["event"].pk if segment.get("event") else None
        segment["saved_list"] = segment["saved_list"].pk if segment.get("saved_list") else None
        data["segment"] = segment
        if not data.get("owner"):
            data.pop("owner", None)
        if "branch" not in self.fields:
            data.pop("branch", None)
        return data


def initial_for(campaign) -> dict:
    segment = campaign.segment or {}
    return {
        "name": campaign.name, "branch": campaign.branch_id, "owner": campaign.owner_id,
        "purpose": campaign.purpose, "channel": campaign.channel,
        "template": campaign.template_id, "kind": campaign.kind,
        "scheduled_at": campaign.scheduled_at, "send_time": campaign.send_time,
        "ends_on": campaign.ends_on, "note": campaign.note,
        "tiers": segment.get("tiers", []), "stages": segment.get("stages", []),
        "risk_levels": segment.get("risk_levels", []),
        "tags": ", ".join(segment.get("tags", [])), "dormant": segment.get("dormant", False),
        "birthday_this_month": segment.get("birthday_this_month", False),
        "event": segment.get("event"), "client_query": segment.get("client_query", ""),
        "saved_list": segment.get("saved_list"),
    }  # fmt: skip


class ActionForm(BoundedForm):
    @classmethod
    def for_step(cls, campaign, *, user, action: str, data=None) -> ActionForm:
        return cls(data, prefix=action)


class NoteForm(ActionForm):
    note = forms.CharField(label=_("Note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), max_length=300,
                             widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip


class PlainForm(ActionForm):
    """A step without a body (submit, cancel)."""
