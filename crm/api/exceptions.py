"""JSON errors: a message per field for bad input, `detail` for everything else.

409 for a step the record's state does not allow or for a write that lost a deadlock or
a serialization conflict with a concurrent one (with Retry-After: sent again, it goes
through), 412 for a stale version (If-Match)."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import OperationalError
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from psycopg2.extensions import TransactionRollbackError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from ..services.errors import ConcurrentUpdate, TransitionNotAllowed
from .concurrency import PreconditionFailed


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "conflict"
    default_code = "conflict"


def is_retryable_conflict(exc: BaseException) -> bool:
    """PostgreSQL rolled the transaction back because of a concurrent one (a deadlock or
    a serialization failure, SQLSTATE class 40): the same request sent again succeeds."""
    return isinstance(exc, OperationalError) and isinstance(exc.__cause__, TransactionRollbackError)


def exception_handler(exc, context):
    if is_retryable_conflict(exc):
        response = Response(
            {"detail": _("Another request was changing the same records at the same moment; "
                         "nothing of this one was stored. Send it again.")},
            status=status.HTTP_409_CONFLICT,
            headers={"Retry-After": "1"},
        )  # fmt: skip
        set_rollback()
        return response
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
            detail = {("non_field_errors" if k == "__all__" else k): v for k, v in detail.items()}
        else:
            detail = {"non_field_errors": [str(m) for m in exc.messages]}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, ConcurrentUpdate):
        exc = PreconditionFailed(str(exc))
    elif isinstance(exc, TransitionNotAllowed):
        exc = Conflict(str(exc))
    elif isinstance(exc, ProtectedError):
        exc = Conflict(_("This record is still referenced and cannot be removed."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(response.data, list):
        response.data = {"non_field_errors": response.data}
    return response
