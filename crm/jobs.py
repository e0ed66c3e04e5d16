"""Enqueue Celery tasks after the surrounding transaction commits.

If the broker is down the request still succeeds: the failure is logged and the periodic
jobs (SLA scan, e-mail sweep, nightly jobs) catch up, because every job works from the
database state rather than from the message alone.
"""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, *args, **kwargs) -> None:
    def send() -> None:
        try:
            task.apply_async(args=args, kwargs=kwargs, retry=False)
        except Exception:
            logger.exception("could not enqueue %s; the periodic jobs will catch up", task.name)

    transaction.on_commit(send)
