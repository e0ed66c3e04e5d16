from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.forms import BoundedForm, DateInput
from crm.models import Role, staff_of
from crm.references import PersonChoiceField, ScopedFormMixin, scope_form
from crm.spreadsheets import FileRefused, human_size
from crm.uploads import UploadField, UploadRule

from .imports import check_file, kinds_for
from .models import Client, ClientType, IdType, LossReason, RiskLevel
from .validators import normalize_mobile, parse_id_card

PROFILE_FIELDS = [
    "client_type", "name", "id_type", "gender", "birth_date", "phone", "phone_alt", "email",
    "address", "occupation", "credit_code", "credit_code_override_reason",
    "legal_representative", "contact_person", "advisor",
    "investment_direction", "expected_return", "risk_control", "risk_preference", "horizon",
    "products_of_interest", "source", "consent_sms", "consent_email", "grade", "seeks",
    "next_contact_on", "preferred_channel",
]  # fmt: skip


class ClientForm(BoundedForm):
    """Create or edit a client; the service validates and stores (one place for rules)."""

    # (title, css class deciding when the group shows, fields)
    FIELDSETS = [
        (_("Account"), "", ["client_type", "client_no", "opened_on", "owner", "advisor"]),
        (_("Identity"), "", ["name", "id_type", "id_number"]),
        (pgettext_lazy("client form", "Person"), "for-individual",
         ["gender", "birth_date", "occupation"]),
        (_("Institution"), "for-institution", ["credit_code", "credit_code_override_reason",
                                               "legal_representative", "contact_person"]),
        (_("Contact"), "", ["phone", "phone_alt", "email", "address"]),
        (_("Investment preferences"), "", ["investment_direction", "expected_return",
                                           "risk_control", "risk_preference", "horizon",
                                           "products_of_interest"]),
        (_("Potential client"), "", ["grade", "seeks", "next_contact_on", "source"]),
        (_("Marketing and tags"), "", ["preferred_channel", "consent_sms", "consent_email",
                                       "tags"]),
        (_("Why"), "", ["reason", "version"]),
    ]  # fmt: skip

    def fieldsets(self):
        for title, css, names in self.FIELDSETS:
            fields = [self[n] for n in names if n in self.fields and not self[n].is_hidden]
            if fields:
                yield {"title": title, "css": css, "fields": fields}

    def __init__(self, *args, user, instance: Client | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.fields.update(forms.fields_for_model(Client, fields=PROFILE_FIELDS))
        for name in ("birth_date", "next_contact_on"):
            self.fields[name].widget = DateInput()
        self.fields["birth_date"].help_text = _("Filled in from a resident ID card number.")
        self.fields["gender"].help_text = _("Filled in from a resident ID card number.")
        self.fields["id_number"] = forms.CharField(
            label=_("ID number"), required=False, max_length=40,
            help_text=_("Stored encrypted. Leave empty to keep the current number.")
            if instance else "",
        )  # fmt: skip
        self.fields["tags"] = forms.CharField(
            label=_("Tags"), required=False, help_text=_("Separate tags with commas.")
        )
        self.fields["advisor"] = PersonChoiceField(
            label=_("Investment advisor"), required=False, roles=[Role.ADVISOR]
        )
        if instance is None:
            self.fields["client_no"] = forms.CharField(
                label=_("Client number"), required=False, max_length=20,
                help_text=_("Leave empty for a potential client (潜在客户)."),
            )  # fmt: skip
            self.fields["opened_on"] = forms.DateField(
                label=_("Opening date"), required=False, widget=DateInput()
            )
            staff = staff_of(user)
            if staff is not None and staff.role != Role.ACCOUNT_MANAGER:
                self.fields["owner"] = PersonChoiceField(
                    label=_("Account manager"), roles=[Role.ACCOUNT_MANAGER]
                )
        else:
            self.fields["reason"] = forms.CharField(
                label=_("Reason for the change"), required=False, max_length=100,
                help_text=_("Required when name or identity data change."),
            )  # fmt: skip
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput())
            self.initial.update(forms.model_to_dict(instance, fields=PROFILE_FIELDS))
            self.initial["tags"] = ", ".join(instance.tags)
            self.initial["version"] = instance.version
        if instance is None:  # the usual document; no "---------" to pick first
            self.initial.setdefault("id_type", IdType.ID_CARD)
        scope_form(self, user, instance.branch_id if instance is not None else None)

    def clean(self):
        """The checks of clients.services that need no database, here too, so that the
        form reports them with its other errors in one round: the ID number against the
        chosen document type, the mobile numbers."""
        data = super().clean()
        number = (self.data.get(self.add_prefix("id_number")) or "").strip().upper()
        id_type = data.get("id_type", self.data.get(self.add_prefix("id_type"), ""))
        if number and not id_type and "id_type" not in self.errors:
            self.add_error("id_type", _("Choose the type of the ID document."))
        elif number and id_type == IdType.ID_CARD and "id_number" not in self.errors:
            try:
                parse_id_card(number)
            except ValidationError as exc:
                self.add_error("id_number", exc.messages[0])
        for key in ("phone", "phone_alt"):
            if data.get(key) and key not in self.errors:
                try:
                    normalize_mobile(data[key])
                except ValidationError as exc:
                    self.add_error(key, exc.messages[0])
        return data

    def clean_tags(self):
        raw = self.cleaned_data.get("tags") or ""
        return [t.strip() for t in raw.replace("，", ",").split(",") if t.strip()]

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        for key in ("reason", "version"):
            data.pop(key, None)
        if self.instance is not None and not data.get("id_number"):
            data.pop("id_number", None)
            if data.get("id_type") == self.instance.id_type:
                data.pop("id_type", None)
        if data.get("client_type") == ClientType.INDIVIDUAL:
            for key in ("credit_code", "credit_code_override_reason", "legal_representative",
                        "contact_person"):  # fmt: skip
                data.pop(key, None)
        return data


