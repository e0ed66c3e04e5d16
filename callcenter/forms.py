from django import forms
from django.utils.translation import gettext_lazy as _

from clients.pickers import ClientPickField
from complaints.models import Topic
from crm.forms import BoundedForm, BoundedModelForm, DateInput, DateTimeLocalInput
from crm.references import ScopedFormMixin
from servicedesk.forms import CategoryChoiceField
from servicedesk.models import ServiceCategory

from .models import Attempt, Call, CallbackPolicy, OpinionCategory, Script, WrapUpCode, YesNo
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


class WrapUpCodeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


def _codes():
    return WrapUpCode.objects.filter(is_active=True)


class CallLogForm(ScopedFormMixin, BoundedForm):
    """A call logged by hand (the telephony did not post it), and what it opens."""

    FOLLOW_UP_CHOICES = (
        ("", _("Nothing")),
        ("service_request", _("A service request")),
        ("complaint", _("A complaint")),
        ("callback", _("A callback")),
    )

    direction = forms.ChoiceField(
        label=_("Direction"), choices=Call.Direction.choices, initial=Call.Direction.INBOUND
    )
    phone = forms.CharField(label=_("Phone number"), max_length=20, required=False)
    client = ClientPickField(
        label=_("Client"), required=False, help_text=_("Leave empty for an unknown caller.")
    )
    caller_name = forms.CharField(
        label=_("Caller (if not a client)"), max_length=100, required=False
    )
    started_at = forms.DateTimeField(
        label=_("Started at"), required=False, widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("Leave empty for now."),
    )  # fmt: skip
    duration_minutes = forms.DecimalField(
        label=_("Duration (minutes)"), min_value=0, max_value=1440, decimal_places=1,
        initial=1,
    )  # fmt: skip
    wrap_up = WrapUpCodeChoiceField(label=_("Wrap-up code"), queryset=_codes(), empty_label="—")
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    follow_up = forms.ChoiceField(
        label=_("Then open"), choices=FOLLOW_UP_CHOICES, required=False,
        widget=forms.RadioSelect, initial="",
    )  # fmt: skip
    category = CategoryChoiceField(
        label=_("Service request category"), queryset=ServiceCategory.objects.none(),
        required=False, empty_label="—",
    )  # fmt: skip
    resolved_now = forms.BooleanField(
        label=_("Resolved during the call (first contact)"), required=False,
        help_text=_("For a service request answered on the phone: give the resolution."),
    )  # fmt: skip
    resolution = forms.CharField(
        label=_("Resolution"), required=False, max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    topic = forms.ChoiceField(
        label=_("Complaint topic"), choices=[("", "—"), *Topic.choices], required=False
    )
    callback_at = forms.DateTimeField(
        label=_("Call back at"), required=False, widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("Leave empty for the end of the next working day."),
    )  # fmt: skip

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["wrap_up"].queryset = _codes()
        self.fields["category"].queryset = ServiceCategory.objects.filter(
            is_active=True, parent__isnull=True
        )

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        minutes = data.pop("duration_minutes") or 0
        data["duration"] = round(float(minutes) * 60)
        return data


class WrapUpForm(BoundedForm):
    wrap_up = WrapUpCodeChoiceField(label=_("Wrap-up code"), queryset=_codes(), empty_label="—")
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["wrap_up"].queryset = _codes()
