"""The Alibaba Cloud and Tencent Cloud SMS backends, through their official SDKs, against
the local stubs (tests/sms_stubs.py; fixtures aliyun_stub, tencent_stub, sms_stub): what
the provider receives, each kind of provider error, a retry after a temporary error."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from outreach.models import Message
from outreach.services.messages import message_send
from outreach.services.sending import message_deliver
from outreach.sms import PermanentSmsError, SmsRequest, TemporarySmsError, get_sms_backend
from tests.factories import make_client
from tests.outreach.helpers import local, sms_template

pytestmark = pytest.mark.django_db

THROTTLE = {
    "aliyun": "isv.BUSINESS_LIMIT_CONTROL",
    "tencent": "LimitExceeded.PhoneNumberThirtySecondLimit",
}
BAD_NUMBER = {
    "aliyun": "isv.MOBILE_NUMBER_ILLEGAL",
    "tencent": "InvalidParameterValue.IncorrectPhoneNumber",
}


def send_one(org, key="birthday:1"):
    client = make_client(org.am, consent_sms=True)
    template = sms_template(provider_template_code="SMS_100001")
    return message_send(
        client=client, channel="sms", purpose="marketing", template=template,
        source_kind="manual", idempotency_key=key, by=org.am,
    )  # fmt: skip


@time_machine.travel(local(2026, 12, 1, 10), tick=False)
def test_aliyun_sends_through_its_stub(org, aliyun_stub, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = send_one(org)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT, message.error
    [got] = aliyun_stub.received
    assert got["phone"] == "13800138000"
    assert got["template_code"] == "SMS_100001"
    assert got["params"] == message.variables and got["params"]["client_name"] == "张三"
    assert got["sign_name"] == "华信证券"
    assert got["reference"] == "birthday:1"  # OutId
    assert message.provider == "aliyun" and message.provider_message_id == got["biz_id"]


@time_machine.travel(local(2026, 12, 1, 10), tick=False)
def test_tencent_sends_through_its_stub(org, tencent_stub, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = send_one(org)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT, message.error
    [got] = tencent_stub.received
    assert got["phones"] == ["+8613800138000"]
    assert got["template_code"] == "SMS_100001"
    assert "张三" in got["params"]
    assert got["sign_name"] == "华信证券" and got["sdk_app_id"] == "1400000001"
    assert got["reference"] == "birthday:1"  # SessionContext
    assert got["region"] == "ap-guangzhou"
    assert message.provider == "tencent" and message.provider_message_id == got["serial_no"]


@time_machine.travel(local(2026, 12, 1, 10), tick=False)
def test_a_temporary_error_is_retried_then_sent(org, sms_stub, django_capture_on_commit_callbacks):
    sms_stub.fail_next(1, THROTTLE[sms_stub.provider], "触发流控")
    with django_capture_on_commit_callbacks(execute=True):
        message = send_one(org)
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED and message.attempts == 1
    assert message.error_code == THROTTLE[sms_stub.provider] and message.not_before > timezone.now()
    assert message_deliver(message.pk).status == "skipped"  # not due yet: nothing sent
    assert sms_stub.requests == 1
    with time_machine.travel(message.not_before + timedelta(seconds=1), tick=False):
        assert message_deliver(message.pk).status == "sent"
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.attempts == 2
    assert [r["reference"] for r in sms_stub.received] == ["birthday:1", "birthday:1"]
    last = sms_stub.received[-1]
    assert message.provider_message_id == (last.get("biz_id") or last.get("serial_no"))
    assert message_deliver(message.pk).status == "skipped"  # redelivered: sends nothing
    assert sms_stub.requests == 2


@time_machine.travel(local(2026, 12, 1, 10), tick=False)
def test_a_permanent_error_fails_with_the_reason(org, sms_stub, django_capture_on_commit_callbacks):
    sms_stub.fail_next(1, BAD_NUMBER[sms_stub.provider], "手机号码格式错误")
    with django_capture_on_commit_callbacks(execute=True):
        message = send_one(org)
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.error_code == BAD_NUMBER[sms_stub.provider]
    assert "手机号码格式错误" in message.error
    assert sms_stub.requests == 1  # not retried


def request(template_code="SMS_1") -> SmsRequest:
    return SmsRequest(phone="13800138000", text="【华信证券】您好", template_code=template_code,
                      variables={"1": "张三"}, reference="k:1")  # fmt: skip


@pytest.mark.parametrize(
    ("code", "http_status", "error"),
    [
        ("isv.BUSINESS_LIMIT_CONTROL", 200, TemporarySmsError),
        ("isv.DAY_LIMIT_CONTROL", 200, TemporarySmsError),
        ("Throttling.User", 400, TemporarySmsError),
        ("ServiceUnavailable", 503, TemporarySmsError),
        ("isp.SYSTEM_ERROR", 200, TemporarySmsError),
        ("isv.MOBILE_NUMBER_ILLEGAL", 200, PermanentSmsError),
        ("isv.SMS_TEMPLATE_ILLEGAL", 200, PermanentSmsError),
        ("isv.SMS_SIGNATURE_ILLEGAL", 200, PermanentSmsError),
        ("isv.AMOUNT_NOT_ENOUGH", 200, PermanentSmsError),
        ("InvalidAccessKeyId.NotFound", 404, PermanentSmsError),
    ],
)
def test_aliyun_codes(aliyun_stub, code, http_status, error):
    aliyun_stub.fail_next(1, code, f"说明 {code}", http_status=http_status)
    with pytest.raises(error) as raised:
        get_sms_backend().send(request())
    assert raised.value.code == code and f"说明 {code}" in raised.value.reason


@pytest.mark.parametrize(
    ("code", "whole_request", "error"),
    [
        ("LimitExceeded.PhoneNumberThirtySecondLimit", False, TemporarySmsError),
        ("LimitExceeded.PhoneNumberDailyLimit", False, TemporarySmsError),
        ("InternalError.Timeout", True, TemporarySmsError),
        ("InternalError.RequestTimeException", True, TemporarySmsError),
        ("RequestLimitExceeded", True, TemporarySmsError),
        ("InvalidParameterValue.IncorrectPhoneNumber", False, PermanentSmsError),
        ("FailedOperation.TemplateIncorrectOrUnapproved", True, PermanentSmsError),
        ("FailedOperation.SignatureIncorrectOrUnapproved", True, PermanentSmsError),
        ("FailedOperation.InsufficientBalanceInSmsPackage", False, PermanentSmsError),
        ("AuthFailure.SecretIdNotFound", True, PermanentSmsError),
    ],
)
def test_tencent_codes(tencent_stub, code, whole_request, error):
    tencent_stub.fail_next(1, code, f"说明 {code}", whole_request=whole_request)
    with pytest.raises(error) as raised:
        get_sms_backend().send(request())
    assert raised.value.code == code and f"说明 {code}" in raised.value.reason


def test_a_timeout_or_no_answer_is_temporary(sms_stub, settings):
    settings.SMS_CONNECT_TIMEOUT = settings.SMS_READ_TIMEOUT = 0.3
    sms_stub.delay_next(1, 1.5)
    with pytest.raises(TemporarySmsError):
        get_sms_backend().send(request())
    url = sms_stub.url
    sms_stub.stop()  # nobody listens there any more
    assert url
    with pytest.raises(TemporarySmsError):
        get_sms_backend().send(request())


def test_a_wrong_key_is_refused_as_the_provider_would(sms_stub, settings):
    """The stubs check the SDKs' signatures (ACS3-HMAC-SHA256, TC3-HMAC-SHA256)."""
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = settings.TENCENT_SMS_SECRET_KEY = "wrong"
    with pytest.raises(PermanentSmsError) as raised:
        get_sms_backend().send(request())
    assert raised.value.code in ("SignatureDoesNotMatch", "AuthFailure.SignatureFailure")
    assert sms_stub.received == []


def test_a_template_without_provider_code_is_not_sent(sms_stub):
    with pytest.raises(PermanentSmsError):
        get_sms_backend().send(request(template_code=""))
    assert sms_stub.requests == 0
