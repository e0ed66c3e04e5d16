"""Local stand-ins for the SMS providers: real HTTP servers on 127.0.0.1 (a free port, one
thread per request) that answer the official SDKs' SendSms requests as the providers
document them, record what they received, and can be told to fail.

- `AliyunStub`: dysmsapi 2017-05-25, RPC style. The SDK (signature v3, ACS3-HMAC-SHA256)
  POSTs to / with the action in the `x-acs-action` header and the parameters in the query
  string (the older v2 style puts `Action=SendSms` and the parameters in the query or the
  form body: both are read). Answers {"Code": "OK", "BizId", "RequestId", "Message": "OK"};
  a business error is HTTP 200 with its Code (isv.BUSINESS_LIMIT_CONTROL, …), a flow
  control / server error an HTTP 4xx / 5xx with {"Code", "Message", "RequestId"}.
- `TencentStub`: SMS 2021-01-11. The SDK POSTs TC3-HMAC-SHA256-signed JSON to / with
  `X-TC-Action: SendSms`; answers {"Response": {"SendStatusSet": [{"SerialNo", "Code":
  "Ok", …}], "RequestId"}}; a number's failure is its SendStatus Code
  (LimitExceeded.PhoneNumberThirtySecondLimit, …), a request's failure
  {"Response": {"Error": {"Code", "Message"}, "RequestId"}}.

Both check the request's signature with the key they were given, so a request the real
provider would refuse for its signature is refused here too (AuthFailure / SignatureDoesNotMatch).

    stub = AliyunStub(access_key_id="ak", access_key_secret="sk").start()
    stub.fail_next(2, "isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控")
    ...; stub.received[0]["phone"]; stub.stop()
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

import pytest


@dataclass
class Failure:
    code: str
    message: str
    http_status: int = 200
    whole_request: bool = False  # Tencent: the request's Error, not the number's status


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        stub = self.server.stub
        delay = stub._take_delay()
        if delay:
            time.sleep(delay)
        status, payload, content_type = stub.answer(self, body)
        data = json.dumps(payload, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout)
            pass

    def do_GET(self) -> None:
        self.send_error(405)

    def log_message(self, format, *args) -> None:  # quiet
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    stub: StubServer


class StubServer:
    provider = ""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.requests = 0  # every request, refused or not
        self._failures: list[Failure] = []
        self._delays: list[float] = []
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- Life ---------------------------------------------------------------------------
    def start(self) -> StubServer:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.stub = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def port(self) -> int:
        assert self._server
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- What the test tells it ---------------------------------------------------------
    def fail_next(self, n: int, code: str, message: str = "", *, http_status: int = 200,
                  whole_request: bool = False) -> None:  # fmt: skip
        """The next `n` sends are refused with the provider's `code`."""
        with self._lock:
            self._failures += [Failure(code, message or code, http_status, whole_request)] * n

    def delay_next(self, n: int, seconds: float) -> None:
        """The next `n` requests are answered only after `seconds` (a client timeout)."""
        with self._lock:
            self._delays += [seconds] * n

    def reset(self) -> None:
        with self._lock:
            self.received.clear()
            self._failures.clear()
            self._delays.clear()
            self.requests = 0

    def _take_failure(self) -> Failure | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    def _take_delay(self) -> float:
        with self._lock:
            return self._delays.pop(0) if self._delays else 0.0

    def _record(self, entry: dict) -> None:
        with self._lock:
            self.received.append(entry)

    def answer(self, handler: _Handler, body: bytes) -> tuple[int, dict, str]:
        raise NotImplementedError


# --- Alibaba Cloud ----------------------------------------------------------------------
def _acs_encode(value: str) -> str:
    return quote(value, safe="-_.~")


