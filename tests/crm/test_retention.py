"""Record keeping: regulated records cannot be deleted; the nightly purge removes only
what may go (crm/retention.py)."""

import os
import re
import uuid
from datetime import date, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory
from django.utils import timezone

from clients import services as client_services
from clients.models import Client, ImportJob, RiskAssessment
from complaints.models import Complaint, ComplaintEvent
from crm import retention, services
from crm.models import (
    AccessLog,
    ExportRequest,
    FormSubmission,
    IntegrationToken,
    Notification,
    Reminder,
    Todo,
)
from crm.retention import RegulatedRecordError
from tests.complaints.helpers import receive
from tests.factories import CallbackFactory, make_client

NOW = timezone.now()


def days_ago(n):
    return NOW - timedelta(days=n)


def log_entry(user, obj, *, days):
    entry = services.access_log_record(user=user, obj=obj, field="id_number")
    AccessLog.objects.filter(pk=entry.pk).update(occurred_at=days_ago(days))
    return entry


@pytest.fixture
def regulated(org):
    """One record of each regulated kind."""
    client = make_client(org.am, client_no="1100000099")
    complaint = receive(org)
    assessment = client_services.risk_assessment_record(
        user=org.am, client=client, assessed_on=date.today(), score=50, risk_level="C3"
    )
    callback = CallbackFactory(client=client, reason="new_account", due_at=NOW)
    return {
        "complaint": complaint,
        "event": ComplaintEvent.objects.filter(complaint=complaint).first(),
        "assessment": assessment,
        "callback": callback,
        "history": Client.history.filter(id=client.pk).first(),
    }


