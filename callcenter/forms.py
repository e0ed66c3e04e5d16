from django import forms
from django.utils.translation import gettext_lazy as _

from crm.forms import BoundedForm, BoundedModelForm, DateInput

from .models import Attempt, CallbackPolicy, OpinionCategory, Script, YesNo
from .services import MAX_INTERVAL_DAYS


class FailForm(BoundedForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[
        c for c in Attempt.Outcome.choices if c[0] != "reached"])  # fmt: skip
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class RegistrationFormForm(BoundedForm):
    identity_verified = forms.BooleanField(label=_("Identity verified"), required=False)
    account_changes_confirmed = forms.BooleanField(
        label=_("Account changes confirmed"), required=False
    )
    trading_by_staff = forms.ChoiceField(
        label=_("Did staff trade on your behalf? (代客操作)"),
        choices=YesNo.choices,
        widget=forms.RadioSelect,
    )
    risks_disclosed = forms.ChoiceField(
        label=_("Were the risks disclosed to you?"), choices=YesNo.choices, widget=forms.RadioSelect
    )
    discretionary_mandate = forms.ChoiceField(
        label=_("Did you give anyone a discretionary mandate? (全权委托)"),
        choices=YesNo.choices, widget=forms.RadioSelect,
    )  # fmt: skip
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction (1-5)"), coerce=int, choices=[(i, str(i)) for i in range(5, 0, -1)]
    )
    opinion = forms.CharField(
        label=_("Opinions and suggestions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    opinion_category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", "—"), *OpinionCategory.choices]
    )
    make_complaint = forms.BooleanField(
        label=_("Register this opinion as a complaint"), required=False
    )


class PolicyForm(BoundedModelForm):
    interval_days = forms.IntegerField(
        label=CallbackPolicy._meta.get_field("interval_days").verbose_name,
        min_value=1, max_value=MAX_INTERVAL_DAYS,
    )  # fmt: skip

    class Meta:
        model = CallbackPolicy
        fields = ["tier", "stage", "interval_days", "channel", "assignee", "is_active"]


class ScriptForm(BoundedModelForm):
    class Meta:
        model = Script
        fields = ["reason", "title", "body"]


class InspectionForm(BoundedForm):
    period_start = forms.DateField(label=_("From"), widget=DateInput())
    period_end = forms.DateField(label=_("To"), widget=DateInput())
    size = forms.IntegerField(
        label=_("Sample size"),
        required=False,
        min_value=1,
        help_text=_("Empty: 5 percent of the completed callbacks."),
    )