class AliyunStub(StubServer):
    provider = "aliyun"
    CONTENT_TYPE = "application/json;charset=utf-8"

    def __init__(self, access_key_id: str = "stub-ak", access_key_secret: str = "stub-sk"):
        super().__init__()
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret

    def _signature_ok(self, handler: _Handler, query: list[tuple[str, str]], body: bytes) -> bool:
        """ACS3-HMAC-SHA256 (signature v3) as the SDK signs: canonical request of the method,
        path, sorted query, the signed headers and the body's hash."""
        auth = handler.headers.get("Authorization", "")
        if not auth.startswith("ACS3-HMAC-SHA256 "):
            return False
        fields = dict(
            part.strip().split("=", 1) for part in auth[len("ACS3-HMAC-SHA256 ") :].split(",")
        )
        if fields.get("Credential") != self.access_key_id:
            return False
        signed = fields.get("SignedHeaders", "").split(";")
        payload_hash = hashlib.sha256(body).hexdigest()
        if handler.headers.get("x-acs-content-sha256", payload_hash) != payload_hash:
            return False
        canonical_query = "&".join(f"{_acs_encode(k)}={_acs_encode(v)}" for k, v in sorted(query))
        canonical_headers = "".join(
            f"{name}:{(handler.headers.get(name) or '').strip()}\n" for name in signed
        )
        canonical = "\n".join(
            [
                "POST",
                urlsplit(handler.path).path or "/",
                canonical_query,
                canonical_headers,
                ";".join(signed),
                payload_hash,
            ]
        )
        to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
        expected = hmac.new(self.access_key_secret.encode(), to_sign.encode(), hashlib.sha256)
        return hmac.compare_digest(expected.hexdigest(), fields.get("Signature", ""))

    def answer(self, handler, body):
        with self._lock:
            self.requests += 1
        request_id = str(uuid.uuid4()).upper()
        query = parse_qsl(urlsplit(handler.path).query, keep_blank_values=True)
        params = dict(query)
        if handler.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            params.update(parse_qsl(body.decode(), keep_blank_values=True))
        action = handler.headers.get("x-acs-action") or params.get("Action", "")
        version = handler.headers.get("x-acs-version") or params.get("Version", "")
        if action != "SendSms" or version != "2017-05-25":
            return 400, {"Code": "InvalidAction.NotFound", "Message": "Specified api is not found",
                         "RequestId": request_id}, self.CONTENT_TYPE  # fmt: skip
        if not self._signature_ok(handler, query, body):
            return 400, {"Code": "SignatureDoesNotMatch", "RequestId": request_id,
                         "Message": "Specified signature is not matched with our calculation."},\
                self.CONTENT_TYPE  # fmt: skip
        template_param = params.get("TemplateParam")
        entry = {
            "phone": params.get("PhoneNumbers", ""),
            "template_code": params.get("TemplateCode", ""),
            "params": json.loads(template_param) if template_param else {},
            "sign_name": params.get("SignName", ""),
            "reference": params.get("OutId", ""),
            "raw": params,
        }
        failure = self._take_failure()
        if failure:
            entry["refused"] = failure.code
            self._record(entry)
            return failure.http_status, {"Code": failure.code, "Message": failure.message,
                                         "RequestId": request_id}, self.CONTENT_TYPE  # fmt: skip
        biz_id = f"{int(time.time())}{uuid.uuid4().int % 10**10:010d}^0"
        entry["biz_id"] = biz_id
        self._record(entry)
        return 200, {"Code": "OK", "Message": "OK", "BizId": biz_id,
                     "RequestId": request_id}, self.CONTENT_TYPE  # fmt: skip


