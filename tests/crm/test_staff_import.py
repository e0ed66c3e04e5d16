"""The organisation import (crm.services.staff): branches and staff upserted by key, the
role group following the role, per-row errors, leavers deactivated and never deleted."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from crm import services
from crm.models import Branch, Notification, Role, StaffProfile
from crm.services.staff import COLUMN_LABELS, COLUMNS, role_of, split_name
from tests.factories import PASSWORD

User = get_user_model()


def row(no="E2001", **extra):
    values = {"staff_no": no, "name": "欧阳娜娜", "role": "客户经理", "branch_code": "BJ01",
              "team": "财富一组", "email": f"{no.lower()}@example.com",
              "phone": "010-6500 1234"}  # fmt: skip
    values.update(extra)
    return values


def many(n, start=3000, **extra):
    return [row(f"E{start + i}", **extra) for i in range(n)]


def test_columns_are_documented_for_the_file_import():
    assert set(COLUMNS) <= set(COLUMN_LABELS)
    assert [COLUMN_LABELS[c] for c in COLUMNS] == [
        "工号", "姓名", "角色", "营业部代码", "团队", "电子邮箱", "电话", "在职"
    ]  # fmt: skip


def test_names_and_roles_are_read_as_personnel_files_write_them():
    assert split_name("王建国") == ("王", "建国")
    assert split_name("欧阳娜娜") == ("欧阳", "娜娜")
    assert split_name("李娜") == ("李", "娜")
    assert split_name("Anna Smith") == ("Smith", "Anna")
    assert (
        role_of("客户经理")
        == role_of("经纪人")
        == role_of("account_manager")
        == Role.ACCOUNT_MANAGER
    )
    assert role_of("营业部负责人") == Role.BRANCH_MANAGER
    assert role_of("Branch manager") == Role.BRANCH_MANAGER
    assert role_of("厨师") is None


def test_create_then_update_then_identical_writes_nothing(org):
    result = services.staff_upsert(user=org.hq, rows=[row()])
    assert result.as_dict() == {"received": 1, "stored": 1, "created": 1, "updated": 0,
                                "unchanged": 0, "errors": []}  # fmt: skip
    profile = StaffProfile.objects.select_related("user").get(staff_no="E2001")
    user = profile.user
    assert user.username == "E2001" and (user.last_name, user.first_name) == ("欧阳", "娜娜")
    assert profile.display_name == "欧阳娜娜" and profile.branch == org.bj
    assert (profile.role, profile.team, profile.phone) == (Role.ACCOUNT_MANAGER, "财富一组",
                                                           "010-6500 1234")  # fmt: skip
    assert user.email == "e2001@example.com" and user.is_active
    assert not user.has_usable_password()  # the directory or an administrator sets one
    assert list(user.groups.values_list("name", flat=True)) == [Role.ACCOUNT_MANAGER]

    with CaptureQueriesContext(connection) as identical:
        again = services.staff_upsert(user=org.hq, rows=[row()])
    assert (again.unchanged, again.stored, again.created, again.updated) == (1, 1, 0, 0)
    writes = [q["sql"] for q in identical.captured_queries
              if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]  # fmt: skip
    assert writes == []

    moved = services.staff_upsert(
        user=org.hq, rows=[row(role="branch_manager", branch_code="SH01", team="", name="欧阳娜")]
    )
    assert (moved.updated, moved.unchanged) == (1, 0)
    profile.refresh_from_db()
    assert (profile.role, profile.branch, profile.team) == (Role.BRANCH_MANAGER, org.sh, "")
    assert profile.user.first_name == "娜"
    # the role group follows the role, the old one is gone
    assert list(profile.user.groups.values_list("name", flat=True)) == [Role.BRANCH_MANAGER]


def test_a_login_made_before_the_first_import_takes_its_staff_number(org):
    result = services.staff_upsert(
        user=org.hq, rows=[row("E0007", username="am", name="王建国", role="account_manager")]
    )
    assert (result.created, result.updated) == (0, 1)
    assert StaffProfile.objects.get(user=org.am).staff_no == "E0007"
    assert User.objects.filter(username="am").count() == 1
    # a login that already has another staff number is refused
    clash = services.staff_upsert(user=org.hq, rows=[row("E0008", username="am")])
    assert clash.errors[0]["errors"] == {"username": ["此登录名属于工号 E0007。"]}


def test_per_row_errors_with_their_index_and_the_good_rows_stored(org):
    rows = [
        row("E1"),
        row("E2", branch_code="NOPE"),
        row("E3", role="厨师"),
        row("E1"),  # the same staff number again in this call
        row("E5", email="not-an-email"),
        "not an object",
        row("E 7", email=""),
        {"name": "无工号", "role": "客户经理", "branch_code": "BJ01"},
        row("E9", active="也许"),
    ]
    result = services.staff_upsert(user=org.hq, rows=rows)
    assert (result.received, result.stored, result.created) == (9, 1, 1)
    errors = {e["index"]: e["errors"] for e in result.errors}
    assert sorted(errors) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert errors[1] == {"branch_code": ["没有此代码的营业部。"]}
    assert list(errors[2]) == ["role"]
    assert list(errors[3]) == ["staff_no"] and list(errors[4]) == ["email"]
    assert list(errors[5]) == ["non_field_errors"] and list(errors[6]) == ["staff_no"]
    assert list(errors[7]) == ["staff_no"] and list(errors[8]) == ["active"]
    assert list(StaffProfile.objects.filter(staff_no__startswith="E").values_list(
        "staff_no", flat=True)) == ["E1"]  # fmt: skip


def test_only_headquarters_imports_the_organisation(org):
    for user in (org.bm, org.am, org.compliance, org.integration_bj):
        with pytest.raises(PermissionDenied):
            services.staff_upsert(user=user, rows=[row()])
        with pytest.raises(PermissionDenied):
            services.branches_upsert(user=user, rows=[{"code": "GZ01", "name": "广州"}])
        with pytest.raises(PermissionDenied):
            services.staff_deactivate(user=user, staff=org.am2.staff)
    # the headquarters system's token may
    assert services.staff_upsert(user=org.integration, rows=[row()]).created == 1
    assert not StaffProfile.objects.filter(staff_no="E9999").exists()


def test_branches_upsert_by_code(org):
    rows = [{"code": "GZ01", "name": "广州天河营业部", "kind": "营业部"},
            {"code": "BJ01", "name": "北京营业部"},  # as it is
            {"code": "SH01", "name": "上海陆家嘴营业部", "active": "否"},
            {"code": "HQ2", "name": "第二总部", "kind": "总部"},
            {"code": "bad code", "name": "x"},
            {"code": "GZ01", "name": "again"}]  # fmt: skip
    result = services.branches_upsert(user=org.hq, rows=rows)
    assert (result.created, result.updated, result.unchanged, result.stored) == (1, 1, 1, 3)
    assert [e["index"] for e in result.errors] == [3, 4, 5]
    assert result.errors[0]["errors"] == {"kind": ["已有一个总部。"]}
    assert Branch.objects.get(code="GZ01").name == "广州天河营业部"
    org.sh.refresh_from_db()
    assert not org.sh.is_active and org.sh.name == "上海陆家嘴营业部"


def test_deactivate_keeps_the_person_refuses_login_and_tells_the_branch_manager(org, client):
    from tests.factories import make_client

    make_client(org.am, client_no="1100000001")
    make_client(org.am, client_no="1100000002", name="李四", id_number=None)
    services.todo_create(created_by=org.bm, assignee=org.am, title="整理客户名单")
    profile = services.staff_deactivate(user=org.hq, staff=org.am.staff, reason="个人原因")
    org.am.refresh_from_db()
    assert not org.am.is_active and profile.left_on is not None
    assert User.objects.filter(pk=org.am.pk).exists()  # never deleted
    assert not client.login(username="am", password=PASSWORD)
    note = Notification.objects.get(recipient=org.bm, kind="staff.left")
    assert note.title == "王测试 已离职，名下 2 位客户待重新分配；1 项待办未完成"
    assert note.url == "/clients/leavers/" and note.body == "个人原因"
    assert not Notification.objects.filter(recipient=org.bm_sh, kind="staff.left").exists()
    # again: nothing more
    services.staff_deactivate(user=org.hq, staff=org.am.staff)
    assert Notification.objects.filter(kind="staff.left").count() == 1
    with pytest.raises(ValidationError):
        services.staff_deactivate(user=org.hq, staff=org.hq.staff)


def test_import_deactivates_and_takes_back(org):
    services.staff_upsert(user=org.hq, rows=[row("E0001", username="am2", name="李娜")])
    gone = services.staff_upsert(user=org.hq, rows=[row("E0001", name="李娜", active="离职")])
    assert gone.updated == 1
    org.am2.refresh_from_db()
    assert not org.am2.is_active and org.am2.staff.left_on is not None
    assert Notification.objects.filter(recipient=org.bm, kind="staff.left").count() == 1
    services.staff_upsert(user=org.hq, rows=[row("E0001", name="李娜", active="在职")])
    org.am2.refresh_from_db()
    assert org.am2.is_active and org.am2.staff.left_on is None


@pytest.mark.parametrize("size", [5, 60])
def test_staff_upsert_runs_a_fixed_number_of_queries(org, query_baseline, size):
    with query_baseline("crm:staff_upsert:create"):
        result = services.staff_upsert(user=org.hq, rows=many(size))
    assert result.created == size
    with query_baseline("crm:staff_upsert:update"):
        result = services.staff_upsert(user=org.hq, rows=many(size, role="投资顾问"))
    assert result.updated == size
    with query_baseline("crm:staff_upsert:identical"):
        result = services.staff_upsert(user=org.hq, rows=many(size, role="投资顾问"))
    assert result.unchanged == size


# --- API -----------------------------------------------------------------------------------
def token_client(user):
    _token, key = services.integration_token_issue(name="人事系统", user=user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def test_staff_bulk_api(org):
    api = token_client(org.integration)
    response = api.post("/api/v1/staff/bulk/", [row(), row("E2002", role="厨师")], format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["stored"]) == (1, 1)
    assert body["errors"] == [{"index": 1, "staff_no": "E2002", "errors": {"role": ["未知角色。"]}}]
    only_bad = api.post("/api/v1/staff/bulk/", [row("E2002", role="厨师")], format="json")
    assert only_bad.status_code == 400
    assert api.post("/api/v1/staff/bulk/", {"rows": []}, format="json").status_code == 400
    branch_system = token_client(org.integration_bj)
    assert branch_system.post("/api/v1/staff/bulk/", [row()], format="json").status_code == 403
    listed = api.get("/api/v1/staff/E2001/").json()
    assert listed["staff_no"] == "E2001" and listed["active"] is True


def test_branch_bulk_and_deactivate_api(org):
    api = APIClient()
    api.force_login(org.hq)
    response = api.post("/api/v1/branches/bulk/", [{"code": "GZ01", "name": "广州"}], format="json")
    assert response.status_code == 200 and response.json()["created"] == 1
    response = api.post("/api/v1/staff/am2/deactivate/", {"reason": "离职"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["active"] is False
    bad_day = api.post("/api/v1/staff/am/deactivate/", {"on": "2999-01-01"}, format="json")
    assert bad_day.status_code == 400
    org.am.refresh_from_db()
    assert org.am.is_active
    bm = APIClient()
    bm.force_login(org.bm)
    assert bm.post("/api/v1/staff/am/deactivate/", {}, format="json").status_code == 403
    assert bm.post("/api/v1/branches/bulk/", [], format="json").status_code == 403


# --- Admin ---------------------------------------------------------------------------------
def test_admin_deactivates_through_the_service_and_never_deletes(org, client):
    from django.contrib import admin

    from crm.admin import StaffProfileAdmin, StaffUserAdmin

    org.hq.is_staff = org.hq.is_superuser = True  # the user admin is for superusers
    org.hq.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(org.hq)
    response = client.post(
        "/admin/auth/user/",
        {"action": "deactivate", "_selected_action": [org.am2.pk]},
    )
    assert response.status_code == 302
    org.am2.refresh_from_db()
    assert not org.am2.is_active
    assert Notification.objects.filter(recipient=org.bm, kind="staff.left").exists()
    request = type("R", (), {"user": org.hq})()
    user_admin = admin.site._registry[User]
    assert isinstance(user_admin, StaffUserAdmin)
    assert not user_admin.has_delete_permission(request, org.am)
    get = RequestFactory().get("/admin/auth/user/")
    get.user = org.hq
    assert "delete_selected" not in user_admin.get_actions(get)
    assert "deactivate" in user_admin.get_actions(get)
    assert not admin.site._registry[StaffProfile].has_delete_permission(request, org.am.staff)
    assert isinstance(admin.site._registry[StaffProfile], StaffProfileAdmin)
    assert client.post(f"/admin/auth/user/{org.am.pk}/delete/", {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=org.am.pk).exists()
    page = client.get(f"/admin/crm/staffprofile/{org.am.staff.pk}/change/")
    assert page.status_code == 200 and "工号" in page.content.decode()


def test_open_callbacks_of_a_leaver_are_listed_in_the_notification(org):
    from tests.factories import CallbackFactory, make_client

    client = make_client(org.am, client_no="1100000001")
    CallbackFactory(client=client, assignee=org.am, reason="new_account")
    CallbackFactory(client=client, claimed_by=org.am, reason="complaint_closed")
    CallbackFactory(client=client, assignee=org.am, reason="visit", status="completed")
    services.staff_deactivate(user=org.hq, staff=org.am.staff)
    note = Notification.objects.get(recipient=org.bm, kind="staff.left")
    assert note.title == "王测试 已离职，名下 1 位客户待重新分配；2 条回访未完成"
