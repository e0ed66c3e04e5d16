"""Demo messages (idempotent): the templates (birthday greeting, event invitation,
risk-assessment expiry, dormant re-activation offer, complaint progress, callback; SMS
with the provider's template codes, and e-mail), a few hundred messages over the last
two months in office hours (delivered mostly, some failed with the provider's reason,
some withheld by the rules) and a couple of opt-outs."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.utils import timezone

from clients.models import Client
from crm.demo import office_hours

from .models import Channel, Message, MessageTemplate, Purpose, SourceKind
from .rendering import render_template
from .services.consent import client_opt_out

T = "{{ client_name }}"
TEMPLATES = [
    # code, name, channel, purpose, provider code, subject, body
    ("birthday-sms", "生日祝福（短信）", "sms", "marketing", "SMS_468120001", "",
     T + "您好，今天是您的生日，{{ firm_name }}祝您生日快乐、投资顺利！"),
    ("birthday-email", "生日祝福（邮件）", "email", "marketing", "", "生日快乐，" + T,
     T + "您好：\n今天是您的生日，{{ firm_name }}全体同事祝您生日快乐、投资顺利！"),
    ("event-invitation-sms", "活动邀请（短信）", "sms", "marketing", "SMS_468120002", "",
     T + "您好，诚邀您参加{{ event_title }}（{{ event_time }}，"
     "{{ event_place }}），名额有限，回复1报名。"),
    ("event-invitation-email", "活动邀请（邮件）", "email", "marketing", "",
     "活动邀请：{{ event_title }}",
     T + "您好：\n诚邀您参加{{ event_title }}。\n时间：{{ event_time }}\n"
     "地点：{{ event_place }}"),
    ("risk-expiry-sms", "风险测评到期提醒（短信）", "sms", "service", "SMS_468120003", "",
     T + "您好，您的账户{{ account }}风险测评将于{{ due }}到期，"
     "请及时通过APP或到营业部重新测评。"),
    ("risk-expiry-email", "风险测评到期提醒（邮件）", "email", "service", "",
     "您的风险测评即将到期",
     "尊敬的" + T + "：\n您的账户{{ account }}风险测评将于{{ due }}到期，请及时重新测评。"),
    ("dormant-offer-sms", "休眠账户唤醒优惠（短信）", "sms", "marketing", "SMS_468120004", "",
     T + "您好，好久不见！即日起至月底交易享佣金优惠，详询您的客户经理。"),
    ("complaint-progress-sms", "投诉进展（短信）", "sms", "service", "SMS_468120005", "",
     "尊敬的" + T + "：您的投诉（编号{{ ticket_no }}）当前状态：{{ status }}。"
     "如有疑问请致电营业部。"),
    ("callback-sms", "客户回访（短信）", "sms", "service", "SMS_468120006", "",
     T + "您好，{{ firm_name }}客户回访：请问您对我们的服务是否满意？"
     "欢迎直接回复您的意见。"),
]  # fmt: skip
HTML = {
    "birthday-email": "<p>{{ client_name }}您好：</p><p>今天是您的生日，{{ firm_name }}全体同事祝您"
    "<strong>生日快乐、投资顺利</strong>！</p>",
    "event-invitation-email": "<p>{{ client_name }}您好：</p><p>诚邀您参加<strong>{{ event_title }}"
    "</strong>。</p><p>时间：{{ event_time }}<br>地点：{{ event_place }}</p>",
    "risk-expiry-email": "<p>尊敬的{{ client_name }}：</p><p>您的账户{{ account }}风险测评将于"
    "<strong>{{ due }}</strong>到期，请及时重新测评。</p>",
}
FAILURES = [
    ("isv.MOBILE_NUMBER_ILLEGAL", "号码格式错误"),
    ("DELIVRD:UNDELIV", "空号"),
    ("MK:0005", "用户关机"),
    ("isv.BUSINESS_LIMIT_CONTROL", "触发流控，重试后放弃"),
]
TARGET = 300


def _templates() -> dict[str, MessageTemplate]:
    out = {}
    for code, name, channel, purpose, provider, subject, body in TEMPLATES:
        out[code], _created = MessageTemplate.objects.get_or_create(code=code, defaults={
            "name": name, "channel": channel, "purpose": purpose, "subject": subject,
            "body": body, "html_body": HTML.get(code, ""), "provider_template_code": provider,
        })  # fmt: skip
    return out


def seed_messages(users, stdout) -> None:
    templates = _templates()
    if Message.objects.filter(idempotency_key__startswith="demo:").exists():
        stdout.write(f"  outreach: {Message.objects.count()} messages\n")
        return
    rng = random.Random(19)
    now = timezone.now()
    clients = list(Client.objects.exclude(client_no=None).order_by("id")[:400])
    if not clients:
        return
    context = {"event_title": "2027年度投资策略会", "event_time": "12月20日 14:00",
               "event_place": "营业部三楼会议室", "due": "2027年1月15日",
               "ticket_no": "TS20261120001", "status": "处理中"}  # fmt: skip
    choices = ["risk-expiry-sms", "birthday-sms", "event-invitation-sms", "dormant-offer-sms",
               "callback-sms", "risk-expiry-email", "birthday-email",
               "event-invitation-email"]  # fmt: skip
    source = {"risk-expiry": SourceKind.DUTY, "event-invitation": SourceKind.INVITATION,
              "callback": SourceKind.CALLBACK}  # fmt: skip
    rows = []
    for i in range(TARGET):
        client = clients[i % len(clients)]
        template = templates[rng.choice(choices)]
        channel = template.channel
        recipient = client.phone if channel == Channel.SMS else client.email
        if not recipient:
            channel, template = Channel.SMS, templates["risk-expiry-sms"]
            recipient = client.phone
        if not recipient:
            continue
        created = office_hours(rng, now, rng.randint(0, 60))
        rendered = render_template(template, client, context, today=created.date())
        roll = rng.random()
        status = "delivered" if roll < 0.86 else "failed" if roll < 0.94 else "sent"
        marketing = template.purpose == Purpose.MARKETING
        consent = client.consent_sms if channel == Channel.SMS else client.consent_email
        if marketing and not consent:
            status = "withheld"
        values: dict[str, Any] = {
            "sent_at": None, "delivered_at": None, "failed_at": None, "error": "",
            "error_code": "", "provider": "", "provider_message_id": "", "attempts": 1,
        }  # fmt: skip
        if status in ("sent", "delivered", "failed"):
            values["sent_at"] = created + timedelta(seconds=rng.randint(1, 20))
            values["provider"] = "aliyun" if channel == Channel.SMS else "smtp"
            values["provider_message_id"] = f"demo{i:06d}" if channel == Channel.SMS else ""
        if status == "delivered":
            values["delivered_at"] = values["sent_at"] + timedelta(seconds=rng.randint(2, 90))
        if status == "failed":
            code, reason = rng.choice(FAILURES)
            values.update(failed_at=values["sent_at"] + timedelta(seconds=30), error_code=code,
                          error=reason)  # fmt: skip
        if status == "withheld":
            values.update(attempts=0, error="客户未同意通过此渠道接收营销信息（或已退订）。")
        stem = template.code.rsplit("-", 1)[0]
        rows.append(Message(
            client=client, branch_id=client.branch_id, channel=channel, purpose=template.purpose,
            template=template, source_kind=source.get(stem, SourceKind.CAMPAIGN if marketing
                                                      else SourceKind.MANUAL),
            idempotency_key=f"demo:{i}", recipient=recipient, subject=rendered.subject,
            body=rendered.body, html_body=rendered.html_body, variables=rendered.variables,
            status=status, not_before=created, created_at=created,
            created_by=users.get("am_bj"), **values,
        ))  # fmt: skip
    Message.objects.bulk_create(rows, batch_size=500)
    # a couple of opt-outs: a reply "TD" and an unsubscribe link
    opted = [c for c in clients if c.consent_sms][:2]
    if opted:
        client_opt_out(client=opted[0], channel=Channel.SMS, source="sms_reply",
                       at=now - timedelta(days=12))  # fmt: skip
    mailed = [c for c in clients if c.consent_email and c.email][:1]
    if mailed:
        client_opt_out(client=mailed[0], channel=Channel.EMAIL, source="email_link",
                       at=now - timedelta(days=5))  # fmt: skip
    stdout.write(f"  outreach: {len(rows)} messages, {len(templates)} templates\n")
