"""Optimistic concurrency for the API: ETag out, If-Match in, 412 when stale.

A viewset whose model has a `version` field (raised by every save of a business rule)
and whose serializer shows it mixes in `VersionedMixin`:

- every 2xx response that carries one record answers `ETag: "<version>"`;
- a write (PUT, PATCH, or a POST action on the record) takes that value back in
  `If-Match` or as `version` in the body; the service compares it under the row lock
  (`crm.services.check_version`), and a stale one answers 412 Precondition Failed with a
  message and changes nothing. `If-Match: *` or neither leaves the write unchecked.
- 409 stays for a step that the record's state does not allow.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _(
        "Someone else changed this record since you read it. Reload it and try again."
    )
    default_code = "precondition_failed"


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(header: str) -> int | None:
    """The version an `If-Match` header asks for; None for `*` or no header.

    A tag that is not one of ours can never match: 412. The weak form W/"3" is accepted as
    "3" (the version identifies the record, not its bytes)."""
    header = (header or "").strip()
    if not header or header == "*":
        return None
    versions = set()
    for tag in header.split(","):
        tag = tag.strip().removeprefix("W/").strip('"')
        if tag.isascii() and tag.isdigit() and len(tag) < 10:
            versions.add(int(tag))
    if len(versions) != 1:
        raise PreconditionFailed()
    return versions.pop()


def body_version(value) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise exceptions.ValidationError({"version": [_("A valid integer is required.")]}) from exc


class VersionedMixin:
    """ETag on responses, If-Match (or `version`) on writes; see the module docstring."""

    def expected_version(self, request, version=None) -> int | None:
        """The version the caller read, from If-Match and/or the body's `version`; both
        given and different means one of them is stale."""
        header = parse_if_match(request.headers.get("If-Match", ""))
        version = body_version(version)
        if header is not None and version is not None and header != version:
            raise PreconditionFailed()
        return header if header is not None else version

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        data = getattr(response, "data", None)
        if (
            200 <= response.status_code < 300
            and isinstance(data, dict)
            and isinstance(data.get("version"), int)
        ):
            response["ETag"] = etag(data["version"])
        return response