# --- Tencent Cloud ----------------------------------------------------------------------
class TencentStub(StubServer):
    provider = "tencent"
    CONTENT_TYPE = "application/json"  # exactly: the SDK reads errors only from this type

    def __init__(self, secret_id: str = "stub-id", secret_key: str = "stub-key"):
        super().__init__()
        self.secret_id = secret_id
        self.secret_key = secret_key

    def _signature_ok(self, handler: _Handler, body: bytes) -> bool:
        """TC3-HMAC-SHA256 as the API documents it (签名方法 v3)."""
        auth = handler.headers.get("Authorization", "")
        if not auth.startswith("TC3-HMAC-SHA256 "):
            return False
        fields = dict(
            part.strip().split("=", 1) for part in auth[len("TC3-HMAC-SHA256 ") :].split(",")
        )
        scope = fields.get("Credential", "").split("/")
        if len(scope) != 4 or scope[0] != self.secret_id or scope[2:] != ["sms", "tc3_request"]:
            return False
        date, timestamp = scope[1], handler.headers.get("X-TC-Timestamp", "")
        signed = fields.get("SignedHeaders", "").split(";")
        canonical_headers = "".join(
            f"{name}:{(handler.headers.get(name) or '').strip().lower()}\n" for name in signed
        )
        url = urlsplit(handler.path)
        canonical = "\n".join(
            [
                "POST",
                url.path or "/",
                url.query,
                canonical_headers,
                ";".join(signed),
                hashlib.sha256(body).hexdigest(),
            ]
        )
        to_sign = "\n".join(
            [
                "TC3-HMAC-SHA256",
                timestamp,
                f"{date}/sms/tc3_request",
                hashlib.sha256(canonical.encode()).hexdigest(),
            ]
        )

        def mac(key: bytes, msg: str) -> bytes:
            return hmac.new(key, msg.encode(), hashlib.sha256).digest()

        key = mac(mac(mac(("TC3" + self.secret_key).encode(), date), "sms"), "tc3_request")
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, fields.get("Signature", ""))

    def answer(self, handler, body):
        with self._lock:
            self.requests += 1
        request_id = str(uuid.uuid4())

        def error(code: str, message: str, status: int = 200):
            return status, {"Response": {"Error": {"Code": code, "Message": message},
                                         "RequestId": request_id}}, self.CONTENT_TYPE  # fmt: skip

        if handler.headers.get("X-TC-Action") != "SendSms":
            return error("InvalidAction", "the action is not SendSms")
        if handler.headers.get("X-TC-Version") != "2021-01-11":
            return error("InvalidParameter", "X-TC-Version is not 2021-01-11")
        if not self._signature_ok(handler, body):
            return error("AuthFailure.SignatureFailure", "the request's signature is not valid")
        try:
            params = json.loads(body)
        except ValueError:
            return error("InvalidParameter", "the body is not JSON")
        phones = params.get("PhoneNumberSet") or []
        entry = {
            "phone": phones[0] if phones else "",
            "phones": phones,
            "sdk_app_id": params.get("SmsSdkAppId", ""),
            "template_code": params.get("TemplateId", ""),
            "params": params.get("TemplateParamSet") or [],
            "sign_name": params.get("SignName", ""),
            "reference": params.get("SessionContext", ""),
            "region": handler.headers.get("X-TC-Region", ""),
            "raw": params,
        }
        failure = self._take_failure()
        if failure and failure.whole_request:
            entry["refused"] = failure.code
            self._record(entry)
            return error(failure.code, failure.message, failure.http_status)
        statuses = []
        for phone in phones:
            serial = f"{uuid.uuid4().int % 10**4:04d}:{uuid.uuid4().int % 10**20:020d}"
            status = {"SerialNo": serial, "PhoneNumber": phone, "Fee": 1,
                      "SessionContext": entry["reference"], "Code": "Ok",
                      "Message": "send success", "IsoCode": "CN"}  # fmt: skip
            if failure:
                status.update(SerialNo="", Fee=0, Code=failure.code, Message=failure.message)
                entry["refused"] = failure.code
            else:
                entry["serial_no"] = serial
            statuses.append(status)
        self._record(entry)
        return 200, {"Response": {"SendStatusSet": statuses, "RequestId": request_id}}, \
            self.CONTENT_TYPE  # fmt: skip


def now_text() -> str:
    """A report time as the providers write it (Beijing time)."""
    from zoneinfo import ZoneInfo

    return datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M:%S")


# --- pytest fixtures (import them into a test module) --------------------------------------
@pytest.fixture
def aliyun_stub(settings):
    """An AliyunStub on loopback, and the settings that send through it."""
    stub = AliyunStub(access_key_id="test-ak", access_key_secret="test-sk").start()
    settings.SMS_BACKEND = "outreach.sms.aliyun.AliyunSmsBackend"
    settings.ALIYUN_SMS_ENDPOINT = stub.url
    settings.ALIYUN_SMS_ACCESS_KEY_ID = stub.access_key_id
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = stub.access_key_secret
    yield stub
    stub.stop()


@pytest.fixture
def tencent_stub(settings):
    """A TencentStub on loopback, and the settings that send through it."""
    stub = TencentStub(secret_id="test-id", secret_key="test-key").start()
    settings.SMS_BACKEND = "outreach.sms.tencent.TencentSmsBackend"
    settings.TENCENT_SMS_ENDPOINT = stub.url
    settings.TENCENT_SMS_SECRET_ID = stub.secret_id
    settings.TENCENT_SMS_SECRET_KEY = stub.secret_key
    settings.TENCENT_SMS_SDK_APP_ID = "1400000001"
    yield stub
    stub.stop()


@pytest.fixture(params=["aliyun", "tencent"])
def sms_stub(request):
    """Each provider's stub in turn (the test runs twice)."""
    return request.getfixturevalue(f"{request.param}_stub")
