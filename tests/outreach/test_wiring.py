"""Outreach wired into what exists: complaint progress, client duties, event invitations,
callbacks by SMS or e-mail (their reply recorded as the callback's opinion)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from callcenter.models import Callback
from callcenter.services import callbacks_send_messages
from clients.models import Client
from opinions.models import Opinion
from outreach.duties import duty_notices_send
from outreach.models import Message, MessageTemplate
from outreach.services.messages import message_apply_receipts, replies_record
from outreach.sms import IncomingReply, Receipt
from tests.factories import CallbackFactory, ComplaintFactory, make_client
from tests.outreach.helpers import local
from visits.models import Event, Invitation
from visits.services import event_send_invitations

pytestmark = pytest.mark.django_db
NOW = local(2026, 12, 1, 10)


@time_machine.travel(NOW, tick=False)
def test_complaint_progress_is_sent_once_per_status(org, client):
    person = make_client(org.am, name="王小明", client_no="1100012345")
    complaint = ComplaintFactory(client=person, user=org.am)
    client.force_login(org.agent)
    url = reverse("complaints:send-progress", args=[complaint.pk])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302  # the same status: not again
    message = Message.objects.get()
    assert message.source_kind == "complaint" and message.source_id == complaint.pk
    assert message.purpose == "service" and complaint.ticket_no in message.body
    assert message.body.startswith("【华信证券】")
    page = client.get(complaint.get_absolute_url())
    assert 'id="send-progress"' in page.text
    client.force_login(org.compliance)
    assert client.post(url).status_code == 403


@time_machine.travel(NOW, tick=False)
def test_duties_notify_once_per_due_date(org):
    soon = make_client(org.am, name="甲", client_no="1100000001")
    by_mail = make_client(org.am, name="乙", client_no="1100000002", phone="",
                          email="yi@example.com")  # fmt: skip
    later = make_client(org.am, name="丙", client_no="1100000003", phone="13900000003")
    due = timezone.localdate() + timedelta(days=10)
    Client.objects.filter(pk__in=[soon.pk, by_mail.pk]).update(risk_expires_on=due)
    Client.objects.filter(pk=later.pk).update(risk_expires_on=due + timedelta(days=60))
    counts = duty_notices_send()
    assert counts["risk_expiry"]["queued"] == 2
    sms = Message.objects.get(client=soon)
    assert sms.channel == "sms" and sms.source_kind == "duty" and "2026年12月11日" in sms.body
    assert sms.idempotency_key == f"duty:risk-expiry:{due.isoformat()}:{soon.pk}"
    assert Message.objects.get(client=by_mail).channel == "email"
    again = duty_notices_send()
    assert again["risk_expiry"] == {"queued": 0, "already": 2, "withheld": 0}
    assert Message.objects.count() == 2


@time_machine.travel(NOW, tick=False)
def test_event_invitations_go_by_the_clients_channel_with_consent(org, client):
    MessageTemplate.objects.create(
        code="event-invitation-sms", name="活动邀请", channel="sms", purpose="marketing",
        body="{{ client_name }}您好，诚邀您参加{{ event_title }}（{{ event_time }}，{{ event_place }}）。",
        provider_template_code="SMS_2",
    )  # fmt: skip
    MessageTemplate.objects.create(
        code="event-invitation-email", name="活动邀请", channel="email", purpose="marketing",
        subject="邀请：{{ event_title }}", body="{{ client_name }}您好，诚邀您参加{{ event_title }}。",
    )  # fmt: skip
    event = Event.objects.create(branch=org.bj, kind="education", title="投资策略会",
                                 starts_at=local(2026, 12, 20, 14), place="营业部会议室",
                                 created_by=org.bm)  # fmt: skip
    a = make_client(org.am, name="甲", client_no="1100000001", consent_sms=True)
    b = make_client(org.am, name="乙", client_no="1100000002", phone="", email="b@example.com",
                    consent_email=True)  # fmt: skip
    c = make_client(org.am, name="丙", client_no="1100000003", phone="13900000003")
    for person in (a, b, c):
        Invitation.objects.create(event=event, client=person)
    client.force_login(org.bm)
    page = client.post(reverse("visits:event", args=[event.pk]), {"send_invitations": "1"})
    assert page.status_code == 302
    sms = Message.objects.get(client=a)
    assert sms.channel == "sms" and sms.purpose == "marketing"
    assert sms.body == "【华信证券】甲您好，诚邀您参加投资策略会（12月20日 14:00，营业部会议室）。"
    assert Message.objects.get(client=b).channel == "email"
    assert not Message.objects.filter(client=c).exists()  # no consent
    again = event_send_invitations(user=org.bm, event=event)
    assert again["queued"] == 0 and again["already"] == 2


@time_machine.travel(NOW, tick=False)
def test_sms_callback_sends_completes_and_records_the_reply(
    org, django_capture_on_commit_callbacks
):
    person = make_client(org.am, name="王小明", client_no="1100012345")
    callback = CallbackFactory(client=person, channel="sms", reason="periodic")
    phone_callback = CallbackFactory(client=make_client(org.am, name="乙", phone="13900000002",
                                                        client_no="1100000002"))  # fmt: skip
    later = CallbackFactory(client=make_client(org.am, name="丙", phone="13900000003",
                                               client_no="1100000003"),
                            channel="email", due_at=NOW + timedelta(days=3))  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        counts = callbacks_send_messages()
    # 丙 has no e-mail but is not due yet; the phone callback stays for the agents
    assert counts == {"sent": 1, "unreachable": 0}
    callback.refresh_from_db()
    phone_callback.refresh_from_db()
    later.refresh_from_db()
    assert callback.status == "completed" and phone_callback.status == later.status == "open"
    message = Message.objects.get(source_kind="callback", source_id=callback.pk)
    assert message.status == "sent" and message.idempotency_key == f"callback:{callback.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        replies_record("logging", [IncomingReply(phone="13800138000", text="服务很好，希望多办讲座",
                                                 at=NOW + timedelta(minutes=5))])  # fmt: skip
    opinion = Opinion.objects.get(source_kind="callback", source_id=callback.pk)
    assert opinion.text == "服务很好，希望多办讲座" and opinion.client == person
    # the e-mail callback without an address, once due: unreachable
    with time_machine.travel(NOW + timedelta(days=4), tick=False):
        assert callbacks_send_messages() == {"sent": 0, "unreachable": 1}
    later.refresh_from_db()
    assert later.status == "unreachable"
    # a failed delivery makes the completed SMS callback unreachable
    with django_capture_on_commit_callbacks(execute=True):
        message_apply_receipts("logging", [Receipt(message.provider_message_id, False, code="X",
                                                   reason="空号")])  # fmt: skip
    callback.refresh_from_db()
    assert callback.status == "unreachable"
    assert Callback.objects.count() == 3
