from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.forms import BoundedForm, DateInput

from .models import AmlRating, RequestKind

MONEY = {"min_value": 0, "max_digits": 16, "decimal_places": 2, "required": False}


class ProRequestForm(BoundedForm):
    """A classification request: the evidence seen, its date, the figures it shows."""

    kind = forms.ChoiceField(label=_("Kind of request"), choices=RequestKind.choices,
                             widget=forms.RadioSelect,
                             initial=RequestKind.PROFESSIONAL)  # fmt: skip
    financial_assets = forms.DecimalField(label=_("Financial assets (yuan)"), **MONEY)
    average_income = forms.DecimalField(
        label=_("Average yearly income, last 3 years (yuan)"), **MONEY,
        help_text=_("A person: financial assets or income, and the years of experience."),
    )  # fmt: skip
    experience_years = forms.DecimalField(label=_("Investment experience (years)"),
                                          min_value=0, max_digits=4, decimal_places=1,
                                          required=False)  # fmt: skip
    net_assets = forms.DecimalField(
        label=_("Net assets (yuan)"), **MONEY,
        help_text=_("An institution: net assets and financial assets."),
    )  # fmt: skip
    evidence = forms.CharField(
        label=_("Evidence seen"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Bank and securities statements, income certificates, audited accounts, "
                    "or the client's written request."),
    )  # fmt: skip
    evidence_date = forms.DateField(label=_("Date of the evidence"), widget=DateInput())


class ActionForm(BoundedForm):
    """A step's form carries the version the page showed (a stale one is refused)."""

    version = forms.IntegerField(widget=forms.HiddenInput(), required=False)

    @classmethod
    def for_step(cls, obj, *, user, action: str, data=None) -> ActionForm:
        initial = {"version": obj.version} if data is None else None
        return cls(data, prefix=action, initial=initial)


class DecisionForm(ActionForm):
    note = forms.CharField(label=_("Note"), required=False, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("Required to reject."))  # fmt: skip


class OverrideForm(ActionForm):
    rating = forms.ChoiceField(label=_("AML risk rating"), required=False,
                               choices=[("", _("From the factors")),
                                        *AmlRating.choices])  # fmt: skip
    reason = forms.CharField(label=_("Reason"), required=False, max_length=4000,
                             widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip


class VerifyForm(ActionForm):
    verified_on = forms.DateField(label=_("Identity verified on"), widget=DateInput(),
                                  required=False)  # fmt: skip
    id_expires_on = forms.DateField(label=_("ID document expires on"), widget=DateInput(),
                                    required=False)  # fmt: skip


class ResidenceForm(ActionForm):
    nationality = forms.CharField(label=_("Nationality (country code)"), max_length=2)
    residence = forms.CharField(label=_("Country of residence (code)"), max_length=2)