class RiskAssessmentForm(BoundedForm):
    assessed_on = forms.DateField(label=_("Assessed on"), widget=DateInput())
    score = forms.IntegerField(label=_("Score"), min_value=0, max_value=1000)
    risk_level = forms.ChoiceField(label=_("Risk tolerance"), choices=RiskLevel.choices)
    lowest_category = forms.BooleanField(label=_("Lowest category (最低类别)"), required=False)
    questionnaire = forms.CharField(label=_("Questionnaire version"), required=False, max_length=50)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessed_on"].initial = timezone.localdate()


class OpenAccountForm(BoundedForm):
    client_no = forms.CharField(label=_("Client number"), max_length=20)
    opened_on = forms.DateField(label=_("Opening date"), widget=DateInput())


class ReassignForm(ScopedFormMixin, BoundedForm):
    owner = PersonChoiceField(label=_("New account manager"), roles=[Role.ACCOUNT_MANAGER])
    reason = forms.CharField(label=_("Reason"), max_length=100)


class SavedClientFilterForm(BoundedForm):
    """Save the client list's current filters as a named list (clients.services.lists)."""

    name = forms.CharField(label=pgettext_lazy("saved list", "List name"), max_length=60)
    shared = forms.BooleanField(label=_("Share with the branch"), required=False)
    query = forms.CharField(widget=forms.HiddenInput, max_length=1000, required=False)


class IdentityChangeForm(BoundedForm):
    note = forms.CharField(
        label=_("What changed"),
        max_length=100,
        help_text=_("E.g. new ID card issued, name changed."),
    )


# A file of account snapshots for the import (CRM_IMPORT_MAX_BYTES).
SNAPSHOT_FILE_UPLOAD = UploadRule(kinds=("csv", "xlsx"), max_bytes_setting="CRM_IMPORT_MAX_BYTES")


class ImportForm(BoundedForm):
    """The kind of import (those the user may import) and the file; the button pressed
    (`dry_run=1` or not) says whether it is a dry run."""

    kind = forms.ChoiceField(label=_("Kind of import"), required=False)  # empty: the first
    file = UploadField(rule=SNAPSHOT_FILE_UPLOAD, label=_("File (CSV or Excel)"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = kinds_for(user)
        self.fields["kind"].choices = [(kind.key, kind.label) for kind in kinds]
        self.fields["kind"].initial = kinds[0].key if kinds else None
        self.fields["file"].help_text = _(
            "Columns as in the kind's template (the required ones: %(columns)s). At most "
            "%(size)s and %(rows)d rows."
        ) % {"columns": "；".join(
                f"{kind.label}：" + "、".join(kind.column_label(key) for key in kind.required)
                for kind in kinds),
             "size": human_size(settings.CRM_IMPORT_MAX_BYTES),
             "rows": settings.CRM_IMPORT_MAX_ROWS}  # fmt: skip

    def clean_kind(self):
        return self.cleaned_data.get("kind") or self.fields["kind"].initial or ""

    def clean_file(self):
        """Kind and size are the upload rule's; what the file unpacks to is the import's."""
        upload = self.cleaned_data["file"]
        try:
            check_file(upload.file, upload.name.lower())
        except FileRefused as exc:
            raise forms.ValidationError(str(exc)) from exc
        return upload


class RetentionActionForm(BoundedForm):
    kind = forms.ChoiceField(label=_("Action"), choices=[
        ("call", _("Call")), ("visit", _("Visit")), ("offer", _("Offer")),
        ("event", _("Event invitation")),
    ])  # fmt: skip
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))


class RetentionCloseForm(BoundedForm):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("retained", _("Retained")), ("lost", _("Lost"))]
    )
    loss_reason = forms.ModelChoiceField(
        label=_("Loss reason"), required=False, empty_label=_("(when lost)"),
        queryset=LossReason.objects.filter(is_active=True),
    )  # fmt: skip
    note = forms.CharField(label=_("Note"), required=False)
