"""Shared helpers of the outreach tests."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from outreach.models import MessageTemplate

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(y, m, d, hh=10, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def sms_template(
    code="birthday", purpose="marketing", body="{{ client_name }}您好，祝您生日快乐！", **extra
) -> MessageTemplate:
    return MessageTemplate.objects.create(
        code=code,
        name="生日祝福",
        channel="sms",
        purpose=purpose,
        body=body,
        provider_template_code=extra.pop("provider_template_code", "SMS_100001"),
        **extra,
    )


def email_template(code="risk-expiry", purpose="service", **extra) -> MessageTemplate:
    return MessageTemplate.objects.create(
        code=code,
        name="风险测评到期提醒",
        channel="email",
        purpose=purpose,
        subject=extra.pop("subject", "{{ client_name }}，您的风险测评即将到期"),
        body=extra.pop(
            "body", "尊敬的{{ client_name }}：您的账户{{ account }}风险测评将于{{ due }}到期。"
        ),
        html_body=extra.pop(
            "html_body", "<p>尊敬的{{ client_name }}：</p><p>账户{{ account }}于{{ due }}到期。</p>"
        ),
        **extra,
    )
