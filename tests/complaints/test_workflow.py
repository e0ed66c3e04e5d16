from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints import services
from complaints.models import Complaint, ComplaintEvent, Status
from complaints.signals import complaint_closed
from crm import services as crm_services
from crm import sla
from crm.models import Holiday, Notification, Reminder
from crm.services import TransitionNotAllowed
from tests.complaints.helpers import at, receive


def test_ticket_numbers_per_branch_and_day(org):
    with time_machine.travel(at(2025, 10, 30, 9), tick=False):
        first = receive(org, seq=1)
        second = receive(org, seq=2)
    assert first.ticket_no == "BJ01-20251030-001"
    assert second.ticket_no == "BJ01-20251030-002"
    assert first.first_responder == org.agent and first.status == Status.RECEIVED


def test_deadlines_across_national_day(org):
    complaint = receive(org, received_at=at(2025, 9, 30, 10, 0))
    assert complaint.first_response_due_at == at(2025, 9, 30, 10, 30)
    assert complaint.acknowledge_due_at == at(2025, 10, 1, 10, 0)
    assert complaint.initial_handling_due_at == at(2025, 10, 3, 10, 0)
    assert complaint.resolution_due_at == at(2025, 10, 16, 10, 0)


def test_deadlines_running_into_2027(org):
    with time_machine.travel(at(2026, 12, 28, 10), tick=False):
        complaint = receive(org)
    assert complaint.resolution_due_at == at(2027, 1, 6, 10, 0)  # Mon-Fri, no 2027 schedule


def test_policy_per_category_and_severity(org):
    from crm.models import SlaPolicy

    SlaPolicy.objects.create(code="complaint.resolution.major_economic", name="重大经济投诉办结",
                             target_value=15, target_unit="workdays", warn_before_minutes=60,
                             escalation_roles=["branch_manager", "hq"])  # fmt: skip
    general = receive(org, received_at=at(2025, 9, 30, 10), seq=1)
    major = receive(org, received_at=at(2025, 9, 30, 10), seq=2, category="major_economic")
    assert general.resolution_due_at == at(2025, 10, 16, 10)
    assert major.resolution_due_at > general.resolution_due_at


def test_happy_path_records_each_step_and_sla_outcomes(org):
    with time_machine.travel(at(2025, 10, 9, 9, 0), tick=False):
        c = receive(org)
    with time_machine.travel(at(2025, 10, 9, 9, 10), tick=False):
        c = services.complaint_acknowledge(user=org.agent, complaint=c, note="已致电客户")
    with time_machine.travel(at(2025, 10, 10, 9), tick=False):
        c = services.complaint_investigate(user=org.agent, complaint=c)
    with time_machine.travel(at(2025, 10, 22, 9), tick=False):  # late: due 10-20 09:00
        c = services.complaint_resolve(
            user=org.agent, complaint=c, resolution="已处理", feedback="书面回复"
        )
    c = services.complaint_review(user=org.am, complaint=c, note="复核通过", satisfaction=4)
    c = services.complaint_close(user=org.bm, complaint=c)
    assert c.status == Status.CLOSED
    assert (c.first_response_met, c.acknowledge_met, c.initial_handling_met,
            c.resolution_met) == (True, True, True, False)  # fmt: skip
    actions = list(ComplaintEvent.objects.filter(complaint=c).values_list("action", flat=True))
    assert actions == ["receive", "acknowledge", "investigate", "resolve", "review", "close"]


@pytest.mark.parametrize("step,kwargs", [
    ("investigate", {}), ("resolve", {"resolution": "x", "feedback": "y"}),
    ("review", {"note": "x"}), ("close", {}), ("reopen", {"reason": "x"}), ("resume", {}),
])  # fmt: skip
def test_forbidden_steps_from_received(org, step, kwargs):
    c = receive(org)
    with pytest.raises((TransitionNotAllowed, PermissionDenied)):
        getattr(services, f"complaint_{step}")(user=org.bm, complaint=c, **kwargs)
    assert Complaint.objects.get(pk=c.pk).status == Status.RECEIVED


def test_transfer_keeps_the_first_responder(org):
    c = receive(org)
    c = services.complaint_transfer(user=org.bm, complaint=c, handler=org.am2)
    c = services.complaint_transfer(user=org.bm, complaint=c, handler=org.am)
    assert c.first_responder == org.agent and c.handler == org.am
    assert Notification.objects.filter(recipient=org.am2, title__contains=c.ticket_no).exists()
    with pytest.raises(ValidationError):
        services.complaint_transfer(user=org.bm, complaint=c, handler=org.am_sh)


def _resolved(org, **extra):
    c = receive(org, **extra)
    c = services.complaint_acknowledge(user=org.agent, complaint=c)
    return services.complaint_resolve(user=org.agent, complaint=c, resolution="r", feedback="f")


