"""Issue #21 item 5: a visit's next step with a date becomes the account manager's to-do
with a reminder; a request to the research side lands in the advisory side's queue, is
answered there and shows on the visit."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from crm import sla
from crm.models import Notification, Reminder, Todo
from crm.services import TransitionNotAllowed
from crm.workdays import SHANGHAI, closing_on_or_after
from tests.factories import VisitPlanFactory, make_client
from visits import services
from visits.models import ResearchRequest


def visited(org, owner=None, no="1100000001", **record):
    """A visit that took place an hour ago, recorded with `record`."""
    owner = owner or org.am
    plan = VisitPlanFactory(client=make_client(owner, client_no=no), user=owner,
                            status="approved", planned_at=timezone.now() - timedelta(hours=1),
                            approver=org.bm)  # fmt: skip
    return services.visit_plan_complete(user=owner, plan=plan, presented="介绍两融业务", **record)


def test_next_step_with_a_date_becomes_a_todo_with_a_reminder(org):
    day = timezone.localdate() + timedelta(days=3)
    record = visited(org, next_steps="寄送两融合同样本", next_step_on=day)
    todo = record.next_step_todo
    assert todo.assignee == org.am and todo.status == Todo.Status.OPEN
    assert todo.due_at == closing_on_or_after(day)  # the close of office hours that day
    assert "寄送两融合同样本" in todo.description
    assert record.plan.get_absolute_url() in todo.description  # linked back to the visit
    # the to-do clock reminds the account manager before it is due, once
    before = todo.due_at - timedelta(minutes=60)
    assert sla.scan(now=before, only=("todo.",)) == 1
    assert sla.scan(now=before, only=("todo.",)) == 0
    assert Reminder.objects.filter(object_id=todo.pk, kind="warning").count() == 1
    assert Notification.objects.filter(recipient=org.am, kind__startswith="todo.due").exists()


def test_no_date_no_todo(org):
    record = visited(org, next_steps="再约时间")
    assert record.next_step_todo is None and not Todo.objects.exists()


def test_a_next_step_on_a_holiday_is_due_on_the_next_working_day(org):
    from crm.models import Holiday
    from crm.workdays import invalidate_calendar

    Holiday.objects.create(date=date(2027, 10, 1), kind="holiday", name="国庆节")
    invalidate_calendar()
    with time_machine.travel(datetime(2027, 9, 27, 15, tzinfo=SHANGHAI), tick=False):
        record = visited(org, next_steps="回访", next_step_on=date(2027, 10, 1))
    assert timezone.localtime(record.next_step_todo.due_at).date() > date(2027, 10, 1)


def test_research_request_queue_answer_and_link_back(
    client, org, query_baseline, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record = visited(org, research_request="客户希望有低波动的可转债产品")
    request = record.research
    assert request.status == ResearchRequest.Status.OPEN and request.asked_by == org.am
    assert Notification.objects.filter(recipient=org.advisor).exists()  # the branch's advisors
    other = visited(org, owner=org.am2, no="1100000002", research_request="港股通")
    # the advisory side's queue: the whole branch; an account manager: their own
    client.force_login(org.advisor)
    with query_baseline("visits:research"):
        html = client.get(reverse("visits:research")).content.decode()
    assert f"research-{request.pk}" in html and f"research-{other.research.pk}" in html
    client.force_login(org.am)
    html = client.get(reverse("visits:research")).content.decode()
    assert f"research-{request.pk}" in html and f"research-{other.research.pk}" not in html
    assert client.get(other.research.get_absolute_url()).status_code == 404
    with pytest.raises(PermissionDenied):
        services.research_answer(user=org.am, request=request, answer="x")
    client.force_login(org.advisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(request.get_absolute_url(), {"answer": "建议关注可转债基金"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "answered" and request.answered_by == org.advisor
    told = Notification.objects.filter(recipient=org.am, url=record.plan.get_absolute_url())
    assert told.exists()
    with pytest.raises(TransitionNotAllowed):
        services.research_answer(user=org.bm, request=request, answer="再答")
    # the answer shows on the visit, in the queries the page took before
    client.force_login(org.am)
    with query_baseline("visits:detail:completed"):
        page = client.get(record.plan.get_absolute_url()).content.decode()
    assert "建议关注可转债基金" in page and 'id="research-status"' in page
    # another branch's advisor never sees it
    client.force_login(org.bm_sh)
    assert client.get(request.get_absolute_url()).status_code == 404
