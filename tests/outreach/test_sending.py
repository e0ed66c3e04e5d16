"""Sending: e-mail to a real SMTP server on loopback, SMS through a backend that fails
as told; retries, permanent failures, redelivered tasks, quiet hours, the dispatcher."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from clients.models import Client
from outreach import tasks
from outreach.models import Message
from outreach.services.messages import message_send
from outreach.services.sending import unsubscribe_token
from outreach.sms import PermanentSmsError, SmsBackend, SmsResult, TemporarySmsError
from tests.factories import make_client
from tests.outreach.helpers import email_template, local, sms_template

pytestmark = pytest.mark.django_db


class ScriptedBackend(SmsBackend):
    """Answers each send with the next scripted outcome (an exception or "ok")."""

    name = "scripted"
    script: list = []
    sent: list = []

    def send(self, request):
        outcome = ScriptedBackend.script.pop(0) if ScriptedBackend.script else "ok"
        if isinstance(outcome, Exception):
            raise outcome
        ScriptedBackend.sent.append(request)
        return SmsResult(provider=self.name, provider_message_id=f"sid-{len(self.sent)}")


@pytest.fixture
def scripted(settings):
    settings.SMS_BACKEND = "tests.outreach.test_sending.ScriptedBackend"
    ScriptedBackend.script = []
    ScriptedBackend.sent = []
    return ScriptedBackend


def _send(client, template, key="k", **kw):
    return message_send(
        client=client,
        channel=template.channel,
        purpose=template.purpose,
        template=template,
        source_kind="manual",
        idempotency_key=key,
        context=kw.pop("context", {"due": "2026年12月31日"}),
        **kw,
    )


@time_machine.travel(local(2026, 12, 1, 10), tick=False)
def test_email_reaches_the_smtp_server_with_text_html_and_unsubscribe(
    org, smtp_server, client, django_capture_on_commit_callbacks
):
    person = make_client(org.am, name="王小明", client_no="1100012345", email="wxm@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        message = _send(person, email_template())
    message.refresh_from_db()
    assert message.status == "sent" and message.provider == "smtp" and message.sent_at
    [got] = smtp_server.messages
    assert got.rcpt_tos == ["wxm@example.com"]
    assert got.message["Subject"] == "王小明，您的风险测评即将到期"
    assert got.message["From"] == settings.OUTREACH_EMAIL_FROM
    assert got.message["X-Outreach-Message"] == "k"
    text = got.part("text/plain")
    html = got.part("text/html")
    assert "尊敬的王小明：您的账户****2345风险测评将于2026年12月31日到期。" in text
    assert "<p>账户****2345于2026年12月31日到期。</p>" in html
    link = str(got.message["List-Unsubscribe"]).strip().strip("<>")
    token = unsubscribe_token(message)
    assert link == f"{settings.OUTREACH_PUBLIC_URL}/outreach/unsubscribe/{token}/"
    assert link in text and f'href="{link}"' in html
    assert got.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # the link opts the client out of marketing e-mail, no login needed
    page = client.get(f"/outreach/unsubscribe/{token}/")
    assert page.status_code == 200 and 'id="unsubscribed"' in page.text
    assert "退订" in page.text
    person.refresh_from_db()
    assert person.email_opt_out_source == "email_link" and person.email_opted_out_at
    assert client.post(f"/outreach/unsubscribe/{token}/").status_code == 200  # one-click
    assert client.get("/outreach/unsubscribe/forged/").status_code == 404


@time_machine.travel(local(2026, 12, 1, 10), tick=False)
def test_email_temporary_refusal_is_retried_then_sent(
    org, smtp_server, django_capture_on_commit_callbacks
):
    person = make_client(org.am, email="a@example.com")
    smtp_server.refuse_next("451 4.3.0 try again later")
    with django_capture_on_commit_callbacks(execute=True):
        message = _send(person, email_template())
    message.refresh_from_db()
    assert message.status == "queued" and message.attempts == 1
    assert message.error_code == "SMTPDataError" and smtp_server.messages == []
    assert tasks.dispatch_due() == {"sms": 0, "email": 0, "stuck_failed": 0}  # not yet due
    with time_machine.travel(timezone.now() + timedelta(seconds=31), tick=False):
        tasks.send_email(message.pk)  # the task's retry
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 2 and message.error == ""
    assert len(smtp_server.messages) == 1


@time_machine.travel(local(2026, 12, 1, 10), tick=False)
def test_email_permanent_refusal_fails_with_the_reason(
    org, smtp_server, django_capture_on_commit_callbacks
):
    person = make_client(org.am, email="nobody@example.com")
    smtp_server.refuse_next("550 5.1.1 no such mailbox")
    with django_capture_on_commit_callbacks(execute=True):
        message = _send(person, email_template())
    message.refresh_from_db()
    assert message.status == "failed" and message.error_code == "smtp:550"
    assert "no such mailbox" in message.error and message.failed_at


@time_machine.travel(local(2026, 12, 1, 10), tick=False)
def test_sms_temporary_error_retries_then_sends(org, scripted, django_capture_on_commit_callbacks):
    scripted.script = [TemporarySmsError("isv.BUSINESS_LIMIT_CONTROL", "触发流控")]
    person = make_client(org.am, consent_sms=True)
    with django_capture_on_commit_callbacks(execute=True):
        message = _send(person, sms_template())
    message.refresh_from_db()
    assert (message.status, message.attempts, message.error) == ("queued", 1, "触发流控")
    with time_machine.travel(timezone.now() + timedelta(minutes=20), tick=False):
        tasks.dispatch_due()  # the retry lost: the dispatcher hands it on again
    message.refresh_from_db()
    assert message.status == "sent" and message.provider_message_id == "sid-1"
    [request] = scripted.sent
    assert request.phone == "13800138000" and request.template_code == "SMS_100001"
    assert request.text == "【华信证券】张三您好，祝您生日快乐！"
    assert request.variables["client_name"] == "张三" and request.reference == "k"


@time_machine.travel(local(2026, 12, 1, 10), tick=False)
def test_sms_permanent_error_fails_and_gives_up_after_max_attempts(
    org, scripted, django_capture_on_commit_callbacks
):
    scripted.script = [PermanentSmsError("isv.MOBILE_NUMBER_ILLEGAL", "号码格式错误")]
    person = make_client(org.am, consent_sms=True)
    with django_capture_on_commit_callbacks(execute=True):
        bad = _send(person, sms_template(), "bad")
    bad.refresh_from_db()
    assert (bad.status, bad.error_code, bad.error) == (
        "failed",
        "isv.MOBILE_NUMBER_ILLEGAL",
        "号码格式错误",
    )
    scripted.script = [TemporarySmsError("timeout")] * 5
    with django_capture_on_commit_callbacks(execute=True):
        flaky = _send(person, sms_template(code="b"), "flaky")
    for minutes in (1, 2, 4, 8):
        with time_machine.travel(timezone.now() + timedelta(minutes=minutes * 5), tick=False):
            tasks.send_message(flaky.pk)
    flaky.refresh_from_db()
    assert flaky.status == "failed" and flaky.attempts == 5 and "5" in flaky.error
    assert scripted.sent == []


@time_machine.travel(local(2026, 12, 1, 10), tick=False)
def test_a_redelivered_task_sends_nothing_twice(org, scripted, django_capture_on_commit_callbacks):
    person = make_client(org.am, consent_sms=True)
    with django_capture_on_commit_callbacks(execute=True):
        message = _send(person, sms_template())
    assert tasks.send_message(message.pk) == "skipped"
    assert tasks.send_message(message.pk) == "skipped"
    # the dispatcher and a double click do not send it either
    assert tasks.dispatch_due()["sms"] == 0
    _send(person, sms_template(code="b"), "k")
    assert len(scripted.sent) == 1 and Message.objects.count() == 1


def test_quiet_hours_hold_until_eight_then_dispatch(
    org, scripted, django_capture_on_commit_callbacks
):
    person = make_client(org.am, consent_sms=True)
    with time_machine.travel(local(2026, 12, 1, 22, 30), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            message = _send(person, sms_template())
        assert tasks.dispatch_due()["sms"] == 0
    with time_machine.travel(local(2026, 12, 2, 7, 59), tick=False):
        assert tasks.dispatch_due()["sms"] == 0
    with time_machine.travel(
        local(
            2026,
            12,
            2,
            8,
            0,
        ),
        tick=False,
    ):
        assert tasks.dispatch_due()["sms"] == 1
        assert tasks.dispatch_due()["sms"] == 0  # handed on once
    message.refresh_from_db()
    assert message.status == "sent" and message.sent_at == local(2026, 12, 2, 8)
    assert len(scripted.sent) == 1


@time_machine.travel(local(2026, 12, 1, 10), tick=False)
def test_stuck_sending_is_failed_result_unknown_never_resent(org, scripted):
    person = make_client(org.am, consent_sms=True)
    message = _send(person, sms_template())  # not committed callbacks: never handed on
    Message.objects.filter(pk=message.pk).update(
        status="sending", dispatched_at=timezone.now() - timedelta(minutes=11)
    )
    assert tasks.dispatch_due() == {"sms": 0, "email": 0, "stuck_failed": 1}
    message.refresh_from_db()
    assert message.status == "failed" and message.error_code == "unknown"
    assert scripted.sent == []


def test_the_dispatcher_runs_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["outreach-dispatch"]
    assert entry["task"] == "outreach.dispatch_due" and entry["schedule"] == 60.0
    assert settings.CELERY_TASK_ROUTES["outreach.*"]["queue"] == "messages"
    assert tasks.send_message.rate_limit == settings.OUTREACH_SMS_RATE_LIMIT
    assert tasks.send_email.rate_limit == settings.OUTREACH_EMAIL_RATE_LIMIT
    assert Client  # imported for the factories
