from datetime import datetime

import pytest
import time_machine

from crm import services, sla
from crm.models import Holiday, Notification, Reminder, SlaPolicy, Todo
from crm.workdays import SHANGHAI, get_calendar


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def policy(db):
    policy = SlaPolicy.objects.get(code="todo")
    policy.escalation_roles = ["branch_manager", "hq"]
    policy.warn_before_minutes = 120
    policy.save()
    get_calendar(fresh=True)
    return policy


def make_todo(org, when, policy):
    with time_machine.travel(when, tick=False):
        return services.todo_create(
            created_by=org.bm, assignee=org.am, title="补齐客户档案", policy=policy
        )


def titles(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("title", flat=True))


def test_deadline_in_working_days_across_national_day(org, policy):
    todo = make_todo(org, at(2025, 9, 30, 10, 0), policy)
    assert todo.due_at == at(2025, 10, 9, 10, 0)
    policy.target_value = 7
    assert sla.compute_deadline(policy, at(2025, 9, 30, 10, 0)) == at(2025, 10, 16, 10, 0)


def test_deadline_in_office_minutes_and_hours(policy):
    policy.target_unit, policy.target_value = SlaPolicy.Unit.OFFICE_MINUTES, 30
    assert sla.compute_deadline(policy, at(2025, 9, 30, 16, 50)) == at(2025, 10, 9, 9, 20)
    policy.target_unit, policy.target_value = SlaPolicy.Unit.HOURS, 24
    assert sla.compute_deadline(policy, at(2025, 9, 30, 16, 50)) == at(2025, 10, 1, 16, 50)


def test_deadline_running_into_2027_works_today(org, policy):
    policy.target_value = 3
    policy.save()
    todo = make_todo(org, at(2026, 12, 31, 10, 0), policy)
    assert todo.due_at == at(2027, 1, 5, 10, 0)  # Mon-Fri rule, no 2027 schedule yet


def test_warning_then_breach_then_escalation_each_sent_once(org, policy):
    todo = make_todo(org, at(2025, 9, 30, 10, 0), policy)
    Notification.objects.all().delete()  # the "new to-do" notice

    with time_machine.travel(at(2025, 10, 9, 7, 0), tick=False):
        assert sla.scan() == 0  # three hours before: nothing yet
    with time_machine.travel(at(2025, 10, 9, 8, 30), tick=False):
        assert sla.scan() == 1
        assert sla.scan() == 0  # run twice: nothing twice
    assert titles(org.am) == ["即将到期：补齐客户档案"]

    with time_machine.travel(at(2025, 10, 9, 10, 30), tick=False):
        assert sla.scan() == 2  # breach to the assignee, level 1 to the branch manager
        assert sla.scan() == 0
    assert titles(org.am) == ["即将到期：补齐客户档案", "已超时：补齐客户档案"]
    assert titles(org.bm) == ["升级提醒（已超时）：补齐客户档案"]
    assert titles(org.bm_sh) == []  # another branch's manager hears nothing
    assert titles(org.hq) == []

    with time_machine.travel(at(2025, 10, 10, 10, 30), tick=False):
        assert sla.scan() == 1  # a day later: level 2 to headquarters
        assert sla.scan() == 0
    assert titles(org.hq) == ["升级提醒（已超时）：补齐客户档案"]
    assert Reminder.objects.filter(object_id=todo.pk).count() == 4


def test_missed_runs_are_caught_up(org, policy):
    make_todo(org, at(2025, 9, 30, 10, 0), policy)
    with time_machine.travel(at(2025, 10, 20, 9, 0), tick=False):
        assert sla.scan() == 3  # breach, level 1 and level 2 at once
    assert len(titles(org.hq)) == 1


def test_closed_items_get_no_reminder(org, policy):
    todo = make_todo(org, at(2025, 9, 30, 10, 0), policy)
    services.todo_complete(user=org.am, todo=todo)
    with time_machine.travel(at(2025, 10, 20, 9, 0), tick=False):
        assert sla.scan() == 0


def test_holiday_edit_recomputes_open_deadlines_and_reminds_again(
    org, policy, django_capture_on_commit_callbacks
):
    todo = make_todo(org, at(2025, 9, 30, 10, 0), policy)
    fixed = services.todo_create(
        created_by=org.am, assignee=org.am, title="手定时间", due_at=at(2025, 10, 9, 10, 0)
    )
    with time_machine.travel(at(2025, 10, 9, 8, 30), tick=False):
        assert sla.scan() == 2
    # 2025-10-09 becomes a day off: the policy deadline moves to 10-10, the fixed one stays.
    with django_capture_on_commit_callbacks(execute=True):
        services.holidays_enter_schedule(
            year=2025,
            text="\n".join(
                f"{h.date} {h.kind} {h.name}" for h in Holiday.objects.filter(date__year=2025)
            )
            + "\n2025-10-09 holiday 加休",
        )
    todo.refresh_from_db()
    fixed.refresh_from_db()
    assert todo.due_at == at(2025, 10, 10, 10, 0)
    assert fixed.due_at == at(2025, 10, 9, 10, 0)
    with time_machine.travel(at(2025, 10, 10, 8, 30), tick=False):
        assert sla.scan() >= 1  # the new deadline warns again
    assert Reminder.objects.filter(object_id=todo.pk, kind="warning").count() == 2


def test_recompute_for_a_deadline_in_2027_after_the_schedule_is_entered(
    org, policy, django_capture_on_commit_callbacks
):
    policy.target_value = 3
    policy.save()
    todo = make_todo(org, at(2026, 12, 31, 10, 0), policy)
    with django_capture_on_commit_callbacks(execute=True):
        services.holidays_enter_schedule(year=2027, text="2027-01-01 holiday 元旦")
    todo.refresh_from_db()
    assert todo.due_at == at(2027, 1, 6, 10, 0)


def test_todo_policy_follows_person_chosen_time_after_edit(org, policy):
    todo = make_todo(org, at(2025, 9, 30, 10, 0), policy)
    with time_machine.travel(at(2025, 10, 1, 9, 0), tick=False):
        services.todo_update(
            user=org.am, todo=todo, title=todo.title, description="", due_at=at(2025, 10, 20, 9)
        )
    todo.refresh_from_db()
    assert todo.policy is None
    assert Todo.objects.get(pk=todo.pk).due_at == at(2025, 10, 20, 9)


def test_an_object_past_its_own_policys_last_level_is_not_read_again(
    org, django_assert_num_queries
):
    """A callback (one policy, one escalation level) that has had its breach and its
    escalation is left out by the scan's first query, though another policy (the to-do's,
    above: two levels) has a longer chain."""
    from callcenter.models import Callback
    from tests.factories import CallbackFactory

    callbacks = sla.get_policy("callback.due")
    callbacks.escalation_roles = ["branch_manager"]
    callbacks.save()
    todos = SlaPolicy.objects.get(code="todo")
    todos.escalation_roles = ["branch_manager", "hq"]
    todos.save()
    CallbackFactory(client__owner=org.am, client__branch=org.bj, assignee=org.agent,
                    due_at=at(2025, 10, 9, 10, 0))  # fmt: skip
    clock = sla._clocks["callback.due"]
    policies = {p.code: p for p in SlaPolicy.objects.filter(is_active=True)}
    now = at(2025, 10, 20, 9, 0)
    assert sla._scan_clock(clock, policies, now) == 2  # breach and level 1 at once
    assert Callback.objects.count() == 1
    # the out-of-range check and the candidates, none: the callback is not loaded and
    # its reminders are not looked up again
    with django_assert_num_queries(2):
        assert sla._scan_clock(clock, policies, now) == 0
