"""Alibaba Cloud SMS (阿里云短信服务, dysmsapi 2017-05-25) through its official SDK.

Sending: SendSms with the approved template (TemplateCode, TemplateParam as JSON), the
firm's name as sign name (SignName, settings.OUTREACH_FIRM_NAME) and our reference as
OutId. The answer's Code "OK" carries the BizId that the delivery report names again.

Callbacks (HTTP batch push, 回执消息 HTTP 批量推送): SmsReport, a JSON array of reports
(phone_number, success, biz_id, out_id, err_code, err_msg, report_time, …), and SmsUp, a
JSON array of the clients' replies (phone_number, content, send_time, sign_name,
dest_code, sequence_id); each answered {"code": 0, "msg": "接收成功"} (the provider only
checks that code is a number; any other status makes it push again, 1, 5 and 10 minutes
later).

Settings (environment only): ALIYUN_SMS_ACCESS_KEY_ID / _SECRET, ALIYUN_SMS_ENDPOINT
(dysmsapi.aliyuncs.com; "http://127.0.0.1:port" for the test stub), ALIYUN_SMS_REGION,
SMS_CONNECT_TIMEOUT / SMS_READ_TIMEOUT.
"""

from __future__ import annotations

import json

from alibabacloud_dysmsapi20170525 import models as sms_models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.exceptions import ResponseException, UnretryableException
from darabonba.runtime import RuntimeOptions
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.functional import cached_property

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

# Codes worth trying again later (the provider's flow control, its own failures); any
# other code (illegal number, template or sign not approved, no balance, bad key…) would
# fail the same way again. https://help.aliyun.com/document_detail/101346.html
TEMPORARY_CODES = {
    "isv.BUSINESS_LIMIT_CONTROL",  # per-number flow control (minute / hour / day)
    "isv.DAY_LIMIT_CONTROL",  # the account's daily limit
    "isp.SYSTEM_ERROR",
    "SignatureNonceUsed",
}
TEMPORARY_PREFIXES = ("Throttling", "InternalError", "ServiceUnavailable")


def is_temporary(code: str) -> bool:
    return code in TEMPORARY_CODES or code.startswith(TEMPORARY_PREFIXES)


def error_for(code: str, message: str):
    cls = TemporarySmsError if is_temporary(code) else PermanentSmsError
    return cls(code or "unknown", message or "")


class AliyunSmsBackend(SmsBackend):
    name = "aliyun"

    @cached_property
    def client(self) -> Client:
        """The SDK's client, built on the first send (the callbacks need none)."""
        protocol, host = split_endpoint(settings.ALIYUN_SMS_ENDPOINT)
        return Client(
            Config(
                access_key_id=settings.ALIYUN_SMS_ACCESS_KEY_ID,
                access_key_secret=settings.ALIYUN_SMS_ACCESS_KEY_SECRET,
                endpoint=host,
                protocol=protocol.upper(),
                region_id=settings.ALIYUN_SMS_REGION,
                connect_timeout=int(settings.SMS_CONNECT_TIMEOUT * 1000),  # milliseconds
                read_timeout=int(settings.SMS_READ_TIMEOUT * 1000),
            )
        )

    # --- Sending --------------------------------------------------------------------
    def send(self, request: SmsRequest) -> SmsResult:
        if not request.template_code:
            raise PermanentSmsError("NoTemplateCode", "the template has no provider code")
        call = sms_models.SendSmsRequest(
            phone_numbers=request.phone,
            sign_name=settings.OUTREACH_FIRM_NAME,
            template_code=request.template_code,
            template_param=json.dumps(request.variables, ensure_ascii=False)
            if request.variables
            else None,
            out_id=request.reference or None,
        )
        try:
            response = self.client.send_sms_with_options(call, RuntimeOptions())
        except ResponseException as exc:  # HTTP 4xx / 5xx with the provider's code
            code = text(getattr(exc, "code", ""))
            status = getattr(exc, "status_code", None) or 0
            message = text(getattr(exc, "message", "")) or str(exc)
            if status >= 500 or status == 429 or getattr(exc, "retry_after", None):
                raise TemporarySmsError(code or f"HTTP{status}", message) from exc
            raise error_for(code, message) from exc
        except UnretryableException as exc:  # no answer: refused, reset, timed out
            raise TemporarySmsError("NetworkError", str(exc)) from exc
        except (OSError, ValueError) as exc:  # an answer that is not JSON, a socket error
            raise TemporarySmsError("NetworkError", str(exc)) from exc
        body = response.body
        code = text(body.code if body else "")
        if code != "OK":
            raise error_for(code, text(body.message if body else ""))
        if not body.biz_id:
            raise TemporarySmsError("NoBizId", "the provider answered OK without a BizId")
        return SmsResult(provider=self.name, provider_message_id=body.biz_id)

    # --- Callbacks ------------------------------------------------------------------
    def parse_receipts(self, request: HttpRequest) -> list[Receipt]:
        receipts = []
        for item in json_items(request):
            biz_id = text(item.get("biz_id"))
            success = item.get("success")
            if not biz_id or not isinstance(success, bool | str):
                logger.warning("aliyun SmsReport: an item without biz_id / success left out")
                continue
            delivered = success is True or (isinstance(success, str) and success == "true")
            receipts.append(
                Receipt(
                    provider_message_id=biz_id,
                    delivered=delivered,
                    at=local_time(item.get("report_time")),
                    code=text(item.get("err_code")),
                    reason="" if delivered else text(item.get("err_msg")),
                    phone=mainland_mobile(item.get("phone_number")),
                )
            )
        return receipts

    def parse_replies(self, request: HttpRequest) -> list[IncomingReply]:
        replies = []
        for item in json_items(request):
            phone = mainland_mobile(item.get("phone_number"))
            content = item.get("content")
            if not phone or not isinstance(content, str):
                logger.warning("aliyun SmsUp: an item without phone_number / content left out")
                continue
            replies.append(
                IncomingReply(phone=phone, text=content, at=local_time(item.get("send_time")))
            )
        return replies

    def callback_ack(self) -> JsonResponse:
        return JsonResponse(
            {"code": 0, "msg": "接收成功"}, json_dumps_params={"ensure_ascii": False}
        )
