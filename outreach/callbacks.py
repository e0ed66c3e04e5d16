"""The SMS providers' push callbacks: delivery receipts and the clients' replies.

POST /outreach/callbacks/<provider>/receipts/ and /outreach/callbacks/<provider>/replies/
(provider: aliyun, tencent; one literal path each, outreach/urls.py), as each provider
pushes them (see outreach/sms/aliyun.py and tencent.py). No session, no CSRF token, no API
token: the provider proves itself with the shared secret settings.OUTREACH_CALLBACK_SECRET,
in the address as `?secret=` (the
callback URL configured in the provider's console) or in the X-Callback-Secret header;
compared in constant time, refused with 403 when it is wrong or not configured at all.

A body that does not parse is refused with 400 and changes nothing; each item is applied
on its own (a savepoint each), so one bad item never blocks the others. The answer is the
acknowledgement the provider documents (otherwise it pushes the same items again).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework.exceptions import ParseError, PermissionDenied
from rest_framework.request import Request
from rest_framework.views import APIView

from .services.messages import message_apply_receipts, replies_record
from .sms import SmsBackend
from .sms.common import CallbackBodyError

logger = logging.getLogger("outreach.callbacks")

PROVIDERS: dict[str, str] = {
    "aliyun": "outreach.sms.aliyun.AliyunSmsBackend",
    "tencent": "outreach.sms.tencent.TencentSmsBackend",
}


def backend_for(provider: str) -> SmsBackend:
    from django.utils.module_loading import import_string

    if provider not in PROVIDERS:
        raise Http404
    return import_string(PROVIDERS[provider])()


def secret_ok(request: HttpRequest) -> bool:
    """The shared secret, from the header or the query string, in constant time; never
    when no secret is configured."""
    secret = settings.OUTREACH_CALLBACK_SECRET
    given = request.headers.get("X-Callback-Secret") or request.GET.get("secret") or ""
    return bool(secret) and hmac.compare_digest(given.encode(), secret.encode())


def apply_each(apply: Callable[[str, list], int], provider: str, items: Iterable) -> int:
    """`apply(provider, [item])` for each item in its own savepoint: an item that fails
    is logged and rolled back, the others go on."""
    done = 0
    for item in items:
        try:
            with transaction.atomic():
                done += apply(provider, [item])
        except Exception:
            logger.exception("%s callback: an item could not be applied: %r", provider, item)
    return done


SECRET_PARAMETERS = [
    OpenApiParameter(
        "secret", str, OpenApiParameter.QUERY, required=False,
        description=_("The shared callback secret (or the X-Callback-Secret header)."),
    ),
    OpenApiParameter(
        "X-Callback-Secret", str, OpenApiParameter.HEADER, required=False,
        description=_("The shared callback secret (or the secret query parameter)."),
    ),
]  # fmt: skip
ITEMS = {"type": "array", "items": {"type": "object", "additionalProperties": True}}
ACK = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=_(
        'The acknowledgement the provider expects: Alibaba Cloud {"code": 0, "msg": …}, '
        'Tencent Cloud {"result": 0, "errmsg": "OK"}.'
    ),
)


class _ProviderCallback(APIView):
    """POST only, authenticated by the shared secret alone."""

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []  # the provider pushes in bursts; the secret guards it
    http_method_names = ["post", "options"]

    def read(self, backend: SmsBackend, request: HttpRequest) -> list:  # pragma: no cover
        raise NotImplementedError

    def apply(self, provider: str, items: list) -> int:  # pragma: no cover
        raise NotImplementedError

    def post(self, request: Request, provider: str) -> HttpResponse:
        if not secret_ok(request._request):
            raise PermissionDenied(_("Wrong or missing callback secret."))
        backend = backend_for(provider)
        try:
            items = self.read(backend, request._request)
        except (CallbackBodyError, RawPostDataException) as exc:
            raise ParseError(_("The body is not the provider's JSON.")) from exc
        done = apply_each(self.apply, provider, items)
        logger.info("%s %s: %d item(s), %d applied", provider, self.kind, len(items), done)
        return backend.callback_ack()

    kind = ""


@extend_schema_view(
    post=extend_schema(
        tags=["outreach-callbacks"],
        summary="SMS delivery receipts (provider push)",
        description=(
            "The provider's delivery reports (Alibaba Cloud SmsReport, Tencent Cloud status "
            "callback), a JSON array: each marks its message delivered, or failed with the "
            "provider's code and reason. Authenticated by the shared secret only."
        ),
        parameters=SECRET_PARAMETERS,
        request={"application/json": ITEMS},
        responses={200: ACK},
    )
)
class ReceiptsCallback(_ProviderCallback):
    kind = "receipts"

    def read(self, backend, request):
        return backend.parse_receipts(request)

    def apply(self, provider, items):
        return message_apply_receipts(provider, items)


@extend_schema_view(
    post=extend_schema(
        tags=["outreach-callbacks"],
        summary="SMS replies of clients (provider push)",
        description=(
            "The clients' replies (Alibaba Cloud SmsUp, Tencent Cloud reply callback), kept with "
            "the client; a reply TD / 退订 opts the client out of marketing SMS at once. "
            "Authenticated by the shared secret only."
        ),
        parameters=SECRET_PARAMETERS,
        request={"application/json": ITEMS},
        responses={200: ACK},
    )
)
class RepliesCallback(_ProviderCallback):
    kind = "replies"

    def read(self, backend, request):
        return backend.parse_replies(request)

    def apply(self, provider, items):
        return replies_record(provider, items)
