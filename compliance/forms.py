from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from clients.pickers import ClientPickField
from crm.forms import BoundedForm
from crm.references import PersonChoiceField, ScopedFormMixin

from .models import Finding, SourceKind


class CaseForm(ScopedFormMixin, BoundedForm):
    """A case opened by hand: from a source (its kind and number, filled in when the
    form is opened from the source's page) or without one."""

    source_kind = forms.ChoiceField(label=_("Source"), choices=SourceKind.choices,
                                    initial=SourceKind.MANUAL)  # fmt: skip
    source_id = forms.CharField(
        label=_("Number of the source"), required=False, max_length=40,
        help_text=_("The callback, call or visit plan number, or the complaint ticket number."),
    )  # fmt: skip
    client = ClientPickField(
        label=_("Client"),
        required=False,
        help_text=_("Without a source: the client the matter is about."),
    )
    staff_concerned = PersonChoiceField(
        label=_("Staff member concerned"), required=False,
        help_text=_("Empty: the client's account manager. They never see the case."),
    )  # fmt: skip
    summary = forms.CharField(label=_("Matter"), max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 4}))  # fmt: skip

    def clean(self):
        data = super().clean()
        kind = data.get("source_kind")
        if kind and kind != SourceKind.MANUAL and not (data.get("source_id") or "").strip():
            self.add_error("source_id", _("Enter the number of the source."))
        return data


class ActionForm(BoundedForm):
    """A step's form carries the version the page showed (a stale one is refused)."""

    version = forms.IntegerField(widget=forms.HiddenInput(), required=False)

    @classmethod
    def for_step(cls, case, *, user, action: str, data=None) -> ActionForm:
        initial = {"version": case.version} if data is None else None
        return cls(data, prefix=action, initial=initial)


class NoteForm(ActionForm):
    note = forms.CharField(label=_("Note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip


class ConcludeForm(ActionForm):
    finding = forms.ChoiceField(label=_("Finding"), choices=Finding.choices,
                                widget=forms.RadioSelect)  # fmt: skip
    measures = forms.CharField(
        label=_("Measures taken"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the matter is substantiated."),
    )  # fmt: skip
    reported_to_hq = forms.BooleanField(label=_("Reported to HQ compliance"), required=False)
    note = forms.CharField(label=_("Note"), required=False)
