from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from clients.pickers import ClientPickField
from crm.forms import BoundedForm, DateTimeLocalInput
from crm.references import PersonChoiceField, ScopedFormMixin

from .models import Channel, Priority, ServiceCategory
from .workflow import WORKER_ROLES


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class SubcategorySelect(forms.Select):
    """Each option names its category (`data-parent`): the page offers the chosen
    category's subcategories only (static/crm/servicedesk.js)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None and instance.parent_id:
            option["attrs"]["data-parent"] = str(instance.parent_id)
        return option


class IntakeForm(ScopedFormMixin, BoundedForm):
    """Usable during a call: find the client, or note an unidentified caller; the
    category, then its subcategory; 当场解决 with the answer given."""

    client = ClientPickField(
        label=_("Client"), required=False,
        help_text=_("Type the caller's name or the last 4 digits of the phone, then choose."),
    )  # fmt: skip
    caller_name = forms.CharField(
        label=_("Caller (if not a client)"), max_length=100, required=False
    )
    caller_phone = forms.CharField(label=_("Caller phone"), max_length=20, required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    category = CategoryChoiceField(
        label=_("Category"), queryset=ServiceCategory.objects.none(), empty_label="—"
    )
    subcategory = CategoryChoiceField(
        label=_("Subcategory"), queryset=ServiceCategory.objects.none(), required=False,
        empty_label="—", widget=SubcategorySelect,
    )  # fmt: skip
    priority = forms.TypedChoiceField(
        label=_("Priority"), coerce=int, choices=Priority.choices, initial=Priority.NORMAL
    )
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))
    received_at = forms.DateTimeField(
        label=_("Received at"), required=False, widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("Leave empty for now (a call in progress)."),
    )  # fmt: skip
    handler = PersonChoiceField(
        label=_("Handler"), roles=WORKER_ROLES, required=False,
        help_text=_("Leave empty to handle it yourself."),
    )  # fmt: skip
    resolved_now = forms.BooleanField(
        label=_("Resolved on the spot (当场解决)"), required=False,
        help_text=_("Answered during this contact: recorded as resolved on first contact."),
    )  # fmt: skip
    resolution = forms.CharField(
        label=_("Resolution"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        active = ServiceCategory.objects.filter(is_active=True)
        self.fields["category"].queryset = active.filter(parent__isnull=True)
        self.fields["subcategory"].queryset = active.filter(parent__isnull=False).select_related(
            "parent"
        )
        self.fields["subcategory"].label_from_instance = lambda c: f"{c.parent.name} · {c.name}"


class ActionForm(BoundedForm):
    """A step's form carries the version the page showed (a stale one is refused)."""

    version = forms.IntegerField(widget=forms.HiddenInput(), required=False)

    @classmethod
    def for_step(cls, service_request, *, user, action: str, data=None) -> ActionForm:
        initial = {"version": service_request.version} if data is None else None
        return cls(data, prefix=action, initial=initial, **cls.scope_for(service_request, user))

    @classmethod
    def scope_for(cls, service_request, user) -> dict:
        return {}


class NoteForm(ActionForm):
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class CloseForm(NoteForm):
    opinion = forms.CharField(
        label=_("The client's opinion or suggestion"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("If the client gave one: it goes to the register of client opinions."),
    )  # fmt: skip


class TransferForm(ScopedFormMixin, ActionForm):
    handler = PersonChoiceField(label=_("New handler"), roles=WORKER_ROLES, required=False)
    back_office = forms.BooleanField(label=_("To the back office"), required=False)
    note = forms.CharField(label=_("Note"), required=False)

    @classmethod
    def scope_for(cls, service_request, user) -> dict:
        return {"user": user, "branch": service_request.branch_id}


class ResolveForm(ActionForm):
    resolution = forms.CharField(label=_("Resolution"), widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class EscalateForm(ActionForm):
    reason = forms.CharField(
        label=_("Why the client is dissatisfied"), widget=forms.Textarea(attrs={"rows": 2})
    )


class CategoryForm(BoundedForm):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=60)
    parent = CategoryChoiceField(
        label=_("Category (empty for a top-level category)"),
        queryset=ServiceCategory.objects.filter(parent__isnull=True), required=False,
    )  # fmt: skip
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, max_value=1000, initial=100)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
