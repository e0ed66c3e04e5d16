"""The providers' push callbacks (outreach/callbacks.py): delivery receipts and replies as
Alibaba Cloud (SmsReport, SmsUp) and Tencent Cloud push them, the shared secret, bodies
that do not parse, one bad item among good ones."""

from __future__ import annotations

import json

import pytest
import time_machine
from django.test import Client as Browser
from django.urls import reverse

from clients.models import Client
from outreach import callbacks
from outreach.models import Message, Reply
from outreach.services.messages import message_send
from tests.factories import make_client
from tests.outreach.helpers import local, sms_template

pytestmark = pytest.mark.django_db

SECRET = "callback-secret-for-tests"
ACK = {"aliyun": {"code": 0, "msg": "接收成功"}, "tencent": {"result": 0, "errmsg": "OK"}}


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.OUTREACH_CALLBACK_SECRET = SECRET


def post(provider, kind, body, *, secret=SECRET, header=False):
    url = reverse(f"outreach:callback-{kind}", kwargs={"provider": provider})
    extra = {}
    if secret is not None and header:
        extra["HTTP_X_CALLBACK_SECRET"] = secret
    elif secret is not None:
        url += f"?secret={secret}"
    data = body if isinstance(body, str | bytes) else json.dumps(body, ensure_ascii=False)
    return Browser().post(url, data, content_type="application/json", **extra)


def sent_messages(org, n=2, phone="13800138000"):
    """`n` SMS sent through the provider's stub (the fixture's SMS_BACKEND)."""
    client = make_client(org.am, consent_sms=True, phone=phone)
    template = sms_template(purpose="service")
    out = []
    for i in range(n):
        message = message_send(
            client=client, channel="sms", purpose="service", template=template,
            source_kind="manual", idempotency_key=f"cb:{phone}:{i}",
        )  # fmt: skip
        out.append(message)
    return client, out


def report(provider, message, delivered, *, code="", reason=""):
    if provider == "aliyun":
        return {"phone_number": message.recipient, "send_time": "2026-12-01 10:00:00",
                "report_time": "2026-12-01 10:00:05", "success": delivered,
                "err_code": code or "DELIVERED", "err_msg": reason or "用户接收成功",
                "sms_size": "1", "biz_id": message.provider_message_id,
                "out_id": message.idempotency_key}  # fmt: skip
    return {"user_receive_time": "2026-12-01 10:00:05", "nationcode": "86",
            "mobile": message.recipient, "report_status": "SUCCESS" if delivered else "FAIL",
            "errmsg": code or "DELIVRD", "description": reason or "用户短信送达成功",
            "sid": message.provider_message_id}  # fmt: skip


def reply(provider, phone, text):
    if provider == "aliyun":
        return {"phone_number": phone, "content": text, "send_time": "2026-12-01 10:30:00",
                "sign_name": "华信证券", "dest_code": "1234",
                "sequence_id": 1234567890}  # fmt: skip
    return {"extend": "", "mobile": phone, "nationcode": "86", "sign": "华信证券", "text": text,
            "time": 1796092200}  # fmt: skip


@time_machine.travel(local(2026, 12, 1, 10), tick=False)
def test_a_receipt_marks_the_message_delivered_or_failed(
    org, sms_stub, django_capture_on_commit_callbacks
):
    provider = sms_stub.provider
    with django_capture_on_commit_callbacks(execute=True):
        _, (ok, ko) = sent_messages(org)
    ok.refresh_from_db(), ko.refresh_from_db()
    assert ok.status == ko.status == Message.Status.SENT and ok.provider == provider
    body = [
        report(provider, ok, True),
        report(provider, ko, False, code="MK:0001", reason="空号"),
        {"unexpected": "item"},  # left out, the others applied
        "not an object",
    ]
    response = post(provider, "receipts", body)
    assert response.status_code == 200 and response.json() == ACK[provider]
    ok.refresh_from_db(), ko.refresh_from_db()
    assert ok.status == Message.Status.DELIVERED and ok.delivered_at is not None
    assert ok.delivered_at == local(2026, 12, 1, 10, 0).replace(second=5)
    assert ko.status == Message.Status.FAILED and ko.error_code == "MK:0001"
    assert ko.error == "空号" and ko.failed_at is not None
    # pushed again (the provider retries when unsure): the same answer, nothing changes
    assert post(provider, "receipts", body).json() == ACK[provider]
    ok.refresh_from_db()
    assert ok.status == Message.Status.DELIVERED


