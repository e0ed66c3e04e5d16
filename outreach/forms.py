from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from clients.pickers import ClientPickField
from crm.forms import BoundedForm
from crm.references import ScopedFormMixin

from .models import Channel, MessageTemplate, Purpose


class TemplateForm(ScopedFormMixin, BoundedForm):
    code = forms.SlugField(
        label=_("Code"), max_length=50,
        help_text=_("Letters, digits and hyphens, e.g. birthday-sms."),
    )  # fmt: skip
    name = forms.CharField(label=_("Name"), max_length=100)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    provider_template_code = forms.CharField(
        label=_("Provider template code (SMS)"), max_length=50, required=False,
        help_text=_("The code of the text approved by the SMS provider."),
    )  # fmt: skip
    subject = forms.CharField(label=_("Subject (e-mail)"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Variables: {{ client_name }}, {{ account }} (masked client number), "
                    "{{ today }}, and those of the sender (an event's {{ event_title }}, "
                    "{{ event_time }}, {{ event_place }}; a due date {{ due }})."),
    )  # fmt: skip
    html_body = forms.CharField(label=_("HTML body (e-mail)"), required=False,
                                widget=forms.Textarea(attrs={"rows": 5}))  # fmt: skip
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)
    preview_client = ClientPickField(label=_("Preview with the data of client"), required=False)

    @classmethod
    def initial_for(cls, template: MessageTemplate) -> dict:
        return {k: getattr(template, k) for k in ("code", "name", "channel", "purpose",
                "provider_template_code", "subject", "body", "html_body", "active")}  # fmt: skip


class SendForm(BoundedForm):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices,
                                initial=Purpose.SERVICE)  # fmt: skip
    template = forms.ModelChoiceField(
        label=_("Template"), queryset=MessageTemplate.objects.none(), required=False,
        empty_label=_("No template: write it"),
    )  # fmt: skip
    subject = forms.CharField(label=_("Subject (e-mail)"), max_length=200, required=False)
    body = forms.CharField(label=_("Text"), required=False,
                           widget=forms.Textarea(attrs={"rows": 4}))  # fmt: skip

    def __init__(self, *args, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates  # type: ignore[attr-defined]

    def clean(self):
        data = super().clean() or {}
        template = data.get("template")
        if template is None and not (data.get("body") or "").strip():
            self.add_error("body", _("Choose a template or write the text."))
        if template is not None:
            if template.channel != data.get("channel"):
                self.add_error("template", _("This template is for another channel."))
            if template.purpose != data.get("purpose"):
                self.add_error("template", _("This template is for another purpose."))
        if data.get("channel") == Channel.EMAIL and template is None and not data.get("subject"):
            self.add_error("subject", _("An e-mail needs a subject."))
        return data
