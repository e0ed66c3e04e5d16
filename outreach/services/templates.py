"""Message templates: created and edited by branch managers (their branch's) and HQ
(every branch's when without a branch)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from crm.models import Role, staff_of

from ..models import Channel, MessageTemplate, Purpose
from ..permissions import can_edit_template, can_edit_templates
from ..rendering import check_syntax

FIELDS = ("code", "name", "channel", "purpose", "subject", "body", "html_body",
          "provider_template_code", "active")  # fmt: skip


def _clean(data: dict) -> dict:
    errors: dict[str, list[str]] = {}
    values = {k: data.get(k) for k in FIELDS if k in data}
    for key in ("code", "name", "subject", "body", "html_body", "provider_template_code"):
        if key in values:
            values[key] = (values[key] or "").strip()
    if not values.get("code"):
        errors["code"] = [_("Give the template a code.")]
    if not values.get("name"):
        errors["name"] = [_("Give the template a name.")]
    if values.get("channel") not in Channel.values:
        errors["channel"] = [_("Choose the channel.")]
    if values.get("purpose") not in Purpose.values:
        errors["purpose"] = [_("Choose the purpose.")]
    if not values.get("body"):
        errors["body"] = [_("Write the text of the message.")]
    if values.get("channel") == Channel.SMS and not values.get("provider_template_code"):
        errors["provider_template_code"] = [
            _("An SMS template needs the provider's approved template code.")
        ]
    if values.get("channel") == Channel.EMAIL and not values.get("subject"):
        errors["subject"] = [_("An e-mail needs a subject.")]
    for key, html in (("subject", False), ("body", False), ("html_body", True)):
        if values.get(key):
            try:
                check_syntax(values[key] or "", html=html)
            except ValidationError as exc:
                errors.setdefault(key, []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return values


def _save(template: MessageTemplate) -> MessageTemplate:
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError as exc:
        raise ValidationError({"code": [_("This code is taken.")]}) from exc
    return template


def template_create(*, user, data: dict) -> MessageTemplate:
    """A branch manager's template is the branch's; HQ's is every branch's."""
    if not can_edit_templates(user):
        raise PermissionDenied(_("Your role may not edit message templates."))
    staff = staff_of(user)
    assert staff is not None
    values = _clean(data)
    branch_id = None if staff.role == Role.HQ else staff.branch_id
    return _save(MessageTemplate(**values, branch_id=branch_id, updated_by=user))


def template_update(*, user, template: MessageTemplate, data: dict) -> MessageTemplate:
    if not can_edit_template(user, template):
        raise PermissionDenied(_("Your role may not edit this message template."))
    values = _clean({**{k: getattr(template, k) for k in FIELDS}, **data})
    for key, value in values.items():
        setattr(template, key, value)
    template.updated_by = user
    return _save(template)
