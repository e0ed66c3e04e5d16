"""The pages of outreach (客户触达): the message record, the templates with their preview,
sending one message from the client page, and the public unsubscribe page."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from clients.models import Client
from clients.views import ClientObjectMixin, ClientPartView
from crm.forms import add_service_errors
from crm.views import StaffRequiredMixin, TableListView

from . import selectors
from .filters import MessageFilterSet, TemplateFilterSet
from .forms import SendForm, TemplateForm
from .models import Channel, SourceKind
from .permissions import can_edit_template, can_edit_templates, can_send
from .rendering import render as render_message
from .rendering import sms_segments
from .services.consent import client_opt_out
from .services.messages import message_send, withheld_reason
from .services.sending import unsubscribe_read
from .services.templates import template_create, template_update
from .tables import MessageTable, TemplateTable, recipient_display


# --- The message record -------------------------------------------------------------------
class MessageListView(TableListView):
    """Every message the user may see, newest first unless sorted; the API's filters."""

    filterset_class = MessageFilterSet
    table_class = MessageTable
    template_name = "outreach/message_list.html"
    table_target = "#message-table"

    def get_queryset(self):
        return selectors.messages_for(self.request.user).order_by("-created_at", "-id")

    def get_context(self) -> dict:
        return {"can_edit_templates": can_edit_templates(self.request.user)}


class MessageDetailView(StaffRequiredMixin, View):
    def get(self, request, pk):
        message = get_object_or_404(selectors.messages_for(request.user), pk=pk)
        replies = list(message.replies.order_by("received_at"))
        return render(request, "outreach/message_detail.html", {
            "message": message, "recipient": recipient_display(request.user, message),
            "segments": sms_segments(message.body) if message.channel == Channel.SMS else None,
            "replies": replies, "provider": provider_label(message.provider),
        })  # fmt: skip


# --- Templates ------------------------------------------------------------------------------
class TemplateListView(TableListView):
    filterset_class = TemplateFilterSet
    table_class = TemplateTable
    template_name = "outreach/template_list.html"
    table_target = "#template-table"
    per_page = 50

    def get_queryset(self):
        return selectors.templates_for(self.request.user).order_by("channel", "code")

    def get_context(self) -> dict:
        return {"can_edit": can_edit_templates(self.request.user)}


def preview_of(form: TemplateForm) -> dict | None:
    """The template as the chosen client would get it, with its length and SMS parts."""
    data = form.cleaned_data
    client = data.get("preview_client")
    if client is None:
        return None
    sample = {"event_title": _("Investment strategy meeting"), "event_time": "2026-12-20 14:00",
              "event_place": _("Branch meeting room"), "due": "2026-12-31",
              "status": _("Being handled")}  # fmt: skip
    try:
        out = render_message(
            channel=data["channel"], client=client, subject=data.get("subject", ""),
            body=data.get("body", ""), html_body=data.get("html_body", ""), context=sample,
        )  # fmt: skip
    except Exception as exc:  # a syntax error: the service says which, in Chinese
        form.add_error("body", str(exc))
        return None
    return {"client": client, "subject": out.subject, "body": out.body, "html": out.html_body,
            "length": len(out.body), "segments": sms_segments(out.body),
            "sms": data["channel"] == Channel.SMS}  # fmt: skip


