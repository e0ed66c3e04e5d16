from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from complaints.models import Complaint
from crm import sla
from crm.models import Notification, Reminder
from crm.services import ConcurrentUpdate, TransitionNotAllowed
from servicedesk import services
from servicedesk.models import ServiceRequest, ServiceRequestEvent, Status
from servicedesk.workflow import SERVICE_REQUEST_WORKFLOW
from tests.servicedesk.helpers import at, category, receive


def events(sr):
    return list(
        ServiceRequestEvent.objects.filter(request=sr)
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_numbers_per_branch_and_day_and_default_time_limit(org):
    with time_machine.travel(at(2025, 10, 30, 9), tick=False):
        first = receive(org, seq=1)
        second = receive(org, seq=2)
    assert first.number == "SR-BJ01-20251030-001"
    assert second.number == "SR-BJ01-20251030-002"
    assert first.status == Status.RECEIVED and first.taken_by == org.agent
    assert first.handler == org.agent
    assert first.due_at == at(2025, 10, 31, 9)  # 1 working day
    assert first.sla_policy.code == "service_request.account"


def test_security_problems_are_answered_within_two_office_hours(org):
    with time_machine.travel(at(2025, 10, 30, 16), tick=False):
        sr = receive(org, category="password_security")
    assert sr.due_at == at(2025, 10, 31, 10)  # 16:00-17:00, then 09:00-10:00 next day


def test_every_transition_of_the_table(org):
    sr = receive(org)
    sr = services.servicerequest_start(user=org.agent, service_request=sr, note="开始")
    assert sr.status == Status.IN_PROGRESS
    sr = services.servicerequest_wait_for_client(user=org.agent, service_request=sr,
                                                 note="等待客户补材料")  # fmt: skip
    assert sr.status == Status.WAITING and sr.paused_at is not None
    due = sr.due_at
    with time_machine.travel(timedelta(hours=3)):
        sr = services.servicerequest_resume(user=org.agent, service_request=sr)
    assert sr.status == Status.IN_PROGRESS and sr.paused_at is None
    assert sr.due_at > due  # the wait does not count
    sr = services.servicerequest_transfer(user=org.agent, service_request=sr, handler=org.am)
    assert sr.handler == org.am and sr.status == Status.IN_PROGRESS
    sr = services.servicerequest_transfer(user=org.am, service_request=sr, back_office=True)
    assert sr.handler is None and sr.back_office
    sr = services.servicerequest_resolve(user=org.bm, service_request=sr, resolution="已解答")
    assert sr.status == Status.RESOLVED and sr.resolved_at and sr.answer_met is True
    assert sr.handler == org.bm and not sr.first_contact_resolved
    sr = services.servicerequest_close(user=org.agent, service_request=sr)
    assert sr.status == Status.CLOSED and sr.closed_at
    sr = services.servicerequest_reopen(user=org.agent, service_request=sr, reason="再次来电")
    assert sr.status == Status.IN_PROGRESS and sr.resolved_at is None and sr.closed_at is None
    assert events(sr) == ["receive", "start", "wait_for_client", "resume", "transfer",
                          "transfer", "resolve", "close", "reopen"]  # fmt: skip
    assert sr.version == 9


@pytest.mark.parametrize("step,kwargs", [
    ("wait_for_client", {"note": "x"}), ("resume", {}), ("close", {}),
    ("reopen", {"reason": "x"}),
])  # fmt: skip
def test_forbidden_steps_from_received(org, step, kwargs):
    sr = receive(org)
    with pytest.raises(TransitionNotAllowed):
        getattr(services, f"servicerequest_{step}")(user=org.bm, service_request=sr, **kwargs)
    sr.refresh_from_db()
    assert sr.status == Status.RECEIVED and sr.version == 1 and events(sr) == ["receive"]


@pytest.mark.parametrize("step,kwargs", [
    ("start", {}), ("resolve", {"resolution": "x"}), ("wait_for_client", {"note": "x"}),
    ("transfer", {"back_office": True}), ("escalate_to_complaint", {"reason": "x"}),
])  # fmt: skip
def test_forbidden_steps_from_closed(org, step, kwargs):
    sr = receive(org)
    sr = services.servicerequest_resolve(user=org.agent, service_request=sr, resolution="已解答")
    sr = services.servicerequest_close(user=org.agent, service_request=sr)
    with pytest.raises(TransitionNotAllowed):
        getattr(services, f"servicerequest_{step}")(user=org.agent, service_request=sr, **kwargs)


def test_the_table_offers_only_allowed_steps(org):
    sr = receive(org)
    names = {a.name for a in SERVICE_REQUEST_WORKFLOW.allowed(org.agent, sr)}
    assert names == {"start", "transfer", "resolve", "escalate_to_complaint"}
    assert SERVICE_REQUEST_WORKFLOW.allowed(org.compliance, sr) == []


def test_required_texts_and_roles(org):
    sr = receive(org)
    with pytest.raises(ValidationError):
        services.servicerequest_resolve(user=org.agent, service_request=sr, resolution=" ")
    with pytest.raises(ValidationError):
        services.servicerequest_transfer(user=org.agent, service_request=sr)
    with pytest.raises(ValidationError):  # a person of another branch
        services.servicerequest_transfer(user=org.agent, service_request=sr, handler=org.agent_sh)
    with pytest.raises(PermissionDenied):
        services.servicerequest_start(user=org.compliance, service_request=sr)
    with pytest.raises(ConcurrentUpdate):
        services.servicerequest_start(user=org.agent, service_request=sr, version=7)
    sr.refresh_from_db()
    assert sr.status == Status.RECEIVED and sr.version == 1


def test_resolved_on_first_contact(org):
    with pytest.raises(ValidationError) as exc:
        receive(org, seq=1, resolved_now=True, resolution="")
    assert "resolution" in exc.value.message_dict
    assert not ServiceRequest.objects.exists()
    sr = receive(org, seq=2, resolved_now=True, resolution="当场告知开户材料")
    assert sr.status == Status.RESOLVED and sr.first_contact_resolved
    assert sr.resolved_at >= sr.received_at and sr.answer_met is True
    assert events(sr) == ["receive", "resolve"]
    # reopened, it is no longer resolved on first contact
    sr = services.servicerequest_reopen(user=org.agent, service_request=sr, reason="仍有疑问")
    assert not sr.first_contact_resolved


def test_unidentified_caller_and_bad_input(org):
    sr = receive(org, caller_name="匿名来电", caller_phone="13811112222")
    assert sr.client is None and sr.requester == "匿名来电"
    with pytest.raises(ValidationError) as exc:
        services.servicerequest_receive(user=org.agent, data={
            "channel": "fax", "category": category("account_open"), "description": "",
            "subcategory": category("fees_other"),
        })  # fmt: skip
    assert {"caller_name", "channel", "category", "description"} <= set(exc.value.message_dict)


def test_subcategory_must_belong_to_the_category(org):
    with pytest.raises(ValidationError) as exc:
        receive(org, category="account", subcategory=category("fees_other"))
    assert "subcategory" in exc.value.message_dict
    sr = receive(org, seq=3, category="account", subcategory=category("account_open"))
    assert sr.subcategory.code == "account_open"


def test_escalation_to_a_complaint_keeps_the_link_both_ways(org):
    sr = receive(org, category="fees", description="对佣金调整不满")
    sr = services.servicerequest_start(user=org.agent, service_request=sr)
    sr = services.servicerequest_escalate_to_complaint(user=org.agent, service_request=sr,
                                                       reason="客户对解释不满意")  # fmt: skip
    assert sr.status == Status.ESCALATED and sr.closed_at is not None
    complaint = Complaint.objects.get()
    assert sr.complaint == complaint
    assert list(complaint.service_requests.all()) == [sr]
    assert complaint.client == sr.client and complaint.topic == "fees"
    assert sr.number in complaint.description and complaint.first_responder == org.agent
    # worked as the complaint now: no reopen, no second escalation
    assert {a.name for a in SERVICE_REQUEST_WORKFLOW.allowed(org.agent, sr)} == set()
    with pytest.raises(TransitionNotAllowed):
        services.servicerequest_reopen(user=org.agent, service_request=sr, reason="x")


def test_escalation_is_one_transaction(org, monkeypatch):
    from complaints import services as complaint_services

    sr = receive(org)

    def broken(**kwargs):
        raise ValidationError({"description": ["坏"]})

    monkeypatch.setattr(complaint_services, "complaint_receive", broken)
    with pytest.raises(ValidationError):
        services.servicerequest_escalate_to_complaint(user=org.agent, service_request=sr,
                                                      reason="不满")  # fmt: skip
    sr.refresh_from_db()
    assert sr.status == Status.RECEIVED and sr.complaint is None and sr.version == 1


def test_sla_warning_and_escalation_once_each(org):
    with time_machine.travel(at(2025, 10, 30, 9), tick=False):
        sr = receive(org)  # due 10-31 09:00, warned 2 hours before
    only = ("service_request.",)
    assert sla.scan(now=at(2025, 10, 30, 12), only=only) == 0
    assert sla.scan(now=at(2025, 10, 31, 7, 30), only=only) == 1  # warning
    assert sla.scan(now=at(2025, 10, 31, 8), only=only) == 0
    kinds = set(Reminder.objects.filter(object_id=sr.pk).values_list("kind", flat=True))
    assert kinds == {"warning"}
    assert sla.scan(now=at(2025, 10, 31, 10), only=only) == 2  # breach and escalation
    assert sla.scan(now=at(2025, 10, 31, 10), only=only) == 0  # twice: nothing twice
    assert sla.scan(now=at(2025, 11, 5, 10), only=only) == 0
    kinds = sorted(Reminder.objects.filter(object_id=sr.pk).values_list("kind", flat=True))
    assert kinds == ["breach", "escalation-1", "warning"]
    to_bm = Notification.objects.filter(
        recipient=org.bm, kind="service_request.answer:escalation-1"
    )
    assert to_bm.count() == 1
    assert Notification.objects.filter(recipient=org.agent).count() == 2  # warning, breach


def test_waiting_stops_the_clock(org):
    with time_machine.travel(at(2025, 10, 30, 9), tick=False):
        sr = receive(org)
        sr = services.servicerequest_start(user=org.agent, service_request=sr)
        services.servicerequest_wait_for_client(user=org.agent, service_request=sr, note="等")
    assert sla.scan(now=at(2025, 11, 3, 10), only=("service_request.",)) == 0


def test_category_save_is_for_hq(org):
    with pytest.raises(PermissionDenied):
        services.category_save(user=org.bm, data={"code": "x", "name": "x"})
    parent = category("fees")
    sub = services.category_save(user=org.hq, data={"code": "fees_margin", "name": "融资利息",
                                                    "parent": parent})  # fmt: skip
    assert sub.parent == parent
    with pytest.raises(ValidationError):
        services.category_save(user=org.hq, data={"code": "y", "name": "y", "parent": sub})
