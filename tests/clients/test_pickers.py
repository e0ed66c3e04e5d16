"""The client picker (clients.pickers): a type-ahead over the user's own scope by name,
pinyin initials, the last 4 phone digits or the client number, shown as name · masked
phone · branch; without JavaScript the typed text must match one client."""

import pytest
from django.urls import reverse

from clients.pickers import ClientPickField, pick_results
from tests.factories import make_client
from visits.forms import VisitPlanForm
from visits.models import VisitPlan


@pytest.fixture
def book(org):
    return {
        "wang": make_client(org.am, name="王建国", client_no="1100000001", phone="13800001234"),
        "wu": make_client(org.am, name="吴先生", client_no="1100000002", phone="13900005678"),
        "theirs": make_client(
            org.am_sh, name="王建业", client_no="3100000001", phone="13700001234"
        ),
    }


def texts(user, q):
    return [r["text"] for r in pick_results(user, q)]


@pytest.mark.parametrize("q", ["wj", "WJG", "王建", "1234", "1100000001", "13800001234"], ids=str)
def test_it_finds_by_initials_name_phone_digits_and_number_in_scope_only(org, book, q):
    results = pick_results(org.am, q)
    assert [r["value"] for r in results] == [f"id:{book['wang'].pk}"]  # never 王建业 (SH)
    assert results[0]["text"] == "王建国 · 138****1234 · 北京营业部"


def test_nothing_under_two_letters_and_names_masked_for_agents(org, book):
    assert pick_results(org.am, "w") == [] and pick_results(org.am, " ") == []
    assert texts(org.am, "王") == ["王建国 · 138****1234 · 北京营业部"]  # one hanzi is enough
    assert texts(org.agent, "1234") == ["王** · 138****1234 · 北京营业部"]


def test_the_json_endpoint_answers_the_users_scope_in_a_fixed_number_of_queries(
    client, org, book, query_baseline
):
    for i in range(20):
        make_client(org.am, name=f"王客户{i}", client_no=f"11000001{i:02d}")
    client.force_login(org.am_sh)
    with query_baseline("clients:pick"):
        response = client.get(reverse("clients:pick"), {"q": "wj"})
    assert response.json() == {
        "results": [
            {"value": f"id:{book['theirs'].pk}", "text": "王建业 · 137****1234 · 上海营业部"}
        ]
    }
    assert response["Cache-Control"] == "private, no-store"
    client.force_login(org.am)
    assert len(client.get(reverse("clients:pick"), {"q": "王"}).json()["results"]) == 20


def field_for(user):
    field = ClientPickField()
    field.scope(user)
    return field


def test_the_field_takes_the_pickers_value_or_a_text_matching_one_client(org, book):
    field = field_for(org.am)
    assert field.clean(f"id:{book['wu'].pk}") == book["wu"]
    assert field.clean("吴先生") == book["wu"]  # typed without JavaScript
    assert field.clean("5678") == book["wu"]
    assert field.prepare_value(book["wu"]) == f"id:{book['wu'].pk}"
    assert field.widget.label == "吴先生 · 139****5678 · 北京营业部"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("id:{theirs}", "您可查看的客户中没有这个客户"),
        ("id:x", "您可查看的客户中没有这个客户"),
        ("王建业", "没有找到该客户"),  # another branch's client: not found, not revealed
        ("11", "多位客户符合"),
        ("x", "没有找到该客户"),
    ],
)
def test_the_field_says_clearly_what_is_wrong(org, book, value, message):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as raised:
        field_for(org.am).clean(value.format(theirs=book["theirs"].pk))
    assert message in raised.value.messages[0]


def test_the_visit_plan_form_shows_the_picker_and_the_chosen_client_again(client, org, book):
    client.force_login(org.am)
    html = client.get(reverse("visits:create"), {"client": book["wu"].pk}).content.decode()
    assert 'data-picker-url="/clients/pick/"' in html
    assert f'value="id:{book["wu"].pk}"' in html
    assert 'data-picker-label="吴先生 · 139****5678 · 北京营业部"' in html
    assert "tom-select.base.min.js" in html and "crm/picker.js" in html
    form = VisitPlanForm({"client": f"id:{book['wu'].pk}"}, user=org.am)
    form.is_valid()
    assert "client" not in form.errors
    assert not VisitPlan.objects.exists()
