"""Demo campaigns (idempotent): a recurring birthday campaign, approved; a dormant-account
re-activation campaign that has run, with its results (delivered, two accounts trading
again); and one awaiting the branch manager's approval. The templates are made here when
outreach has none by these codes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from clients.models import AccountSnapshot
from outreach.models import Message, MessageTemplate
from outreach.services.consent import client_consent_set
from outreach.services.messages import message_apply_receipts
from outreach.services.sending import message_deliver
from outreach.sms import Receipt

from . import services
from .models import Campaign, Status

TEMPLATES = {
    "campaign-birthday": ("生日祝福",
                          "{{ client_name }}您好，今天是您的生日，祝您生日快乐、投资顺利！"),
    "campaign-dormant": ("休眠账户唤醒",
                         "{{ client_name }}您好，您的账户{{ account }}已较长时间未交易，"
                         "本月开户满三年客户可享佣金优惠，详询您的客户经理。"),
    "campaign-vip-event": ("VIP客户联谊会邀请",
                           "{{ client_name }}您好，诚邀您参加本月VIP客户联谊会，敬请回复确认。"),
}  # fmt: skip


def _template(code: str) -> MessageTemplate:
    name, body = TEMPLATES[code]
    template, _created = MessageTemplate.objects.get_or_create(
        code=code, defaults={"name": name, "channel": "sms", "purpose": "marketing",
                             "body": body, "provider_template_code": "SMS_DEMO"},
    )  # fmt: skip
    return template


def seed_campaigns(users, stdout) -> None:
    if Campaign.objects.exists():
        stdout.write(f"  campaigns: {Campaign.objects.count()} already\n")
        return
    am, bm = users["am_bj"], users["bm_bj"]
    now = timezone.now()
    # 1. birthdays, every day at 09:00, approved
    birthday = services.campaign_create(user=am, data={
        "name": "客户生日祝福", "purpose": "marketing", "channel": "sms",
        "template": _template("campaign-birthday"), "kind": "birthday", "segment": {},
    })  # fmt: skip
    birthday = services.campaign_submit(user=am, campaign=birthday)
    services.campaign_approve(user=bm, campaign=birthday, note="同意，每日9点发送")

    # 2. dormant accounts re-activated: run, delivered, two of them trading again
    dormant = services.campaign_create(user=am, data={
        "name": "休眠账户唤醒", "purpose": "marketing", "channel": "sms",
        "template": _template("campaign-dormant"), "kind": "one_off",
        "scheduled_at": now + timedelta(minutes=1), "segment": {"dormant": True},
    })  # fmt: skip
    for client in services.segment_clients(dormant).filter(consent_sms=False)[:10]:
        client_consent_set(client=client, channel="sms", consent=True, by=am)
    dormant = services.campaign_submit(user=am, campaign=dormant)
    dormant = services.campaign_approve(user=bm, campaign=dormant)
    # queued as of yesterday morning, so that quiet hours do not hold it back now
    services.campaign_run(dormant, now - timedelta(days=1))
    messages = Message.objects.filter(source_kind="campaign", source_id=dormant.pk)
    for message_id in messages.values_list("pk", flat=True):
        message_deliver(message_id)
    sent = list(messages.filter(status=Message.Status.SENT))
    if sent:
        message_apply_receipts(sent[0].provider, [
            Receipt(m.provider_message_id, delivered=True) for m in sent])  # fmt: skip
    today = timezone.localdate()
    for message in sent[:2]:  # two accounts trade again after the message
        AccountSnapshot.objects.update_or_create(
            client_id=message.client_id, date=today,
            # bought and sold the same day: trades, no holding left (the holdings still
            # add up to the snapshot)
            defaults={"total_assets": Decimal("95"), "cash": Decimal("95"),
                      "market_value": 0, "net_inflow": 0, "trading_volume": Decimal("20000"),
                      "trade_count": 2, "commission": Decimal("10")},
        )  # fmt: skip
    services.finish_done(now)

    # 3. a VIP invitation awaiting approval
    vip = services.campaign_create(user=am, data={
        "name": "VIP客户联谊会邀请", "purpose": "marketing", "channel": "sms",
        "template": _template("campaign-vip-event"), "kind": "one_off",
        "scheduled_at": now + timedelta(days=3), "segment": {"tiers": ["vip", "hnw", "ultra"]},
    })  # fmt: skip
    services.campaign_submit(user=am, campaign=vip)
    done = Campaign.objects.filter(status__in=[Status.SENDING, Status.DONE]).count()
    stdout.write(f"  campaigns: {Campaign.objects.count()} ({done} run, "
                 f"{messages.count()} messages)\n")  # fmt: skip
