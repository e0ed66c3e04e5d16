"""outreach.services.messages: one message, a bulk queue, receipts and replies; consent."""

from __future__ import annotations

import pytest
import time_machine
from django.core import mail

from clients.models import Client
from outreach.models import Message, Reply
from outreach.services.consent import client_consent_set, client_opt_out
from outreach.services.messages import (
    is_opt_out,
    message_apply_receipts,
    message_send,
    messages_queue_bulk,
    replies_record,
)
from outreach.sms import IncomingReply, Receipt
from tests.factories import make_client
from tests.outreach.helpers import email_template, local, sms_template

pytestmark = pytest.mark.django_db


def send(client, template, key, purpose=None, **kw):
    return message_send(
        client=client,
        channel=template.channel,
        purpose=purpose or template.purpose,
        template=template,
        source_kind="manual",
        idempotency_key=key,
        **kw,
    )


@time_machine.travel(local(2026, 12, 1, 10), tick=False)
def test_marketing_needs_consent_and_the_same_key_sends_once(
    org, django_capture_on_commit_callbacks
):
    template = sms_template()
    allowed = make_client(org.am, consent_sms=True)
    refused = make_client(org.am, name="李四", phone="13900000009", consent_sms=False)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = send(allowed, template, "k1", by=org.am)
        again = send(allowed, template, "k1", by=org.am)
    assert first.pk == again.pk and len(callbacks) == 1
    first.refresh_from_db()
    assert first.status == "sent" and first.body == "【华信证券】张三您好，祝您生日快乐！"
    assert first.provider == "logging" and first.provider_message_id and first.attempts == 1
    withheld = send(refused, template, "k2")
    assert withheld.status == "withheld" and withheld.error
    assert Message.objects.count() == 2
    # a service notice goes without marketing consent
    service = send(refused, sms_template(code="notice", purpose="service"), "k3")
    assert service.status == "queued"


@time_machine.travel(local(2026, 12, 1, 22, 30), tick=False)
def test_sms_in_quiet_hours_waits_for_eight(org, django_capture_on_commit_callbacks):
    client = make_client(org.am, consent_sms=True)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = send(client, sms_template(), "late")
    assert callbacks == [] and message.status == "queued"
    assert message.not_before == local(2026, 12, 2, 8)
    assert message.dispatched_at is None


def test_no_address_and_opt_out_withhold(org):
    no_phone = make_client(org.am, phone="", consent_sms=True)
    assert send(no_phone, sms_template(), "a").status == "withheld"
    client = make_client(
        org.am, name="李四", phone="13900000009", consent_email=True, email="li@example.com"
    )
    assert client_opt_out(client=client, channel="email", source="email_link")
    assert not client_opt_out(client=client, channel="email", source="staff")  # first one stays
    client.refresh_from_db()
    assert client.consent_email is False and client.email_opt_out_source == "email_link"
    assert client.email_opted_out_at is not None
    assert send(client, email_template(purpose="marketing"), "b").status == "withheld"
    assert send(client, email_template(code="svc"), "c").status == "queued"  # service goes


def test_cap_withholds_the_fifth_marketing_message(org, settings):
    settings.OUTREACH_MARKETING_MONTHLY_CAP = 2
    client = make_client(org.am, consent_sms=True)
    template = sms_template()
    assert [send(client, template, f"m{i}").status for i in range(3)] == [
        "queued",
        "queued",
        "withheld",
    ]


def test_consent_set_by_staff(org):
    client = make_client(org.am, consent_sms=False)
    client_opt_out(client=client, channel="sms", source="sms_reply")
    client = client_consent_set(client=client, channel="sms", consent=True, by=org.am)
    assert client.consent_sms and client.sms_opted_out_at is None
    client = client_consent_set(client=client, channel="sms", consent=False, by=org.am)
    assert not client.consent_sms and client.sms_opt_out_source == "staff"
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        client_consent_set(client=client, channel="sms", consent=True, by=org.agent)


def test_opt_out_withholds_waiting_marketing(org):
    client = make_client(org.am, consent_sms=True)
    with time_machine.travel(local(2026, 12, 1, 23), tick=False):
        waiting = send(client, sms_template(), "w")
    assert waiting.status == "queued"
    client_opt_out(client=client, channel="sms", source="staff")
    waiting.refresh_from_db()
    assert waiting.status == "withheld"


