from django import forms
from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .auth import DIRECTORY_UNAVAILABLE
from .bounds import bound_field
from .models import staff_of
from .references import PersonChoiceField


class BoundedFieldsMixin:
    """Every date, time and number of the form gets the bounds of crm.bounds when the
    form is cleaned, fields added in `__init__` included, so none can forget them. A
    model form's integer keeps to its column's range."""

    def full_clean(self):
        model = getattr(getattr(self, "_meta", None), "model", None)
        for name, field in self.fields.items():
            bound_field(field, model_field_of(model, name))
        super().full_clean()


def add_service_errors(form, exc: ValidationError) -> None:
    """A service's ValidationError shown on the form: each message under its field when
    the form has that field, the others (and a plain list of messages) above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def success_link(request, message: str, obj, text: str | None = None) -> None:
    """A success message that names `obj` as a link to it: `message` holds `%(obj)s`
    where the link goes ("投诉 TS2026… 已登记。"); `text` is the link's text (default
    str(obj)). The rest of the message is escaped."""
    link = format_html(
        '<a class="alert-link" href="{}">{}</a>', obj.get_absolute_url(), text or str(obj)
    )
    messages.success(request, mark_safe(conditional_escape(message) % {"obj": link}))


def model_field_of(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:  # a form field of its own
        return None


class BoundedForm(BoundedFieldsMixin, forms.Form):
    """The project's Form: every web form derives from it (or from BoundedModelForm)."""


class BoundedModelForm(BoundedFieldsMixin, forms.ModelForm):
    pass


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TodoForm(BoundedForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    assignee = PersonChoiceField(label=_("Assignee"), required=False)
    due_at = forms.DateTimeField(
        label=_("Due at"),
        widget=DateTimeLocalInput(),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("Leave empty to use the standard time limit in working days."),
    )

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        staff = staff_of(user)
        if editing or staff is None or not staff.is_manager:
            del self.fields["assignee"]
        else:
            self.fields["assignee"].scope(user)
            self.fields["assignee"].help_text = _("Leave empty to assign it to yourself.")
        if editing:
            self.fields["due_at"].required = True

    def clean_due_at(self):
        value = self.cleaned_data.get("due_at")
        if value and value < timezone.now():
            raise forms.ValidationError(_("The due time must be in the future."))
        return value


class ScheduleForm(BoundedForm):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    schedule = forms.CharField(
        label=_("Official schedule"),
        widget=forms.Textarea(attrs={"rows": 14, "class": "font-monospace"}),
        help_text=_(
            "One line per day or range: 'date[~date] holiday|workday name', e.g. "
            "'2027-10-01~2027-10-07 holiday 国庆节' or '2027-10-09 workday 国庆调休'. "
            "The year's existing entries are replaced."
        ),
    )


class ExportRequestForm(BoundedForm):
    kind = forms.CharField(widget=forms.HiddenInput)
    query = forms.CharField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label=_("Why do you need the data unmasked?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("A branch manager or compliance officer reads this before approving."),
    )


class LoginForm(BoundedFieldsMixin, AuthenticationForm):
    """Django's login form; when the directory (crm.directory) did not answer, a refused
    login says so instead of "wrong password": local accounts are still checked."""

    def get_invalid_login_error(self):
        if getattr(self.request, DIRECTORY_UNAVAILABLE, False):
            return ValidationError(
                _(
                    "The staff directory cannot be reached, so directory accounts cannot "
                    "log in right now. Try again in a few minutes or call the IT desk."
                ),
                code="directory_unavailable",
            )
        return super().get_invalid_login_error()
