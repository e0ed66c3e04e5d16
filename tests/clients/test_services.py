from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from clients import services
from clients.history import ledger
from clients.imports import run_import
from clients.models import AccountSnapshot, Client, Holding, ImportJob, RiskAssessment, Stage
from crm import sla
from crm.models import Notification, Reminder
from crm.services import TransitionNotAllowed
from crm.workdays import SHANGHAI
from tests.factories import make_client, valid_id_number

ID = "11010519491231002X"


def test_id_number_is_stored_encrypted_with_a_keyed_hash(org):
    client = make_client(org.am, id_number=ID, client_no="1100000001")
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM clients_client WHERE id = %s", [client.pk])
        row = " ".join(str(v) for v in cur.fetchone())
        cur.execute("SELECT * FROM clients_historicalclient WHERE id = %s", [client.pk])
        history = " ".join(str(v) for r in cur.fetchall() for v in r)
    assert ID not in row and ID[:14] not in row
    assert ID not in history
    assert Client.objects.get(pk=client.pk).id_number == ID
    assert client.id_number_hash and len(client.id_number_hash) == 64


def test_birth_date_and_gender_come_from_the_id_card(org):
    client = make_client(org.am, id_number=ID, birth_date=date(2000, 1, 1), gender="male")
    assert client.birth_date == date(1949, 12, 31) and client.gender == "female"


def test_no_two_clients_with_the_same_id_number(org):
    make_client(org.am, id_number=ID)
    with pytest.raises(ValidationError) as exc:
        make_client(org.am2, name="李四", id_number=ID.lower())
    assert "id_number" in exc.value.message_dict
    assert Client.objects.count() == 1


def test_bad_input_is_refused_with_a_message_per_field(org):
    with pytest.raises(ValidationError) as exc:
        services.client_create(user=org.am, data={
            "name": " ", "phone": "12345", "email": "not-mail", "id_type": "id_card",
            "id_number": "110105194912310021",
        })  # fmt: skip
    assert set(exc.value.message_dict) >= {"name", "phone", "email", "id_number"}
    assert not Client.objects.exists()


def test_identity_change_needs_a_reason_and_is_in_the_history(org):
    client = make_client(org.am, id_number=ID, client_no="1100000001")
    client = services.client_update(user=org.am, client=client, data={"phone": "13900139000"})
    with pytest.raises(ValidationError) as exc:
        services.client_update(user=org.am, client=client, data={"name": "张叁"})
    assert "reason" in exc.value.message_dict
    client = services.client_update(
        user=org.am, client=client, data={"name": "张叁"}, reason="身份证换发，姓名更正"
    )
    rows = ledger(client)
    assert rows[0]["reason"] == "身份证换发，姓名更正"
    assert rows[0]["user"] == org.am.staff.display_name
    assert [(c.label, c.old, c.new) for c in rows[0]["changes"]] == [("姓名", "张三", "张叁")]
    phone_change = rows[1]["changes"][0]
    assert (phone_change.old, phone_change.new) == ("138****8000", "139****9000")  # masked
    assert rows[-1]["created"]


def test_a_stale_version_is_refused(org):
    client = make_client(org.am, client_no="1100000001")
    services.client_update(user=org.am, client=client, data={"address": "北京"}, version=1)
    with pytest.raises(services.ConcurrentUpdate):
        services.client_update(user=org.am, client=client, data={"address": "上海"}, version=1)
    assert Client.objects.get(pk=client.pk).address == "北京"


def test_roles_that_may_not_edit(org):
    client = make_client(org.am, client_no="1100000001")
    for user in (org.agent, org.compliance, org.advisor, org.am2):
        with pytest.raises(PermissionDenied):
            services.client_update(user=user, client=client, data={"address": "x"})


