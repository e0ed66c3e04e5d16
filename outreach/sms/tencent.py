"""Tencent Cloud SMS (腾讯云短信, API 2021-01-11) through its official SDK.

Sending: SendSms (TC3-HMAC-SHA256 signed JSON) with the SDK app, the approved template
(TemplateId, TemplateParamSet in the template's order), the firm's name as SignName
(settings.OUTREACH_FIRM_NAME) and our reference as SessionContext. The number's
SendStatus carries Code "Ok" and the SerialNo that the delivery report names again (sid).

Callbacks: delivery reports, a JSON array of {user_receive_time, nationcode, mobile,
report_status SUCCESS/FAIL, errmsg, description, sid}; replies {extend, mobile,
nationcode, sign, text, time (UNIX seconds)} (one object, or an array of them); each
answered {"result": 0, "errmsg": "OK"}.

Settings (environment only): TENCENT_SMS_SECRET_ID / _KEY, TENCENT_SMS_SDK_APP_ID,
TENCENT_SMS_ENDPOINT (sms.tencentcloudapi.com; "http://127.0.0.1:port" for the test stub),
TENCENT_SMS_REGION, SMS_CONNECT_TIMEOUT / SMS_READ_TIMEOUT.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.functional import cached_property
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models as sms_models
from tencentcloud.sms.v20210111.sms_client import SmsClient

from . import (
    IncomingReply,
    PermanentSmsError,
    Receipt,
    SmsBackend,
    SmsRequest,
    SmsResult,
    TemporarySmsError,
)
from .common import json_items, local_time, logger, mainland_mobile, split_endpoint, text

# Worth trying again later: the frequency limits, the provider's own failures, no answer.
# Anything else (InvalidParameterValue.IncorrectPhoneNumber, FailedOperation.
# TemplateIncorrectOrUnapproved / SignatureIncorrectOrUnapproved /
# InsufficientBalanceInSmsPackage, AuthFailure.*…) would fail the same way again.
# https://cloud.tencent.com/document/product/382/59177 (error codes)
TEMPORARY_CODES = {"RequestLimitExceeded", "ClientNetworkError", "ServerNetworkError"}
TEMPORARY_PREFIXES = ("LimitExceeded", "InternalError", "RequestLimitExceeded")


def is_temporary(code: str) -> bool:
    return code in TEMPORARY_CODES or code.startswith(TEMPORARY_PREFIXES)


def error_for(code: str, message: str):
    cls = TemporarySmsError if is_temporary(code) else PermanentSmsError
    return cls(code or "unknown", message or "")


def international(phone: str) -> str:
    """E.164 as the API wants it: +86 before a mainland mobile."""
    return phone if phone.startswith("+") else f"+86{phone}"


def template_params(variables: dict[str, str]) -> list[str]:
    """The template's {1}, {2}… in their order: keys "1", "2"… sorted as numbers, any
    other keys in the order given."""
    keys = list(variables)
    if keys and all(str(k).isdigit() for k in keys):
        keys.sort(key=int)
    return [str(variables[k]) for k in keys]


class TencentSmsBackend(SmsBackend):
    name = "tencent"

    @cached_property
    def client(self) -> SmsClient:
        """The SDK's client, built on the first send (the callbacks need none)."""
        protocol, host = split_endpoint(settings.TENCENT_SMS_ENDPOINT)
        http = HttpProfile(
            protocol=protocol,
            endpoint=host,
            reqTimeout=settings.SMS_CONNECT_TIMEOUT + settings.SMS_READ_TIMEOUT,
        )
        return SmsClient(
            credential.Credential(settings.TENCENT_SMS_SECRET_ID, settings.TENCENT_SMS_SECRET_KEY),
            settings.TENCENT_SMS_REGION,
            ClientProfile(httpProfile=http),
        )

    # --- Sending --------------------------------------------------------------------
    def send(self, request: SmsRequest) -> SmsResult:
        if not request.template_code:
            raise PermanentSmsError("NoTemplateCode", "the template has no provider code")
        call = sms_models.SendSmsRequest()
        call.SmsSdkAppId = settings.TENCENT_SMS_SDK_APP_ID
        call.SignName = settings.OUTREACH_FIRM_NAME
        call.TemplateId = request.template_code
        call.TemplateParamSet = template_params(request.variables)
        call.PhoneNumberSet = [international(request.phone)]
        call.SessionContext = request.reference
        try:
            response = self.client.SendSms(call)
        except TencentCloudSDKException as exc:
            raise error_for(text(exc.get_code()), text(exc.get_message())) from exc
        statuses = response.SendStatusSet or []
        if not statuses:
            raise TemporarySmsError("NoSendStatus", "the provider answered without a status")
        status = statuses[0]
        code = text(status.Code)
        if code != "Ok":
            raise error_for(code, text(status.Message))
        if not status.SerialNo:
            raise TemporarySmsError("NoSerialNo", "the provider answered Ok without a SerialNo")
        return SmsResult(provider=self.name, provider_message_id=status.SerialNo)

    # --- Callbacks ------------------------------------------------------------------
    def parse_receipts(self, request: HttpRequest) -> list[Receipt]:
        receipts = []
        for item in json_items(request, allow_object=True):
            sid = text(item.get("sid"))
            status = text(item.get("report_status")).upper()
            if not sid or status not in ("SUCCESS", "FAIL"):
                logger.warning("tencent report: an item without sid / report_status left out")
                continue
            delivered = status == "SUCCESS"
            receipts.append(
                Receipt(
                    provider_message_id=sid,
                    delivered=delivered,
                    at=local_time(item.get("user_receive_time")),
                    code=text(item.get("errmsg")),
                    reason="" if delivered else text(item.get("description")),
                    phone=mainland_mobile(item.get("mobile")),
                )
            )
        return receipts

    def parse_replies(self, request: HttpRequest) -> list[IncomingReply]:
        replies = []
        for item in json_items(request, allow_object=True):
            phone = mainland_mobile(item.get("mobile"))
            content = item.get("text")
            if not phone or not isinstance(content, str):
                logger.warning("tencent reply: an item without mobile / text left out")
                continue
            replies.append(
                IncomingReply(phone=phone, text=content, at=local_time(item.get("time")))
            )
        return replies

    def callback_ack(self) -> JsonResponse:
        return JsonResponse({"result": 0, "errmsg": "OK"})