@time_machine.travel(local(2026, 12, 1, 10), tick=False)
def test_bulk_queue_counts_and_is_idempotent(org, settings, django_capture_on_commit_callbacks):
    settings.OUTREACH_MARKETING_MONTHLY_CAP = 1
    template = sms_template()
    ok = [
        make_client(org.am, name=f"客户{i}", phone=f"1380000100{i}", consent_sms=True)
        for i in range(3)
    ]
    make_client(org.am, name="无同意", phone="13800002000", consent_sms=False)
    make_client(org.am, name="无手机", phone="", consent_sms=True)
    capped = make_client(org.am, name="已满", phone="13800003000", consent_sms=True)
    send(capped, template, "earlier")
    with django_capture_on_commit_callbacks(execute=True):
        result = messages_queue_bulk(
            clients=Client.objects.all(),
            channel="sms",
            purpose="marketing",
            template=template,
            source_kind="campaign",
            source_id=7,
            key_prefix="campaign:7",
            context_for=lambda c: {"x": c.pk},
            by=org.bm,
        )
    assert (
        result.queued,
        result.withheld_no_consent,
        result.withheld_no_address,
        result.withheld_cap,
        result.already_queued,
    ) == (3, 1, 1, 1, 0)
    rows = Message.objects.filter(source_kind="campaign", source_id=7)
    assert rows.count() == 3
    # dispatch_due ran after commit (eager): all sent
    assert set(rows.values_list("status", flat=True)) == {"sent"}
    m = rows.get(client=ok[0])
    assert m.idempotency_key == f"campaign:7:{ok[0].pk}" and m.variables["x"] == str(ok[0].pk)
    assert m.created_by == org.bm and m.body.startswith("【华信证券】客户0")
    again = messages_queue_bulk(
        clients=Client.objects.all(),
        channel="sms",
        purpose="marketing",
        template=template,
        source_kind="campaign",
        source_id=7,
        key_prefix="campaign:7",
    )
    # the campaign's own messages now count against the cap of 1
    assert again.queued == 0 and again.withheld_cap == 4


@time_machine.travel(local(2026, 12, 1, 10), tick=False)
def test_receipts_update_the_status(org, django_capture_on_commit_callbacks):
    client = make_client(org.am, consent_sms=True)
    with django_capture_on_commit_callbacks(execute=True):
        a = send(client, sms_template(), "r1")
        b = send(client, sms_template(code="b"), "r2")
    a.refresh_from_db()
    b.refresh_from_db()
    changed = message_apply_receipts(
        "logging",
        [
            Receipt(provider_message_id=a.provider_message_id, delivered=True),
            Receipt(
                provider_message_id=b.provider_message_id,
                delivered=False,
                code="MK:0001",
                reason="空号",
            ),
            Receipt(provider_message_id="unknown", delivered=True),
        ],
    )
    assert changed == 2
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == "delivered" and a.delivered_at is not None
    assert b.status == "failed" and b.error_code == "MK:0001" and b.error == "空号"
    # the same receipt again changes nothing
    assert message_apply_receipts("logging", [Receipt(a.provider_message_id, True)]) == 0


@pytest.mark.parametrize("text", ["TD", "td", "T D", "退订", " 退订谢谢", "TD。"])
def test_opt_out_words(text):
    assert is_opt_out(text)


@pytest.mark.parametrize("text", ["好的", "谢谢", "TDA", "明天来"])
def test_not_opt_out_words(text):
    assert not is_opt_out(text)


@time_machine.travel(local(2026, 12, 1, 10), tick=False)
def test_reply_td_opts_out(org, django_capture_on_commit_callbacks):
    client = make_client(org.am, consent_sms=True)
    with django_capture_on_commit_callbacks(execute=True):
        message = send(client, sms_template(), "x")
    at = local(2026, 12, 1, 10, 5)
    assert (
        replies_record(
            "logging",
            [
                IncomingReply(phone="+8613800138000", text="TD", at=at),
                IncomingReply(phone="13800138000", text="谢谢"),
            ],
        )
        == 2
    )
    assert replies_record("logging", [IncomingReply(phone="13800138000", text="TD", at=at)]) == 0
    client.refresh_from_db()
    assert client.consent_sms is False and client.sms_opt_out_source == "sms_reply"
    reply = Reply.objects.get(text="TD")
    assert reply.opted_out and reply.message == message and reply.client == client
    assert send(client, sms_template(code="again"), "y").status == "withheld"
    assert mail.outbox == []