def test_reviewer_is_not_the_handler(org):
    c = _resolved(org)
    with pytest.raises(PermissionDenied):
        services.complaint_review(user=org.agent, complaint=c, note="自己复核")
    with pytest.raises(PermissionDenied):
        services.complaint_review(user=org.compliance, complaint=c, note="合规复核")
    assert services.complaint_review(user=org.bm, complaint=c, note="ok").reviewer == org.bm


def test_major_economic_compensation_needs_branch_manager_approval(org):
    c = receive(org, category="major_economic", severity=5, claimed_compensation=Decimal("50000"))
    c = services.complaint_acknowledge(user=org.agent, complaint=c)
    with pytest.raises(TransitionNotAllowed):
        services.complaint_resolve(user=org.agent, complaint=c, resolution="r", feedback="f")
    with pytest.raises(PermissionDenied):
        services.complaint_approve_compensation(user=org.am, complaint=c, amount=30000)
    c = services.complaint_approve_compensation(user=org.bm, complaint=c, amount=30000)
    assert c.approved_compensation == 30000 and c.compensation_approved_by == org.bm
    c = services.complaint_resolve(user=org.agent, complaint=c, resolution="r", feedback="f")
    assert c.status == Status.RESOLVED


def test_refusal_needs_a_reason_and_is_recorded(org):
    c = receive(org)
    with pytest.raises(ValidationError):
        services.complaint_refuse(user=org.agent, complaint=c, reason=" ")
    c = services.complaint_refuse(user=org.agent, complaint=c, reason="不属于受理范围")
    assert c.status == Status.REFUSED and c.refused_reason == "不属于受理范围"
    assert c.events.last().action == "refuse"


def test_reopen_from_closed_with_reason(org):
    c = _resolved(org)
    c = services.complaint_review(user=org.bm, complaint=c, note="ok")
    c = services.complaint_close(user=org.bm, complaint=c)
    with pytest.raises(ValidationError):
        services.complaint_reopen(user=org.agent, complaint=c, reason="")
    c = services.complaint_reopen(user=org.agent, complaint=c, reason="客户再次来电")
    assert c.status == Status.INVESTIGATING and c.closed_at is None


def test_closing_sends_complaint_closed_once_after_commit(org, django_capture_on_commit_callbacks):
    received = []

    def handler(sender, complaint, **kwargs):
        received.append(complaint.pk)

    complaint_closed.connect(handler)
    try:
        c = _resolved(org)
        c = services.complaint_review(user=org.bm, complaint=c, note="ok")
        with django_capture_on_commit_callbacks(execute=True):
            services.complaint_close(user=org.bm, complaint=c)
        with pytest.raises(TransitionNotAllowed):
            services.complaint_close(user=org.bm, complaint=c)
    finally:
        complaint_closed.disconnect(handler)
    assert received == [c.pk]


