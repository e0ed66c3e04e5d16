"""The client master and holdings in bulk: clients/bulk/ and holdings/bulk/ (issue #17)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from clients import services
from clients.crypto import decrypt, lookup_hash
from clients.models import Client, Holding
from crm import services as crm_services
from crm.models import StaffProfile
from tests.factories import make_client, valid_id_number

URL = "/api/v1/clients/bulk/"
HOLDINGS = "/api/v1/holdings/bulk/"


def token_api(user) -> APIClient:
    _token, key = crm_services.integration_token_issue(name="交易系统", user=user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def row(n: int, **extra) -> dict:
    return {
        "client_no": f"88{n:08d}", "name": f"批量{n}", "branch": "BJ01", "owner": "am",
        "client_type": "individual", "id_type": "id_card", "id_number": valid_id_number(n),
        "phone": f"+86 139 {n:08d}", "opened_on": "2024-03-01", "account_status": "normal",
        "investor_class": "ordinary", "risk_level": "C3", "risk_assessed_on": "2025-01-10",
        **extra,
    }  # fmt: skip


def history_count(client_no=None) -> int:
    records = Client.history.all()
    return (records.filter(client_no=client_no) if client_no else records).count()


def test_create_update_and_identical_again(org):
    api = token_api(org.integration)
    rows = [row(1), row(2, client_type="institution", id_type="credit_code",
                       id_number="91110000100000000X", credit_code="", risk_level="")]  # fmt: skip
    first = api.post(URL, rows, format="json")
    assert first.status_code == 200, first.json()
    assert first.json() | {"errors": []} == {"received": 2, "stored": 2, "created": 2,
                                            "updated": 0, "unchanged": 0, "removed": 0,
                                            "errors": []}  # fmt: skip
    one = Client.objects.get(client_no="8800000001")
    assert (one.owner, one.branch, one.stage, one.version) == (org.am, org.bj, "new", 1)
    assert one.phone == "13900000001" and one.name_initials == "pl1"
    assert decrypt(one.id_number_encrypted) == valid_id_number(1)
    assert str(one.birth_date) == "1990-01-01" and one.gender == "male"
    assert str(one.risk_expires_on) == "2027-01-10" and one.review_due_on is not None
    assert one.completeness == 40  # name, ID, phone, risk level of the ten
    assert Client.objects.get(id_number_hash=lookup_hash(f"id_card:{valid_id_number(1)}")) == one
    assert history_count() == 2
    assert Client.history.filter(client_no="8800000001").get().history_type == "+"

    again = api.post(URL, rows, format="json").json()
    assert (again["stored"], again["created"], again["updated"], again["unchanged"]) == (
        2, 0, 0, 2)  # fmt: skip
    assert history_count() == 2 and Client.objects.get(pk=one.pk).version == 1

    changed = api.post(URL, [row(1, phone="13700000000", risk_level="C4"), rows[1]],
                       format="json").json()  # fmt: skip
    assert (changed["created"], changed["updated"], changed["unchanged"]) == (0, 1, 1)
    one.refresh_from_db()
    assert (one.phone, one.risk_level, one.version) == ("13700000000", "C4", 2)
    assert one.id_number == valid_id_number(1)  # the ciphertext kept, still readable
    lines = Client.history.filter(client_no="8800000001").order_by("history_id")
    assert [h.history_type for h in lines] == ["+", "~"]
    assert lines.last().history_user == org.integration
    # a key left out keeps the stored value
    partial = {k: v for k, v in row(1).items() if k not in ("phone", "risk_level")}
    assert api.post(URL, [partial], format="json").json()["unchanged"] == 1
    # an opened account keeps its opening date when none is sent
    assert api.post(URL, [{**partial, "opened_on": ""}], format="json").json()["unchanged"] == 1


def test_row_errors_with_index_and_nothing_stored_for_them(org):
    crm_services.staff_assign(user=org.am2, branch=org.bj, role="account_manager",
                              staff_no="E1002")  # fmt: skip
    assert StaffProfile.objects.get(user=org.am2).staff_no == "E1002"
    make_client(org.am, client_no="1100000001", id_number=valid_id_number(50))
    bad_check = valid_id_number(3)[:-1] + ("0" if valid_id_number(3)[-1] != "0" else "1")
    rows = [
        row(1, owner="E1002"),  # by staff number
        row(2, id_number=bad_check),
        row(3, phone="12345"),
        row(4, id_number=valid_id_number(50)),  # another client's ID
        row(5, id_number=valid_id_number(1)),  # row 0's ID again
        row(6, branch="XX99"),
        row(7, owner="nobody"),
        row(8, owner="am_sh"),  # works in another branch
        row(1, name="重复"),  # client number again
        "not a row",
        row(9, risk_level="C9", opened_on="2999-01-01"),
    ]
    response = token_api(org.integration).post(URL, rows, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["received"], body["stored"], body["created"]) == (11, 1, 1)
    errors = {e["index"]: e for e in body["errors"]}
    assert sorted(errors) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert set(errors[1]["errors"]) == {"id_number"} and errors[1]["client_no"] == "8800000002"
    assert set(errors[2]["errors"]) == {"phone"}
    assert set(errors[3]["errors"]) == {"id_number"}
    assert set(errors[4]["errors"]) == {"id_number"}
    assert errors[5]["errors"] == {"branch": ["没有此代码的营业部。"]}  # in Chinese
    assert set(errors[6]["errors"]) == {"owner"} and set(errors[7]["errors"]) == {"owner"}
    assert set(errors[8]["errors"]) == {"client_no"}
    assert set(errors[9]["errors"]) == {"non_field_errors"}
    assert set(errors[10]["errors"]) == {"risk_level", "opened_on"}
    assert set(Client.objects.values_list("client_no", flat=True)) == {"1100000001",
                                                                       "8800000001"}  # fmt: skip
    assert Client.objects.get(client_no="8800000001").owner == org.am2
    only_bad = token_api(org.integration).post(URL, rows[1:3], format="json")
    assert only_bad.status_code == 400 and only_bad.json()["stored"] == 0
    assert token_api(org.integration).post(URL, {"rows": 1}, format="json").status_code == 400


def test_scope_per_row_and_roles(org):
    shanghai = make_client(org.am_sh, name="上海", client_no="3100000001")
    rows = [row(1), row(2, branch="SH01", owner="am_sh"),
            {**row(3), "client_no": "3100000001"}]  # fmt: skip
    body = token_api(org.integration_bj).post(URL, rows, format="json").json()
    assert body["stored"] == 1
    assert {e["index"]: set(e["errors"]) for e in body["errors"]} == {
        1: {"branch"}, 2: {"client_no"}}  # fmt: skip
    shanghai.refresh_from_db()
    assert shanghai.branch == org.sh and shanghai.name == "上海"
    for user in (org.am, org.agent, org.compliance):
        api = APIClient()
        api.force_authenticate(user)
        assert api.post(URL, [row(4)], format="json").status_code == 403
    api = APIClient()
    api.force_authenticate(org.bm)
    assert api.post(URL, [row(4)], format="json").json()["created"] == 1
    # the headquarters system may move a client to another branch
    moved = token_api(org.integration).post(URL, [row(4, branch="SH01", owner="am_sh")],
                                            format="json").json()  # fmt: skip
    assert moved["updated"] == 1
    assert Client.objects.get(client_no="8800000004").branch == org.sh


def test_row_limit(org, settings):
    settings.CRM_CLIENT_BULK_MAX_ROWS = 2
    response = token_api(org.integration).post(URL, [row(1), row(2), row(3)], format="json")
    assert response.status_code == 400 and not Client.objects.exists()


@pytest.mark.parametrize("size", [100, 1000])
def test_query_count_does_not_grow_with_the_rows(org, query_baseline, size):
    from crm.sla import get_policy

    get_policy(services.PROFILE_POLICY), get_policy(services.REVIEW_POLICY)  # created once
    rows = [row(n) for n in range(size)]
    with query_baseline("clients:bulk-upsert"):
        result = services.clients_upsert(user=org.integration, rows=rows)
    assert result.created == size and not result.errors
    assert history_count() == size


def test_holdings_replace_the_day_and_are_idempotent(org):
    make_client(org.am, client_no="1100000001")
    make_client(org.am_sh, name="上海", client_no="3100000001")
    api = token_api(org.integration_bj)
    rows = [
        {"client_no": "1100000001", "date": "2025-10-31", "security_code": "600519",
         "security_name": "贵州茅台", "quantity": "100", "cost": "1500", "price": "1600"},
        {"client_no": "1100000001", "date": "2025-10-31", "security_code": "000001",
         "quantity": "2000", "price": "11.5"},
        {"client_no": "3100000001", "date": "2025-10-31", "security_code": "600000",
         "quantity": "1"},  # another branch: not this system's client
        {"client_no": "1100000001", "date": "2025-10-31", "security_code": "600519",
         "quantity": "5"},  # the same position twice
        {"client_no": "1100000001", "date": "soon", "security_code": "", "quantity": "x"},
    ]  # fmt: skip
    body = api.post(HOLDINGS, rows, format="json").json()
    assert (body["stored"], body["created"]) == (2, 2)
    assert {e["index"]: set(e["errors"]) for e in body["errors"]} == {
        2: {"client_no"}, 3: {"security_code"}, 4: {"date", "security_code"}}  # fmt: skip
    again = api.post(HOLDINGS, rows, format="json").json()
    assert (again["unchanged"], again["created"], again["updated"]) == (2, 0, 0)
    sold = api.post(HOLDINGS, [{**rows[0], "quantity": "50"}], format="json").json()
    assert (sold["updated"], sold["removed"]) == (1, 1)
    held = Holding.objects.get(client__client_no="1100000001")
    assert (held.security_code, str(held.quantity)) == ("600519", "50.00")
    api_am = APIClient()
    api_am.force_authenticate(org.am)
    assert api_am.post(HOLDINGS, rows[:1], format="json").status_code == 403


def test_the_single_client_rules_are_the_bulk_rules(org):
    """One rule: the same ID number error from client_create and from the bulk load."""
    from django.core.exceptions import ValidationError

    bad = valid_id_number(7)[:-1] + ("0" if valid_id_number(7)[-1] != "0" else "1")
    with pytest.raises(ValidationError) as single:
        services.client_create(user=org.am, data={"name": "甲", "id_type": "id_card",
                                                  "id_number": bad, "owner": org.am})  # fmt: skip
    bulk = services.clients_upsert(user=org.integration, rows=[row(7, id_number=bad)])
    assert bulk.errors[0]["errors"]["id_number"] == single.value.message_dict["id_number"]


def test_a_changed_risk_level_is_a_suitability_change(org, django_capture_on_commit_callbacks):
    from callcenter.models import Callback

    api = token_api(org.integration)
    with django_capture_on_commit_callbacks(execute=True):
        api.post(URL, [row(1)], format="json")  # a first level: no change of suitability
        api.post(URL, [row(1)], format="json")
    assert not Callback.objects.filter(reason="suitability").exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(URL, [row(1, risk_level="C5")], format="json").json()["updated"] == 1
    callback = Callback.objects.get(reason="suitability")
    assert callback.client.client_no == "8800000001"