def test_potential_client_opens_an_account_keeping_its_history(org):
    client = make_client(org.am, name="潜在客户甲", grade="A", seeks="service")
    assert client.stage == Stage.POTENTIAL and client.client_no is None
    opened = services.client_open_account(
        user=org.am, client=client, client_no="1100000077", opened_on=date.today()
    )
    assert opened.stage == Stage.NEW and opened.grade == ""
    assert opened.profile_due_on == date.today() + timedelta(days=30)
    assert opened.history.count() == 2
    with pytest.raises(TransitionNotAllowed):
        services.client_open_account(
            user=org.am, client=opened, client_no="x", opened_on=date.today()
        )
    other = make_client(org.am, name="潜在客户乙")
    with pytest.raises(ValidationError):
        services.client_open_account(
            user=org.am, client=other, client_no="1100000077", opened_on=date.today()
        )


def test_failing_credit_code_needs_a_branch_manager_and_a_reason(org):
    data = {
        "client_type": "institution",
        "name": "某某投资有限公司",
        "credit_code": "91350100M000100Y44",
        "client_no": "1100000009",
    }
    with pytest.raises(ValidationError) as exc:
        make_client(org.am, **{k: v for k, v in data.items() if k != "name"}, name=data["name"])
    assert "credit_code" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        make_client(org.am, **{**data, "credit_code_override_reason": "营业执照原件核对无误"})
    assert "credit_code_override_reason" in exc.value.message_dict
    client = services.client_create(
        user=org.bm, data={**data, "owner": org.am, "credit_code_override_reason": "原件核对无误"}
    )
    assert client.credit_code_override_reason == "原件核对无误"
    assert make_client(
        org.am, **{**data, "credit_code": "91350100M000100Y43", "client_no": "1100000010"}
    ).credit_code


def test_reassign_by_branch_manager_only_within_the_branch(org):
    clients = [make_client(org.am, name=f"客户{i}", client_no=f"11000001{i}") for i in range(3)]
    with pytest.raises(PermissionDenied):
        services.clients_reassign(user=org.am, clients=clients, owner=org.am2, reason="调岗")
    with pytest.raises(ValidationError):
        services.clients_reassign(user=org.bm, clients=clients, owner=org.am_sh, reason="调岗")
    with pytest.raises(ValidationError):
        services.clients_reassign(user=org.bm, clients=clients, owner=org.am2, reason="")
    assert (
        services.clients_reassign(
            user=org.bm, clients=clients, owner=org.am2, reason="客户经理离职交接"
        )
        == 3
    )
    assert set(Client.objects.values_list("owner__username", flat=True)) == {"am2"}
    assert ledger(clients[0])[0]["reason"] == "客户经理离职交接"


def test_risk_assessments_are_kept_and_the_newest_counts(org):
    client = make_client(org.am, client_no="1100000001")
    services.risk_assessment_record(
        user=org.am, client=client, assessed_on=date(2025, 3, 1), score=60, risk_level="C3"
    )
    services.risk_assessment_record(
        user=org.am, client=client, assessed_on=date(2024, 3, 1), score=30, risk_level="C1"
    )  # an older paper form
    client.refresh_from_db()
    assert client.risk_level == "C3" and client.risk_expires_on == date(2027, 3, 1)
    assert RiskAssessment.objects.filter(client=client).count() == 2
    with pytest.raises(ValidationError):
        services.risk_assessment_record(
            user=org.am,
            client=client,
            assessed_on=date.today() + timedelta(days=1),
            score=10,
            risk_level="C9",
        )


def _at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def test_data_duty_reminders_through_the_sla_clock(org):
    with time_machine.travel(_at(2025, 9, 1, 9), tick=False):
        client = make_client(org.am, client_no="1100000001", opened_on=date(2025, 9, 1))
        services.risk_assessment_record(
            user=org.am, client=client, assessed_on=date(2023, 10, 20), score=50, risk_level="C3"
        )
    assert client.profile_due_on == date(2025, 10, 1)
    Notification.objects.all().delete()
    with time_machine.travel(_at(2025, 9, 25, 9), tick=False):  # within a week and a month
        assert sla.scan() == 2
    sent = set(Reminder.objects.values_list("clock", "kind"))
    assert sent == {
        ("client.profile_completion", "warning"),
        ("client.risk_reassessment", "warning"),
    }
    notes = Notification.objects.filter(recipient=org.am)
    assert notes.count() == 2 and all("张三" in n.title for n in notes)
    with time_machine.travel(_at(2025, 10, 21, 9), tick=False):
        sla.scan()
        sla.scan()
    assert Notification.objects.filter(recipient=org.bm).count() == 2  # both escalated once
    assert Notification.objects.filter(recipient=org.bm_sh).count() == 0


