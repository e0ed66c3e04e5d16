"""Imports of several kinds with a dry run (issue #17 item 1, file part): a kind declared
once (clients.imports.ImportKind), a dry run that stores nothing but its counts and its
error report, the real import of the same file from the dry run's page, a template per
kind with Chinese headers, the progress part polled until the job ends, and who sees
which job (the branch's; only the kinds one's role may import)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.translation import gettext_lazy

from clients import imports
from clients.imports import ImportKind, import_job_create, import_job_from_dry_run, run_import
from clients.models import AccountSnapshot, ImportJob
from clients.services import SNAPSHOT_VERSION_KEY
from crm.models import Role
from tests.factories import make_client

CSV = (
    "客户号,日期,总资产（元）\n"
    "1100000001,2025-10-30,1000\n"
    "1100000001,2025-10-31,1100\n"
    "9999999999,2025-10-31,5\n"  # no such client
).encode()


def upload(content: bytes = CSV, name: str = "s.csv"):
    return SimpleUploadedFile(name, content)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@dataclass
class CountedResult:
    """A BulkResult as the bulk services tell it: with created/updated/unchanged."""

    received: int = 0
    stored: int = 0
    errors: list = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def names_upsert(*, user, rows):
    bad = [{"index": i, "errors": {"name": ["必填。"]}}
           for i, row in enumerate(rows) if not row["name"]]  # fmt: skip
    good = len(rows) - len(bad)
    return CountedResult(received=len(rows), stored=good, errors=bad, created=good)


@pytest.fixture
def hq_kind(monkeypatch):
    """A kind only headquarters may import, declared as a helper would declare one."""
    kind = ImportKind(
        key="names", label=gettext_lazy("Name"), columns=("username", "name"),
        required=("username", "name"),
        labels={"username": gettext_lazy("Username"), "name": gettext_lazy("Name")},
        example=("zhangsan", "张三"), upsert=names_upsert, roles=frozenset({Role.HQ}),
        id_column="username", date_columns=(),
    )  # fmt: skip
    monkeypatch.setitem(imports.KINDS, "names", kind)
    return kind


def test_a_dry_run_stores_nothing_but_its_counts_and_error_report_then_imports_for_real(
    org, media, django_capture_on_commit_callbacks
):
    make_client(org.am, client_no="1100000001")
    version = cache.get(SNAPSHOT_VERSION_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        dry = import_job_create(user=org.bm, upload=upload(), dry_run=True)
    dry.refresh_from_db()
    assert AccountSnapshot.objects.count() == 0  # nothing stored
    assert cache.get(SNAPSHOT_VERSION_KEY) == version  # nor the upsert's after-commit work
    assert (dry.status, dry.dry_run, dry.kind) == ("done", True, "snapshots")
    assert (dry.total_rows, dry.processed_rows, dry.stored_rows, dry.error_rows) == (3, 3, 2, 1)
    assert "试运行" in dry.message and "未保存" in dry.message
    report = list(csv.reader(io.StringIO(dry.error_report)))
    assert report[0] == ["行号", "客户号", "错误"]
    assert report[1][:2] == ["4", "9999999999"] and len(report) == 2

    with django_capture_on_commit_callbacks(execute=True):
        real = import_job_from_dry_run(user=org.bm, job=dry)
    real.refresh_from_db()
    assert real.pk != dry.pk and real.file.name == dry.file.name and not real.dry_run
    assert (real.status, real.stored_rows, real.error_rows) == ("done", 2, 1)
    assert AccountSnapshot.objects.count() == 2
    assert cache.get(SNAPSHOT_VERSION_KEY) != version
    assert real.error_report == dry.error_report  # the dry run told the truth


def test_only_a_finished_dry_run_is_imported_from(org, media):
    from django.core.exceptions import ValidationError

    job = import_job_create(user=org.bm, upload=upload())  # a real import
    with pytest.raises(ValidationError):
        import_job_from_dry_run(user=org.bm, job=job)
    dry = import_job_create(user=org.bm, upload=upload(), dry_run=True)
    ImportJob.objects.filter(pk=dry.pk).update(status="queued")
    dry.refresh_from_db()
    with pytest.raises(ValidationError):
        import_job_from_dry_run(user=org.bm, job=dry)
    assert ImportJob.objects.count() == 2


def test_the_page_dry_runs_shows_what_would_change_and_imports_without_a_second_upload(
    client, org, media, django_capture_on_commit_callbacks
):
    make_client(org.am, client_no="1100000001")
    client.force_login(org.bm)
    page = client.get(reverse("clients:import")).content.decode()
    assert "试运行（不保存）" in page and 'value="snapshots"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("clients:import"),
                               {"kind": "snapshots", "file": upload(), "dry_run": "1"})  # fmt: skip
    dry = ImportJob.objects.get()
    assert response.url == reverse("clients:import-status", args=[dry.pk]) and dry.dry_run
    html = client.get(response.url).content.decode()
    assert "将写入 2 行，1 行有错误" in html and "导入此文件" in html
    assert AccountSnapshot.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("clients:import-run", args=[dry.pk]))
    real = ImportJob.objects.exclude(pk=dry.pk).get()
    assert response.url == reverse("clients:import-status", args=[real.pk])
    assert AccountSnapshot.objects.count() == 2
    html = client.get(response.url).content.decode()
    assert "导入此文件" not in html and "100%" in html
    # the list: kind, status, progress, counts, who
    listing = client.get(reverse("clients:import")).content.decode()
    assert f'id="import-{dry.pk}"' in listing and f'id="import-{real.pk}"' in listing
    assert "将写入 2 行" in listing and "已写入 2 行" in listing and "账户快照" in listing


def test_a_kind_is_chosen_from_those_the_role_may_import(
    client, org, media, hq_kind, django_capture_on_commit_callbacks
):
    client.force_login(org.bm)
    assert 'value="names"' not in client.get(reverse("clients:import")).content.decode()
    for kind in ("names", "nope"):
        response = client.post(reverse("clients:import"), {"kind": kind, "file": upload()})
        assert response.status_code == 400 and "kind" in response.context["form"].errors
    assert not ImportJob.objects.exists()
    with pytest.raises(Exception) as refused:
        import_job_create(user=org.bm, upload=upload(), kind="names")
    assert type(refused.value).__name__ == "PermissionDenied"

    client.force_login(org.hq)
    assert 'value="names"' in client.get(reverse("clients:import")).content.decode()
    content = "用户名,名称\nli,李四\nwang,\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        body = {"kind": "names", "file": upload(content), "dry_run": "1"}
        response = client.post(reverse("clients:import"), body)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.kind == "names"
    job.refresh_from_db()
    assert (job.stored_rows, job.error_rows, job.created_rows) == (1, 1, 1)
    assert job.updated_rows == 0 and job.unchanged_rows == 0
    assert list(csv.reader(io.StringIO(job.error_report)))[1] == ["3", "wang", "名称：必填。"]
    html = client.get(reverse("clients:import-status", args=[job.pk])).content.decode()
    assert "新增 1 行，更新 0 行，未变 0 行" in html
    # a branch manager sees no job of a kind their role may not import, in their branch too
    ImportJob.objects.filter(pk=job.pk).update(branch=org.bj, created_by=org.bm)
    client.force_login(org.bm)
    assert client.get(reverse("clients:import-status", args=[job.pk])).status_code == 404
    assert f'id="import-{job.pk}"' not in client.get(reverse("clients:import")).content.decode()


def test_the_template_of_each_kind_has_its_chinese_headers(client, org, hq_kind):
    from openpyxl import load_workbook

    client.force_login(org.hq)
    url = reverse("clients:import-template")
    response = client.get(url, {"kind": "names", "format": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["用户名", "名称"], ["zhangsan", "张三"]]
    response = client.get(url, {"kind": "snapshots"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert next(sheet.iter_rows(values_only=True))[:3] == ("客户号", "日期", "总资产")
    assert client.get(url, {"kind": "nope"}).status_code == 400
    client.force_login(org.bm)
    assert client.get(url, {"kind": "names"}).status_code == 403


def test_headers_are_read_per_kind(hq_kind):
    assert [hq_kind.column_key(h) for h in ("用户名", "Name", "USERNAME", "名称（全名）")] == [
        "username", "name", "username", "name",
    ]  # fmt: skip
    assert imports.SNAPSHOTS.column_key("用户名") == "用户名"  # not a snapshot column


def test_the_progress_part_is_polled_until_the_job_ends(client, org, media):
    make_client(org.am, client_no="1100000001")
    job = ImportJob.objects.create(branch=org.bj, file=upload(), original_name="s.csv",
                                   created_by=org.bm)  # fmt: skip
    client.force_login(org.bm)
    url = reverse("clients:import-status", args=[job.pk])
    part = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert part.startswith('<div id="import-progress"') and "<html" not in part
    assert 'hx-trigger="every 2s"' in part and 'aria-valuenow="0"' in part
    run_import(job.pk)
    part = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in part and 'aria-valuenow="100"' in part
    assert "已处理 3 / 3 行" in part


def test_a_job_is_its_branchs(client, org, media):
    job = import_job_create(user=org.bm_sh, upload=upload(), dry_run=True)
    client.force_login(org.bm)
    for name in ("clients:import-status", "clients:import-errors"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert client.post(reverse("clients:import-run", args=[job.pk])).status_code == 404
    assert f'id="import-{job.pk}"' not in client.get(reverse("clients:import")).content.decode()
    client.force_login(org.hq)  # headquarters sees every branch's
    assert client.get(reverse("clients:import-status", args=[job.pk])).status_code == 200


def test_the_file_of_a_dry_run_is_kept_while_its_import_holds_it(org, media):
    from datetime import timedelta

    from django.utils import timezone

    from clients.imports import purge_import_files

    dry = import_job_create(user=org.bm, upload=upload(), dry_run=True)
    ImportJob.objects.filter(pk=dry.pk).update(
        status="done", finished_at=timezone.now() - timedelta(days=400)
    )
    dry.refresh_from_db()
    real = import_job_from_dry_run(user=org.bm, job=dry)  # still queued
    assert purge_import_files(timezone.now()) == 1
    real.refresh_from_db()
    assert real.file.storage.exists(real.file.name)
    ImportJob.objects.filter(pk=real.pk).update(
        status="done", finished_at=timezone.now() - timedelta(days=400)
    )
    assert purge_import_files(timezone.now()) == 1
    assert not real.file.storage.exists(real.file.name)


def test_a_double_click_on_import_queues_one_import(client, org, media):
    dry = import_job_create(user=org.bm, upload=upload(), dry_run=True)
    run_import(dry.pk)
    client.force_login(org.bm)
    html = client.get(reverse("clients:import-status", args=[dry.pk])).content.decode()
    token = html.split('name="form_token" value="')[1].split('"')[0]
    url = reverse("clients:import-run", args=[dry.pk])
    first = client.post(url, {"form_token": token})
    second = client.post(url, {"form_token": token})
    assert first.url == second.url and ImportJob.objects.filter(dry_run=False).count() == 1


def test_headquarters_imports_staff_from_a_file_with_chinese_headers(
    org, media, django_capture_on_commit_callbacks
):
    """The staff kind: the personnel file's Chinese headers, a dry run, then the import;
    a branch manager is not offered it."""
    from django.contrib.auth import get_user_model

    from crm.models import StaffProfile

    assert "staff" not in [k.key for k in imports.kinds_for(org.bm)]
    content = (
        "工号,姓名,角色,营业部代码,团队,电子邮箱,在职\n"
        "E9001,张伟,客户经理,BJ01,财富一组,zhangwei@example.com,是\n"
        "E9002,李娜,不存在的角色,BJ01,,,是\n"
    ).encode()
    with django_capture_on_commit_callbacks(execute=True):
        dry = import_job_create(user=org.hq, upload=upload(content), kind="staff", dry_run=True)
    dry.refresh_from_db()
    assert (dry.status, dry.stored_rows, dry.error_rows, dry.created_rows) == ("done", 1, 1, 1)
    assert not StaffProfile.objects.filter(staff_no="E9001").exists()
    report = list(csv.reader(io.StringIO(dry.error_report)))
    assert report[0] == ["行号", "工号", "错误"] and report[1][:2] == ["3", "E9002"]
    with django_capture_on_commit_callbacks(execute=True):
        real = import_job_from_dry_run(user=org.hq, job=dry)
    real.refresh_from_db()
    assert (real.stored_rows, real.error_rows) == (1, 1)
    person = StaffProfile.objects.select_related("user", "branch").get(staff_no="E9001")
    assert (person.role, person.branch.code, person.team) == ("account_manager", "BJ01", "财富一组")
    assert person.user.email == "zhangwei@example.com"
    assert not get_user_model().objects.get(pk=person.user_id).has_usable_password()


def test_the_client_master_is_imported_from_a_file_with_chinese_headers(
    org, media, django_capture_on_commit_callbacks
):
    from clients.crypto import decrypt
    from clients.models import Client
    from crm.services import staff_assign
    from tests.factories import valid_id_number

    staff_assign(user=org.am, branch=org.bj, role="account_manager", staff_no="E1001")
    number = valid_id_number(3)
    content = (
        "客户号,姓名,营业部代码,客户经理,证件类型,证件号码,手机号码,开户日期,风险等级\n"
        f"1100012345,张三,BJ01,E1001,id_card,{number},13800138000,2024-03-01,C3\n"
        "1100012346,李四,BJ01,nobody,,,139,2024-03-01,C9\n"
    ).encode()
    with django_capture_on_commit_callbacks(execute=True):
        dry = import_job_create(user=org.bm, upload=upload(content), kind="clients",
                                dry_run=True)  # fmt: skip
    dry.refresh_from_db()
    assert dry.status == "done", dry.message
    assert (dry.stored_rows, dry.error_rows, dry.created_rows) == (1, 1, 1)
    assert not Client.objects.filter(client_no="1100012345").exists()
    with django_capture_on_commit_callbacks(execute=True):
        real = import_job_from_dry_run(user=org.bm, job=dry)
    real.refresh_from_db()
    client = Client.objects.get(client_no="1100012345")
    assert (client.owner, client.risk_level, str(client.opened_on)) == (org.am, "C3", "2024-03-01")
    assert decrypt(client.id_number_encrypted) == number
    report = list(csv.reader(io.StringIO(real.error_report)))
    assert report[1][:2] == ["3", "1100012346"] and "手机号码" in report[1][2]
    # the same file again writes nothing
    with django_capture_on_commit_callbacks(execute=True):
        again = import_job_create(user=org.bm, upload=upload(content), kind="clients")
    again.refresh_from_db()
    assert (again.unchanged_rows, again.created_rows, again.updated_rows) == (1, 0, 0)


def test_holdings_of_one_client_and_day_are_never_split_between_batches(
    org, media, monkeypatch, django_capture_on_commit_callbacks
):
    """A client's holdings of a day replace that day's positions: a batch that ended in
    the middle of them would let the next batch remove the first half."""
    from clients.models import Holding

    make_client(org.am, client_no="1100000001")
    make_client(org.am, name="第二", client_no="1100000002")
    monkeypatch.setattr(imports, "BATCH", 2)
    content = (
        "客户号,日期,证券代码,证券名称,数量,现价\n"
        "1100000002,2026-11-30,000001,平安银行,100,11.5\n"
        "1100000001,2026-11-30,600519,贵州茅台,100,1500\n"  # the batch of 2 ends here
        "1100000001,2026-11-30,000002,万科A,300,8.1\n"  # the same client and day
        "1100000001,2026-11-30,601318,中国平安,200,50\n"
        "1100000002,2026-11-29,000001,平安银行,100,11.4\n"
    ).encode()
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_create(user=org.bm, upload=upload(content), kind="holdings")
    job.refresh_from_db()
    assert (job.status, job.stored_rows, job.error_rows) == ("done", 5, 0)
    held = set(Holding.objects.filter(client__client_no="1100000001")
               .values_list("security_code", flat=True))  # fmt: skip
    assert held == {"600519", "000002", "601318"}
    assert Holding.objects.filter(client__client_no="1100000002").count() == 2


def test_a_lookahead_gives_every_line_once():
    lines = imports.Lookahead(iter([1, 2, 3]))
    assert lines.peek() == 1 and next(lines) == 1 and lines.peek() == 2
    assert list(lines) == [2, 3] and lines.peek() is None
