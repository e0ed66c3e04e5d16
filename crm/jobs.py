"""Enqueue Celery tasks after the surrounding transaction commits.

If the broker is down the request still succeeds: the failure is logged and the periodic
jobs (SLA scan, e-mail sweep, stalled-import sweep, nightly jobs) catch up, because every
job works from the database state rather than from the message alone.

A publish connects with kombu's default policy: retry for `broker_connection_timeout`
(4 s, more with the sleeps). A page must not wait that long for a broker that is down, so
the connection is tried once here, failing in milliseconds (refused) or after the
transport's `socket_connect_timeout` (unreachable).

A task is given as the task itself or by its registered name ("crm.tasks.sla_scan"): a
module that the tasks module imports enqueues by name, so that imports keep running one
way (tasks call services, services never import tasks). The kernel's tasks are registered
in every process by `CrmConfig.ready`.
"""

import logging

from celery import current_app
from celery.app.task import Task
from django.db import transaction

logger = logging.getLogger(__name__)


def publish(task: Task | str, *args, **kwargs) -> bool:
    """Send the task now, trying the broker once; False (logged) when it is unreachable."""
    if isinstance(task, str):
        task = current_app.tasks[task]
    app = task.app
    try:
        if app.conf.task_always_eager:
            task.apply_async(args=args, kwargs=kwargs)
            return True
        with app.producer_or_acquire() as producer:
            producer.connection.ensure_connection(max_retries=0)
            task.apply_async(args=args, kwargs=kwargs, producer=producer, retry=False)
        return True
    except Exception:
        logger.exception("could not enqueue %s; the periodic jobs will catch up", task.name)
        return False


def enqueue_on_commit(task: Task | str, *args, **kwargs) -> None:
    transaction.on_commit(lambda: publish(task, *args, **kwargs))
