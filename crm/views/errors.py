"""The error handlers (config/urls.py): JSON under /api/, pages elsewhere; 503 with a
retry hint when the database is down."""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

from ..api import is_api_request
from ..uploads import too_large_response

logger = logging.getLogger(__name__)


def _database_unavailable(exc: BaseException | None) -> bool:
    """The error, or one it was raised from, says the database cannot be used right now:
    connection lost or refused, server shutting down, statement cancelled, serialization
    failure (psycopg's OperationalError), or a connection already closed."""
    for _depth in range(5):
        if exc is None:
            return False
        if isinstance(exc, (OperationalError, InterfaceError)):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def server_error(request, *args, **kwargs):
    """handler500. A database that is down or unreachable answers 503 with a retry hint
    (DESIGN: never a 500 for a fault the user can wait out), JSON under /api/. The page
    is rendered without the request, so no context processor or query runs. The
    transaction of the failed request was rolled back: nothing of it was stored."""
    unavailable = _database_unavailable(sys.exc_info()[1])
    status = 503 if unavailable else 500
    if is_api_request(request):
        detail = (
            _("The database is temporarily unavailable. Try again in a minute.")
            if unavailable
            else _("Server error. Try again; if it keeps happening, tell the IT desk.")
        )
        response = JsonResponse({"detail": detail}, status=status)
    else:
        retry_url = request.get_full_path() if request.method == "GET" else request.path
        try:
            template = loader.get_template("503.html" if unavailable else "500.html")
            body = template.render({"retry_url": retry_url})
        except Exception:  # the error page itself must not fail
            logger.exception("could not render the error page")
            body = "<h1>Service Unavailable (503)</h1>" if unavailable else "<h1>Server Error</h1>"
        response = HttpResponse(body, status=status)
    if unavailable:
        response["Retry-After"] = "30"
    return response


def page_not_found(request, exception):
    """An address no route matches: JSON under /api/ (like every API error), else the page."""
    if is_api_request(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request, exception):
    """handler400. A body over DATA_UPLOAD_MAX_MEMORY_SIZE (a request without a declared
    length, which RequestSizeLimitMiddleware cannot refuse up front) answers 413; any
    other bad request JSON under /api/, else Django's page."""
    if isinstance(exception, RequestDataTooBig):
        return too_large_response(request, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    if is_api_request(request):
        return JsonResponse({"detail": _("Bad request.")}, status=400)
    return defaults.bad_request(request, exception)
