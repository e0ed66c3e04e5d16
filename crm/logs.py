"""Logs with a request id: one id per web request, on every log line of that request and
of the Celery tasks it enqueued.

`RequestIdMiddleware` (first in MIDDLEWARE) takes the id nginx sends in X-Request-ID
(`proxy_set_header X-Request-ID $request_id`, deploy/nginx/crm.conf) or makes a uuid4,
keeps it in a context variable for the request and returns it in the response's
X-Request-ID header. `RequestIdFilter` (on the console handler, settings.LOGGING) copies it
onto every record. A task published while a request id is set carries it in the message's
headers (`before_task_publish`); the worker sets it again around the task (`task_prerun`),
so the task's lines carry the id of the request that enqueued it, and the task's own id.

LOG_FORMAT=json (the production profile) writes one JSON object per line
(`JsonFormatter`); `plain` (the default, `make run`) the usual text line.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

HEADER = "X-Request-ID"
_META_KEY = "HTTP_X_REQUEST_ID"
# nginx's $request_id is 32 hex digits; other proxies send uuids. Anything else a client
# wrote is replaced, so a log line cannot be forged through the header.
_ACCEPTED = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

request_id_var: ContextVar[str | None] = ContextVar("crm_request_id", default=None)
task_id_var: ContextVar[str | None] = ContextVar("crm_task_id", default=None)


def current_request_id() -> str | None:
    return request_id_var.get()


def request_id_from(meta: dict) -> str:
    """The proxy's request id when it is well-formed, else a new one."""
    given = meta.get(_META_KEY, "")
    return given if _ACCEPTED.match(given) else uuid.uuid4().hex


class RequestIdMiddleware:
    """Sets the request id for the request's log lines and answers it in X-Request-ID."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_from(request.META)
        token = request_id_var.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[HEADER] = request.request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds `request_id` and `task_id` (None outside a request or a task) to each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            # Django logs a 4xx/5xx response after the middleware returned it, with the
            # request attached: its id is on the request then.
            record.request_id = request_id_var.get() or getattr(
                getattr(record, "request", None), "request_id", None
            )
        if not hasattr(record, "task_id"):
            record.task_id = task_id_var.get()
        return True


class JsonFormatter(_JsonFormatter):
    """One JSON object per line: time, level, logger, message, request_id, task_id and any
    `extra=` field; the HttpRequest Django's loggers attach is left out (not data)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", ["asctime", "levelname", "name", "message"])
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level",
                                            "name": "logger"})  # fmt: skip
        super().__init__(*args, **kwargs)

    def add_fields(self, log_record, record, message_dict) -> None:
        super().add_fields(log_record, record, message_dict)
        log_record.pop("request", None)
        log_record.setdefault("request_id", getattr(record, "request_id", None))
        log_record.setdefault("task_id", getattr(record, "task_id", None))


# --- Celery: the request id travels in the task message's headers ----------------------
def _add_request_id_header(headers=None, **kwargs) -> None:
    rid = request_id_var.get()
    if rid and headers is not None and "request_id" not in headers:
        headers["request_id"] = rid


def _task_started(task_id=None, task=None, **kwargs) -> None:
    if task is None:
        return
    # a worker: from the message's headers; an eager task: the enqueuing request's own
    rid = getattr(task.request, "request_id", None) or request_id_var.get()
    task.request._crm_log_tokens = (request_id_var.set(rid), task_id_var.set(task_id))


def _task_finished(task=None, **kwargs) -> None:
    tokens = getattr(task.request, "_crm_log_tokens", None) if task is not None else None
    if tokens:
        request_id_var.reset(tokens[0])
        task_id_var.reset(tokens[1])
        task.request._crm_log_tokens = None


def connect_celery_signals() -> None:
    """Called by CrmConfig.ready. An eager task (tests) runs inside the request's context
    and keeps its request id; a worker's task gets it from the headers."""
    from celery import signals

    signals.before_task_publish.connect(_add_request_id_header, weak=False)
    signals.task_prerun.connect(_task_started, weak=False)
    signals.task_postrun.connect(_task_finished, weak=False)