def test_identity_change_is_due_in_three_working_days_across_the_holiday(org):
    client = make_client(org.am, client_no="1100000001", id_number=ID)
    with time_machine.travel(_at(2025, 9, 30, 10), tick=False):
        client = services.client_report_identity_change(user=org.am, client=client, note="新身份证")
    assert client.identity_change_due_at == _at(2025, 10, 11, 10)  # a Saturday worked (调休)
    client = services.client_update(
        user=org.am,
        client=client,
        data={"id_type": "id_card", "id_number": valid_id_number(7)},
        reason="换发新身份证",
    )
    assert client.identity_change_due_at is None


def test_snapshot_upsert_is_idempotent_and_reports_bad_rows(org):
    a = make_client(org.am, client_no="1100000001")
    make_client(org.am_sh, name="上海客户", client_no="3100000001")
    rows = [
        {
            "client_no": "1100000001",
            "date": "2025-10-31",
            "total_assets": "100000.50",
            "cash": 5000,
            "commission": 12.3,
            "holdings": [{"security_code": "600519", "quantity": 100, "price": 1500}],
        },
        {"client_no": "1100000001", "date": "2025-11-30", "total_assets": 120000},
        {"client_no": "9999", "date": "2025-10-31", "total_assets": 1},
        {"client_no": "1100000001", "date": "2025-02-30", "total_assets": "x"},
        {"client_no": "3100000001", "date": "2025-10-31", "total_assets": 1},
        "not an object",
    ]
    first = services.snapshots_upsert(user=org.am, rows=rows)
    assert (first.received, first.stored) == (6, 2)
    assert sorted(e["index"] for e in first.errors) == [2, 3, 4, 5]
    bad = next(e for e in first.errors if e["index"] == 3)
    assert set(bad["errors"]) == {"date", "total_assets"}
    rows[0]["total_assets"] = "99999"
    rows[0]["holdings"] = [{"security_code": "000001", "quantity": 10}]
    second = services.snapshots_upsert(user=org.am, rows=rows)
    assert second.stored == 2
    assert AccountSnapshot.objects.filter(client=a).count() == 2
    assert AccountSnapshot.objects.get(client=a, date="2025-10-31").total_assets == 99999
    assert list(Holding.objects.values_list("security_code", flat=True)) == ["000001"]
    assert not AccountSnapshot.objects.exclude(client=a).exists()  # out of scope: not stored


def test_import_file_with_a_bad_row(org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    make_client(org.am, client_no="1100000001")
    content = (
        b"client_no,date,total_assets,cash,commission\n"
        b"1100000001,2025-10-31,1000,10,1\n"
        b"1100000001,2025-13-01,1000,10,1\n"
        b"1100000001,2025-11-30,2000,20,2\n"
    )
    job = ImportJob.objects.create(
        branch=org.bj,
        file=SimpleUploadedFile("snap.csv", content),
        original_name="snap.csv",
        created_by=org.bm,
    )
    assert run_import(job.pk) == 2
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.stored_rows, job.error_rows) == ("done", 3, 2, 1)
    assert "3,1100000001,日期：" in job.error_report  # file line 3, by the Chinese column name
    assert AccountSnapshot.objects.count() == 2
    assert run_import(job.pk) == 2  # done jobs are not run twice


def test_unreadable_import_fails_cleanly(org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    job = ImportJob.objects.create(
        branch=org.bj,
        file=SimpleUploadedFile("x.csv", b"foo,bar\n1,2\n"),
        original_name="x.csv",
        created_by=org.bm,
    )
    run_import(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "客户号" in job.message
