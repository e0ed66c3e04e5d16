from django import forms
from django.utils.translation import gettext_lazy as _

from clients.models import SavedClientFilter, Stage, Tier
from clients.pickers import ClientPickField
from crm.forms import BoundedForm, DateInput, DateTimeLocalInput
from crm.models import Role
from crm.references import PersonChoiceField, ScopedFormMixin
from products.pickers import ProductPickField

from .models import Event, EventSeries, Invitation, QuotaLog, VisitPlan

DT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class VisitPlanForm(ScopedFormMixin, BoundedForm):
    client = ClientPickField()
    kind = forms.ChoiceField(label=_("Type"), choices=VisitPlan.Kind.choices)
    planned_at = forms.DateTimeField(
        label=_("Planned for"), widget=DateTimeLocalInput(), input_formats=DT_FORMATS
    )
    place = forms.CharField(label=_("Place"), max_length=200)
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 2}))
    analysis = forms.CharField(
        label=_("Preparation and analysis"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class RejectForm(BoundedForm):
    reason = forms.CharField(
        label=_("Reason for rejection"), widget=forms.Textarea(attrs={"rows": 2})
    )


class VisitRecordForm(BoundedForm):
    presented = forms.CharField(
        label=_("What was presented"), widget=forms.Textarea(attrs={"rows": 3})
    )
    investment_direction = forms.CharField(
        label=_("Investment direction"), required=False, max_length=200
    )
    expected_return = forms.CharField(label=_("Expected return"), required=False, max_length=100)
    risk_control = forms.CharField(label=_("Risk control wishes"), required=False, max_length=200)
    risk_preference = forms.CharField(label=_("Risk preference"), required=False, max_length=100)
    proposal = forms.CharField(
        label=_("First proposal"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    next_steps = forms.CharField(
        label=_("Next steps"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    next_step_on = forms.DateField(label=_("Next step on"), required=False, widget=DateInput())
    research_request = forms.CharField(
        label=_("Request to the research side"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class QuotaLogForm(ScopedFormMixin, BoundedForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=QuotaLog.Kind.choices)
    client = ClientPickField(required=False)
    room = forms.CharField(label=_("Room (大户室)"), required=False, max_length=50)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class QuotaSetForm(ScopedFormMixin, BoundedForm):
    account_manager = PersonChoiceField(label=_("Account manager"), roles=[Role.ACCOUNT_MANAGER])
    contacts_target = forms.IntegerField(
        label=_("Key-client contacts per day"), min_value=0, max_value=100
    )
    patrols_target = forms.IntegerField(label=_("Room patrols per day"), min_value=0, max_value=50)


class ConsultationForm(ScopedFormMixin, BoundedForm):
    client = ClientPickField()
    advisor = PersonChoiceField(label=_("Investment advisor"), roles=[Role.ADVISOR])
    question = forms.CharField(
        label=_("The client's question"), widget=forms.Textarea(attrs={"rows": 3})
    )


class AnswerForm(BoundedForm):
    analysis = forms.CharField(label=_("Analysis"), widget=forms.Textarea(attrs={"rows": 4}))
    advice = forms.CharField(label=_("Advice"), widget=forms.Textarea(attrs={"rows": 3}))


class ProductForm(BoundedForm):
    """One advised product: picked from the catalogue (its level comes with it)."""

    product = ProductPickField(required=False)
    client_insists_in_writing = forms.BooleanField(
        label=_("Client insists in writing"), required=False
    )
    special_warning_given = forms.BooleanField(
        label=_("Special risk warning given"), required=False
    )
    recording_ref = forms.CharField(label=_("Recording reference"), max_length=64,
                                    required=False)  # fmt: skip
    recorded_at = forms.DateTimeField(
        label=_("Recorded at"), required=False, widget=DateTimeLocalInput(),
        input_formats=DT_FORMATS,
    )  # fmt: skip


ProductFormSet = forms.formset_factory(ProductForm, extra=3, max_num=10)


class DeliverForm(BoundedForm):
    note = forms.CharField(label=_("How the advice was delivered"), max_length=200)


class EventForm(BoundedForm):
    kind = forms.ChoiceField(label=_("Type"), choices=Event.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Starts at"), widget=DateTimeLocalInput(), input_formats=DT_FORMATS
    )
    place = forms.CharField(label=_("Place"), max_length=200)
    capacity = forms.IntegerField(
        label=_("Capacity"), required=False, min_value=1, max_value=100_000
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    product = ProductPickField(required=False, label=_("Catalogue product presented"))
    repeat = forms.ChoiceField(
        label=_("Repeats"), required=False,
        choices=[("", _("Does not repeat")), *EventSeries.Frequency.choices],
    )  # fmt: skip
    until = forms.DateField(
        label=_("Repeats until"), required=False, widget=DateInput(),
        help_text=_("A recurring event (the weekly exchange meeting): every occurrence up to "
                    "this day is created, each with its own invitations and seats."),
    )  # fmt: skip


class InviteForm(BoundedForm):
    tiers = forms.MultipleChoiceField(
        label=_("Tiers"), choices=Tier.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    stages = forms.MultipleChoiceField(
        label=_("Stages"),
        required=False,
        choices=[c for c in Stage.choices if c[0] != "potential"],
        widget=forms.CheckboxSelectMultiple,
    )


class InviteClientForm(ScopedFormMixin, BoundedForm):
    """One client or potential client, picked by name, pinyin initials or phone."""

    client = ClientPickField(label=_("Client or potential client"))
    whole_series = forms.BooleanField(
        label=_("Also to every later occurrence"), required=False,
        help_text=_("For a recurring event."),
    )  # fmt: skip


class InviteSavedListForm(BoundedForm):
    """Invite the clients of a saved client list (clients.SavedClientFilter)."""

    saved = forms.ModelChoiceField(
        label=_("Saved client list"), queryset=SavedClientFilter.objects.none(),
        empty_label=_("Choose a list"),
        help_text=_("Applied to the clients you may see; potential clients included."),
    )  # fmt: skip

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["saved"].queryset = SavedClientFilter.objects.visible_to(user).order_by(
            "name", "id"
        )


class ResearchAnswerForm(BoundedForm):
    answer = forms.CharField(label=_("Answer"), max_length=4000,
                             widget=forms.Textarea(attrs={"rows": 4}))  # fmt: skip


class InvitationStatusForm(BoundedForm):
    status = forms.ChoiceField(choices=Invitation.Status.choices)
    feedback = forms.CharField(required=False, max_length=300)