class TemplateFormView(StaffRequiredMixin, View):
    """Create (no pk) or edit a template; "Preview" renders it with a real client's data
    without saving."""

    def _template(self, pk):
        if pk is None:
            if not can_edit_templates(self.request.user):
                raise PermissionDenied(_("Your role may not edit message templates."))
            return None
        template = get_object_or_404(selectors.templates_for(self.request.user), pk=pk)
        if not can_edit_template(self.request.user, template):
            raise PermissionDenied(_("Your role may not edit this message template."))
        return template

    def _render(self, request, form, template, preview=None, status=200):
        return render(request, "outreach/template_form.html",
                      {"form": form, "template": template, "preview": preview},
                      status=status)  # fmt: skip

    def get(self, request, pk=None):
        template = self._template(pk)
        initial = TemplateForm.initial_for(template) if template else {"active": True}
        return self._render(request, TemplateForm(initial=initial, user=request.user), template)

    def post(self, request, pk=None):
        template = self._template(pk)
        form = TemplateForm(request.POST, user=request.user)
        if not form.is_valid():
            return self._render(request, form, template, status=400)
        if "preview" in request.POST:
            preview = preview_of(form)
            if preview is None and not form.errors:
                form.add_error("preview_client", _("Choose a client to preview with."))
            return self._render(request, form, template, preview, 200 if preview else 400)
        data = {k: v for k, v in form.cleaned_data.items() if k != "preview_client"}
        try:
            if template is None:
                template = template_create(user=request.user, data=data)
            else:
                template = template_update(user=request.user, template=template, data=data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self._render(request, form, template, status=400)
        messages.success(request, _("Template saved."))
        return redirect("outreach:templates")


# --- Sending one message from the client page -----------------------------------------------
class SendView(ClientObjectMixin, View):
    """发送短信/邮件: a service notice, or marketing with the client's consent, through
    message_send. The form's token is the idempotency key: a double click sends once."""

    def _client(self, pk):
        client = self.get_client(pk)
        if not can_send(self.request.user, client):
            raise PermissionDenied(_("Your role may not send messages to clients."))
        return client

    def _render(self, request, client, form, token, status=200):
        templates = selectors.usable_templates(request.user, client)
        return render(request, "outreach/send.html", {
            "client": client, "form": form, "token": token, "templates": templates,
            "consent_sms": withheld_reason(client, "sms", "marketing", timezone.now()) == "",
            "consent_email": withheld_reason(client, "email", "marketing", timezone.now()) == "",
        }, status=status)  # fmt: skip

    def _form(self, request, client, data=None):
        templates = selectors.usable_templates(request.user, client)
        initial = {"channel": request.GET.get("channel") or Channel.SMS}
        return SendForm(data, initial=initial, templates=templates)

    def get(self, request, pk):
        client = self._client(pk)
        return self._render(request, client, self._form(request, client), uuid.uuid4().hex)

    def post(self, request, pk):
        client = self._client(pk)
        form = self._form(request, client, request.POST)
        token = (request.POST.get("send_token") or "")[:40] or uuid.uuid4().hex
        if not form.is_valid():
            return self._render(request, client, form, token, status=400)
        data = form.cleaned_data
        message = message_send(
            client=client, channel=data["channel"], purpose=data["purpose"],
            template=data.get("template"), subject=data.get("subject", ""),
            body=data.get("body", ""), source_kind=SourceKind.MANUAL,
            idempotency_key=f"manual:{request.user.pk}:{token}", by=request.user,
        )  # fmt: skip
        if message.status == message.Status.WITHHELD:
            messages.warning(request, _("The message was not sent: %(reason)s")
                             % {"reason": message.error})  # fmt: skip
        else:
            messages.success(request, _("The message is on its way."))
        return redirect("outreach:message-detail", pk=message.pk)


class ClientMessagesView(ClientPartView):
    """The client page's part: consent, opt-outs and the recent messages."""

    part = "messages"
    title = gettext_lazy("Messages")  # type: ignore[assignment]

    def part_context(self, client) -> dict:
        return {"messages_recent": selectors.recent_for_client(client),
                "can_send": can_send(self.request.user),
                "sms_source": opt_out_source_label(client.sms_opt_out_source),
                "email_source": opt_out_source_label(client.email_opt_out_source)}  # fmt: skip


def provider_label(provider: str) -> str:
    labels = {"aliyun": _("Alibaba Cloud SMS"), "tencent": _("Tencent Cloud SMS"),
              "smtp": _("mail server"), "logging": _("development log")}  # fmt: skip
    return str(labels.get(provider, provider))


def opt_out_source_label(source: str) -> str:
    labels = {"sms_reply": _("SMS reply"), "email_link": _("unsubscribe link in an e-mail"),
              "staff": _("recorded by staff"), "import": _("import")}  # fmt: skip
    return str(labels.get(source, source))


# --- The public unsubscribe page ------------------------------------------------------------
@csrf_exempt  # a mail client's one-click unsubscribe (RFC 8058) posts without a session
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mail's unsubscribe link (public, signed): opts the client out of marketing
    e-mail (source email_link) and says so."""
    value = unsubscribe_read(token)
    client = Client.objects.filter(pk=value["c"]).first() if value else None
    if client is None:
        return render(request, "outreach/unsubscribe.html", {"done": False}, status=404)
    client_opt_out(client=client, channel=Channel.EMAIL, source="email_link")
    return render(request, "outreach/unsubscribe.html", {"done": True})
