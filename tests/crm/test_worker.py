"""Against a real Celery worker and the real Redis broker (no eager mode)."""

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from config.celery import app
from crm.models import Notification, Reminder, Todo
from crm.tasks import sla_scan

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def worker(settings):
    app.conf.task_always_eager = False
    app.control.purge()
    queues = sorted({"celery"} | {r["queue"] for r in settings.CELERY_TASK_ROUTES.values()})
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10,
                      queues=queues) as w:  # fmt: skip
        yield w
    app.conf.task_always_eager = True


def wait_for(predicate, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_reminder_delivered_once_when_the_scan_runs_twice(org, worker):
    todo = Todo.objects.create(
        branch=org.bj,
        title="逾期的待办",
        assignee=org.am,
        created_by=org.bm,
        due_at=timezone.now() - timedelta(minutes=5),
    )
    first = sla_scan.delay()
    second = sla_scan.delay()
    assert first.id != second.id
    # both runs finish: breach to the assignee and level 1 to the branch manager, each once
    assert wait_for(lambda: Reminder.objects.filter(object_id=todo.pk).count() == 2)
    time.sleep(1.0)  # give a duplicate the chance to appear
    assert Notification.objects.filter(recipient=org.am, title__contains="已超时").count() == 1
    assert Notification.objects.filter(recipient=org.bm).count() == 1
    sla_scan.delay()
    time.sleep(1.0)
    assert Notification.objects.filter(recipient=org.am).count() == 1


def test_reference_data_survives_transactional_tests():
    from crm.models import Holiday, SlaPolicy

    assert SlaPolicy.objects.filter(code="todo").exists()
    assert Holiday.objects.filter(date__year=2025).exists()