def test_stale_version_is_refused(org):
    c = receive(org)
    services.complaint_acknowledge(user=org.agent, complaint=c, version=1)
    with pytest.raises(crm_services.ConcurrentUpdate):
        services.complaint_pause(user=org.bm, complaint=c, note="x", version=1)
    c.refresh_from_db()
    assert (c.status, c.version, c.events.count()) == (Status.ACKNOWLEDGED, 2, 2)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_people_transferring_at_once_one_wins(org):
    """Two threads, two connections, both sending the version they read: the row lock
    orders them and the second sees a newer version, so one transfer is applied."""
    import threading

    from django.db import connection

    c = receive(org)
    barrier = threading.Barrier(2)
    results = []

    def transfer(user, handler):
        barrier.wait()
        try:
            services.complaint_transfer(
                user=user, complaint=Complaint.objects.get(pk=c.pk), handler=handler, version=1
            )
            results.append("won")
        except crm_services.ConcurrentUpdate:
            results.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=transfer, args=(org.agent, org.am)),
        threading.Thread(target=transfer, args=(org.bm, org.am2)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["refused", "won"]
    c.refresh_from_db()
    assert c.version == 2 and c.events.filter(action="transfer").count() == 1


def test_pause_and_resume_move_the_deadlines_by_the_paused_time(org):
    with time_machine.travel(at(2025, 11, 3, 9), tick=False):
        c = receive(org)
        c = services.complaint_acknowledge(user=org.agent, complaint=c)
    due = c.resolution_due_at
    with time_machine.travel(at(2025, 11, 4, 9), tick=False):
        c = services.complaint_pause(user=org.agent, complaint=c, note="等待交割单")
    with time_machine.travel(at(2025, 11, 20, 9), tick=False):
        assert sla.scan() == 0  # paused: no reminder although the old deadline passed
    with time_machine.travel(at(2025, 11, 6, 9), tick=False):
        c = services.complaint_resume(user=org.agent, complaint=c)
    assert c.status == Status.ACKNOWLEDGED
    assert c.resolution_due_at == at(2025, 11, 14, 9)  # received 11-05 09:00 + 7 working days
    assert c.resolution_due_at > due


def test_each_warning_and_escalation_once_when_the_scan_runs_twice(org):
    with time_machine.travel(at(2025, 11, 3, 9, 0), tick=False):
        c = receive(org, seq=1)
    Notification.objects.all().delete()
    with time_machine.travel(at(2025, 11, 3, 9, 25), tick=False):
        assert sla.scan() == 1  # first response warning, 10 minutes before
        assert sla.scan() == 0
    with time_machine.travel(at(2025, 11, 3, 9, 45), tick=False):
        sla.scan()
        sla.scan()
    reminders = set(Reminder.objects.filter(object_id=c.pk).values_list("clock", "kind"))
    assert reminders == {
        ("complaint.first_response", "warning"),
        ("complaint.first_response", "breach"),
        ("complaint.first_response", "escalation-1"),
    }
    assert Notification.objects.filter(recipient=org.bm).count() == 1
    assert Notification.objects.filter(recipient=org.agent).count() == 2  # warning + breach
    assert Notification.objects.filter(recipient=org.hq).count() == 0
    with time_machine.travel(at(2025, 11, 4, 9, 45), tick=False):
        sla.scan()
        sla.scan()
    assert Notification.objects.filter(recipient=org.hq, title__contains=c.ticket_no).count() >= 1
    hq_before = Notification.objects.filter(recipient=org.hq).count()
    with time_machine.travel(at(2025, 11, 4, 9, 50), tick=False):
        sla.scan()
    assert Notification.objects.filter(recipient=org.hq).count() == hq_before


def test_holiday_edit_recomputes_open_complaints(org, django_capture_on_commit_callbacks):
    c = receive(org, received_at=at(2025, 9, 30, 10))
    done = receive(org, seq=2, received_at=at(2025, 9, 30, 10))
    done = services.complaint_refuse(user=org.agent, complaint=done, reason="x")
    text = "\n".join(f"{h.date} {h.kind} {h.name}" for h in Holiday.objects.filter(date__year=2025))
    with django_capture_on_commit_callbacks(execute=True):
        crm_services.holidays_enter_schedule(year=2025, text=text + "\n2025-10-15 holiday 加休")
    c.refresh_from_db()
    done.refresh_from_db()
    assert c.resolution_due_at == at(2025, 10, 17, 10)
    assert done.resolution_due_at == at(2025, 10, 16, 10)  # finished: left alone


def test_attachments_checked_and_archived_read_only(org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    c = receive(org)
    with pytest.raises(ValidationError):
        services.attachment_add(
            user=org.agent, complaint=c, upload=SimpleUploadedFile("virus.exe", b"x")
        )
    big = SimpleUploadedFile("scan.pdf", b"0" * (services.ATTACHMENT_UPLOAD.max_bytes + 1))
    with pytest.raises(ValidationError):
        services.attachment_add(user=org.agent, complaint=c, upload=big)
    services.attachment_add(
        user=org.agent, complaint=c, upload=SimpleUploadedFile("letter.pdf", b"%PDF-1.4")
    )
    services.attachment_add(user=org.agent, complaint=c, recording_ref="REC-2025-0001")
    assert c.attachments.count() == 2
    c = services.complaint_refuse(user=org.agent, complaint=c, reason="x")
    with pytest.raises(TransitionNotAllowed):
        services.attachment_add(user=org.agent, complaint=c, recording_ref="REC-2")


def test_unidentified_complainant_linked_later(org):
    c = services.complaint_receive(user=org.agent, data={
        "complainant_name": "来电人", "complainant_phone": "+86 138 1111 2222",
        "channel": "phone", "topic": "fees", "description": "收费不明",
    })  # fmt: skip
    assert c.client is None and c.complainant_phone == "13811112222"
    from tests.factories import make_client

    client = make_client(org.am, client_no="1100000009")
    c = services.complaint_link_client(user=org.agent, complaint=c, client=client)
    assert c.client == client


def test_intake_validation_stores_nothing(org):
    with pytest.raises(ValidationError) as exc:
        services.complaint_receive(user=org.agent, data={
            "channel": "pigeon", "topic": "x", "description": "", "severity": 9,
            "received_at": at(2099, 1, 1, 0),
        })  # fmt: skip
    assert set(exc.value.message_dict) >= {
        "channel",
        "topic",
        "description",
        "severity",
        "complainant_name",
        "received_at",
    }
    assert not Complaint.objects.exists()
    with pytest.raises(PermissionDenied):
        receive(org, user=org.compliance)