@pytest.mark.parametrize("key", ["complaint", "event", "assessment", "callback", "history"])
def test_regulated_records_refuse_an_orm_delete(regulated, key):
    record = regulated[key]
    with pytest.raises(RegulatedRecordError), transaction.atomic():
        record.delete()
    with pytest.raises(RegulatedRecordError), transaction.atomic():
        type(record).objects.filter(pk=record.pk).delete()
    assert type(record).objects.filter(pk=record.pk).exists()


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("complaints_complaint", "complaint"),
        ("complaints_complaintevent", "event"),
        ("clients_riskassessment", "assessment"),
        ("callcenter_callback", "callback"),
    ],
)
def test_the_database_refuses_a_raw_delete_of_regulated_records(regulated, table, key):
    with (
        pytest.raises(IntegrityError, match="archived, never deleted"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute(f"DELETE FROM {table} WHERE id = %s", [regulated[key].pk])
    assert type(regulated[key]).objects.filter(pk=regulated[key].pk).exists()


def test_the_client_ledger_refuses_a_raw_delete(regulated):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM clients_historicalclient")


def test_every_regulated_table_has_its_trigger(db):
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = 'crm_retention_guard'"
        )
        guarded = {r[0] for r in cur.fetchall()}
    expected = {m._meta.db_table for m in retention.regulated_models()} | {"crm_accesslog"}
    assert guarded == expected
    assert retention.install_delete_triggers() == len(expected)  # idempotent


def test_access_log_entries_are_kept_for_the_retention_period(org):
    todo = services.todo_create(created_by=org.am, assignee=org.am, title="t")
    recent = log_entry(org.am, todo, days=30)
    older_than_six_months = log_entry(org.am, todo, days=200)
    with pytest.raises(RegulatedRecordError), transaction.atomic():
        recent.delete()
    with pytest.raises(RegulatedRecordError), transaction.atomic():
        AccessLog.objects.get(pk=older_than_six_months.pk).delete()  # within 3 years
    # the database alone refuses anything younger than the legal 6 months
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM crm_accesslog WHERE id = %s", [recent.pk])
    ancient = log_entry(org.am, todo, days=4 * 365)
    AccessLog.objects.get(pk=ancient.pk).delete()  # past the period: allowed
    assert set(AccessLog.objects.values_list("pk", flat=True)) == {
        recent.pk,
        older_than_six_months.pk,
    }


def test_no_delete_in_the_admin_for_regulated_records(org):
    request = RequestFactory().get("/admin/")
    request.user = org.hq
    request.user.is_superuser = True
    regulated = set(retention.regulated_models())
    checked = 0
    for model, model_admin in admin.site._registry.items():
        if model in regulated or model is AccessLog:
            assert not model_admin.has_delete_permission(request), model
            checked += 1
        for inline in model_admin.inlines:
            if inline.model in regulated:
                assert not inline.can_delete, inline
                checked += 1
    assert checked >= 12


def test_complaints_are_archived_by_closing_and_kept_from_then(org):
    """Closing a complaint archives it: closed_at set, read-only, still there."""
    from complaints.models import Status

    complaint = receive(org)
    Complaint.objects.filter(pk=complaint.pk).update(status=Status.CLOSED, closed_at=NOW)
    assert retention.keep_until("complaints", NOW.date()) == NOW.date().replace(
        year=NOW.year + settings.CRM_RETENTION_COMPLAINT_YEARS
    )


# --- The purge ---------------------------------------------------------------------
@pytest.fixture
def purgeable(org, regulated, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    todo_open = services.todo_create(created_by=org.am, assignee=org.am, title="open")
    todo_done = services.todo_create(created_by=org.am, assignee=org.am, title="done")
    Todo.objects.filter(pk=todo_done.pk).update(status=Todo.Status.DONE)
    Notification.objects.all().delete()  # the "new to-do" notices
    made = {}
    made["log_old"] = log_entry(org.am, todo_open, days=3 * 365 + 5)
    made["log_kept"] = log_entry(org.am, todo_open, days=3 * 365 - 5)
    for days in (3 * 365 + 5, 3 * 365 - 5):
        ExportRequest.objects.create(kind="clients", reason="旧的", branch=org.bj,
                                     requested_by=org.am, requested_at=days_ago(days))  # fmt: skip
    made["note_old_read"], made["note_old_unread"], made["note_recent_read"] = (
        Notification.objects.create(recipient=org.am, title=t, created_at=days_ago(d), read_at=r)
        for t, d, r in [("a", 200, NOW), ("b", 200, None), ("c", 100, NOW)]
    )
    Session.objects.create(session_key="old", session_data="", expire_date=days_ago(1))
    Session.objects.create(session_key="live", session_data="", expire_date=NOW + timedelta(1))
    token_old, _key = services.integration_token_issue(name="旧", user=org.integration)
    IntegrationToken.objects.filter(pk=token_old.pk).update(revoked_at=days_ago(100))
    token_recent, _key = services.integration_token_issue(name="近", user=org.integration)
    IntegrationToken.objects.filter(pk=token_recent.pk).update(revoked_at=days_ago(10))
    made["token_live"], _key = services.integration_token_issue(name="用", user=org.integration)
    made["token_recent"] = token_recent
    todo_type = ContentType.objects.get_for_model(Todo)

    def reminder(todo, days):
        return Reminder.objects.create(
            content_type=todo_type, object_id=todo.pk, clock="todo.due", kind="breach",
            deadline=days_ago(days), created_at=days_ago(days),
        )  # fmt: skip

    made["rem_done_old"] = reminder(todo_done, 500)
    made["rem_open_old"] = reminder(todo_open, 500)
    made["rem_done_recent"] = reminder(todo_done, 10)
    jobs = {}
    for name, days in [("old", 40), ("recent", 5)]:
        job = ImportJob(branch=org.bj, original_name=f"{name}.csv", created_by=org.bm,
                        status=ImportJob.Status.DONE, finished_at=days_ago(days))  # fmt: skip
        job.file.save(f"{name}.csv", ContentFile(b"client_no,date,total_assets\n"))
        jobs[name] = job
    made["jobs"] = jobs
    for days in (2, 0):  # a create form's token: kept a day
        FormSubmission.objects.create(token=uuid.uuid4(), user=org.am, path="/todos/new/",
                                      created_at=days_ago(days))  # fmt: skip
    return made


def test_purge_removes_what_may_go_and_keeps_the_rest(purgeable, regulated):
    regulated_before = {type(r): type(r).objects.count() for r in regulated.values()}
    old_file = purgeable["jobs"]["old"].file.path
    dry = retention.purge(dry_run=True)
    assert AccessLog.objects.count() == 2  # the dry run deleted nothing
    done = retention.purge()
    assert (
        done
        == dry
        == {
            "access_log": 1,
            "export_requests": 1,
            "notifications": 1,
            "sessions": 1,
            "tokens": 1,
            "reminders": 1,
            "import_files": 1,
            "form_submissions": 1,
        }
    )
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [purgeable["log_kept"].pk]
    assert set(Notification.objects.values_list("title", flat=True)) == {"b", "c"}
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]
    assert set(IntegrationToken.objects.values_list("pk", flat=True)) == {
        purgeable["token_live"].pk,
        purgeable["token_recent"].pk,
    }
    assert set(Reminder.objects.values_list("pk", flat=True)) == {
        purgeable["rem_open_old"].pk,  # its to-do is still open: no second reminder
        purgeable["rem_done_recent"].pk,
    }
    old_job, recent_job = (ImportJob.objects.get(pk=j.pk) for j in purgeable["jobs"].values())
    assert not old_job.file and old_job.stored_rows == 0 and old_job.status == "done"
    assert recent_job.file
    assert not os.path.exists(old_file) and os.path.exists(recent_job.file.path)
    # regulated records are all still there, and a second run purges nothing
    assert {m: m.objects.count() for m in regulated_before} == regulated_before
    assert set(retention.purge().values()) == {0}


def test_purge_command_and_task(purgeable):
    out = StringIO()
    call_command("purge_expired_data", "--dry-run", stdout=out)
    assert "Total: 8 to purge." in out.getvalue()
    assert re.search(r"(Complaint files|投诉档案) \(at least 3 years\)", out.getvalue())
    from crm.tasks import purge_expired_data

    assert sum(purge_expired_data.delay().get().values()) == 8
    assert settings.CELERY_BEAT_SCHEDULE["nightly-purge"]["task"] == (
        "crm.tasks.purge_expired_data"
    )


def test_a_short_access_log_period_is_flagged(settings):
    settings.CRM_RETENTION_ACCESS_LOG_MONTHS = 3
    assert [w.id for w in retention.check_retention_settings()] == ["crm.W001"]
    assert retention.access_log_cutoff(NOW) <= NOW - timedelta(days=180)


def test_batches_find_everything(org):
    todo = services.todo_create(created_by=org.am, assignee=org.am, title="t")
    for _i in range(7):
        log_entry(org.am, todo, days=4 * 365)
    qs = AccessLog.objects.filter(occurred_at__lt=retention.access_log_cutoff())
    assert retention.delete_in_batches(qs, batch_size=3) == 7
    assert not AccessLog.objects.exists()


def test_regulated_risk_assessment_model_listed():
    assert RiskAssessment in retention.regulated_models()