@time_machine.travel(local(2026, 12, 1, 10), tick=False)
@pytest.mark.parametrize("text", ["TD", "退订", "td"])
def test_a_reply_td_opts_the_client_out(org, sms_stub, text, django_capture_on_commit_callbacks):
    provider = sms_stub.provider
    with django_capture_on_commit_callbacks(execute=True):
        client, (message, _) = sent_messages(org)
    response = post(provider, "replies", [reply(provider, "13800138000", text)])
    assert response.status_code == 200 and response.json() == ACK[provider]
    client = Client.objects.get(pk=client.pk)
    assert client.consent_sms is False
    assert client.sms_opted_out_at is not None and client.sms_opt_out_source == "sms_reply"
    got = Reply.objects.get()
    assert got.provider == provider and got.text == text and got.opted_out
    assert got.client == client and got.message == message


@time_machine.travel(local(2026, 12, 1, 10), tick=False)
def test_tencent_pushes_one_reply_as_an_object(org, tencent_stub):
    client = make_client(org.am, consent_sms=True)
    response = post("tencent", "replies", reply("tencent", "13800138000", "您好，请来电"))
    assert response.status_code == 200
    got = Reply.objects.get()
    assert got.client == client and not got.opted_out
    assert Client.objects.get(pk=client.pk).consent_sms is True


@time_machine.travel(local(2026, 12, 1, 10), tick=False)
@pytest.mark.parametrize(
    "secret", ["wrong", "", None, SECRET[:-1], SECRET + "x"], ids=["wrong", "empty", "none",
                                                               "short", "long"]
)  # fmt: skip
def test_a_wrong_secret_is_refused_and_changes_nothing(
    org, aliyun_stub, secret, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client, (message, _) = sent_messages(org)
    message.refresh_from_db()
    for header in (False, True):
        assert post("aliyun", "receipts", [report("aliyun", message, True)], secret=secret,
                    header=header).status_code == 403  # fmt: skip
        assert post("aliyun", "replies", [reply("aliyun", "13800138000", "TD")], secret=secret,
                    header=header).status_code == 403  # fmt: skip
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert Client.objects.get(pk=client.pk).consent_sms is True and not Reply.objects.exists()


def test_no_secret_configured_refuses_every_callback(org, settings):
    settings.OUTREACH_CALLBACK_SECRET = ""
    for secret in ("", "anything", None):
        response = post("tencent", "replies", [reply("tencent", "13800138000", "TD")],
                        secret=secret)  # fmt: skip
        assert response.status_code == 403 and response.json()["detail"]
    assert not Reply.objects.exists()


def test_the_secret_in_the_header(org):
    client = make_client(org.am, consent_sms=True)
    response = post("aliyun", "replies", [reply("aliyun", "13800138000", "TD")], header=True)
    assert response.status_code == 200
    assert Client.objects.get(pk=client.pk).consent_sms is False


@pytest.mark.parametrize(
    ("provider", "body"),
    [
        ("aliyun", "not json"),
        ("aliyun", '{"phone_number": "13800138000"}'),  # an object: Aliyun pushes arrays
        ("tencent", b"\xff\xfe"),
        ("tencent", "42"),
    ],
)
def test_a_body_that_does_not_parse_is_400(org, provider, body):
    make_client(org.am, consent_sms=True)
    for kind in ("receipts", "replies"):
        response = post(provider, kind, body)
        assert response.status_code == 400 and response.json()["detail"]
    assert not Reply.objects.exists()


def test_one_failing_item_does_not_block_the_others(org, monkeypatch):
    client = make_client(org.am, consent_sms=True)
    other = make_client(org.am, name="李四", phone="13900000009", consent_sms=True)
    real = callbacks.replies_record

    def record(provider, replies):
        if replies[0].phone == "13800138000":
            raise RuntimeError("boom")
        return real(provider, replies)

    monkeypatch.setattr(callbacks, "replies_record", record)
    body = [reply("aliyun", "13800138000", "TD"), reply("aliyun", "13900000009", "退订")]
    response = post("aliyun", "replies", body)
    assert response.status_code == 200
    assert Client.objects.get(pk=client.pk).consent_sms is True
    assert Client.objects.get(pk=other.pk).consent_sms is False


def test_post_only_and_known_providers_only(org):
    url = reverse("outreach:callback-receipts", kwargs={"provider": "aliyun"})
    assert Browser().get(f"{url}?secret={SECRET}").status_code == 405
    assert Browser().post(f"/outreach/callbacks/huawei/receipts/?secret={SECRET}", "[]",
                          content_type="application/json").status_code == 404  # fmt: skip
    assert post("aliyun", "receipts", []).json() == ACK["aliyun"]  # an empty push
