"""Issue #21 item 4: the client list's segmentation filters (page and API, one filter set)
and saved client lists, reused for event invitations, campaigns and exports, always on
the user's own scope."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from campaigns import segments
from clients import services
from clients.filters import ClientFilterSet, born_between
from clients.models import Client, SavedClientFilter
from clients.regions import region_code, region_from_address
from tests.factories import make_client, valid_id_number
from visits import services as visit_services
from visits.models import Invitation


def names(qs) -> list[str]:
    return sorted(qs.values_list("name", flat=True))


def filtered(user, **params) -> list[str]:
    qs = Client.objects.visible_to(user)
    fs = ClientFilterSet({k: str(v) for k, v in params.items()}, queryset=qs, user=user)
    assert fs.is_valid(), fs.errors
    return names(fs.qs)


@pytest.fixture
def book(org):
    """Clients of `am` (and one of `am2`) with the segmentation inputs set."""
    a = make_client(org.am, name="甲", client_no="1100000001", id_number=valid_id_number(1),
                    address="北京市朝阳区建国路1号", occupation="软件工程师",
                    tags=["两融", "科创板"], preferred_channel="wechat")  # fmt: skip
    b = make_client(org.am, name="乙", client_no="1100000002", address="上海市浦东新区世纪大道",
                    gender="female", birth_date=date(1960, 5, 1), occupation="退休教师",
                    tags=["基金定投"], preferred_channel="phone")  # fmt: skip
    p = make_client(org.am, name="丙", address="广东省深圳市南山区", grade="A", seeks="service",
                    gender="male", birth_date=date(2000, 3, 3))  # fmt: skip
    other = make_client(org.am2, name="丁", client_no="1100000004", tags=["两融"],
                        address="北京市海淀区")  # fmt: skip
    return a, b, p, other


def test_region_from_the_id_card_else_the_address():
    assert region_code("id_card", "11010519491231002X", "上海市") == "110105"
    assert region_code("passport", "E12345678", "上海市黄浦区") == "31"
    assert region_from_address("内蒙古自治区呼和浩特市") == "15"
    assert region_from_address("某地") == ""


def test_the_service_keeps_the_region_with_the_id_number_and_the_address(org, book):
    a, b, p, _other = book
    assert a.region_code == "110105"  # the ID card's area (valid_id_number: 110105...)
    assert b.region_code == "31" and p.region_code == "44"  # the address's province
    a = services.client_update(user=org.am, client=a, data={"address": "上海市静安区"})
    assert a.region_code == "110105"  # an ID card's area stays
    b = services.client_update(user=org.am, client=b, data={"address": "浙江省杭州市"})
    assert b.region_code == "33"


def test_age_bands_count_birthdays_exactly():
    today = date(2026, 12, 2)
    band = born_between(today, 30, 39)
    assert band == {"birth_date__lte": date(1996, 12, 2), "birth_date__gt": date(1986, 12, 2)}


def test_each_segmentation_filter(org, book):
    assert filtered(org.am, tags="两融") == ["甲"]  # am2's client is out of scope
    assert filtered(org.bm, tags="两融，基金定投") == ["丁", "乙", "甲"]
    assert filtered(org.am, grade="A") == ["丙"]
    assert filtered(org.am, seeks="service") == ["丙"]
    assert filtered(org.am, gender="female") == ["乙"]
    assert filtered(org.am, occupation="教师") == ["乙"]
    assert filtered(org.am, province="11") == ["甲"]
    assert filtered(org.bm, province="11") == ["丁", "甲"]  # 丁: the address's province
    assert filtered(org.am, area="1101") == ["甲"]
    assert filtered(org.am, area="110105") == ["甲"]
    assert filtered(org.am, preferred_channel="wechat") == ["甲"]
    with time_machine.travel(date(2026, 12, 2), tick=False):
        assert filtered(org.am, age_band="60_plus") == ["乙"]
        assert filtered(org.am, age_band="30_39") == ["甲"]  # the ID card's 1990-01-01
        assert filtered(org.am, age_band="under_30") == ["丙"]


def test_the_api_shares_the_filters_and_refuses_a_bad_area(org, book):
    api = APIClient()
    api.force_authenticate(org.bm)
    body = api.get(reverse("api:client-list"), {"tags": "两融", "province": "11"}).json()
    assert sorted(r["client_no"] for r in body["results"]) == ["1100000001", "1100000004"]
    assert api.get(reverse("api:client-list"), {"area": "1x"}).status_code == 400


def test_a_saved_list_is_applied_on_the_users_own_scope(org, book):
    saved = services.saved_filter_create(user=org.bm, name="两融客户", query="?tags=两融&page=3",
                                         shared=True)  # fmt: skip
    assert saved.query == "tags=%E4%B8%A4%E8%9E%8D"  # the list's parameters dropped
    assert filtered(org.bm, saved=saved.pk) == ["丁", "甲"]
    # the same list used by an account manager never shows a colleague's client
    assert filtered(org.am, saved=saved.pk) == ["甲"]
    # not shared: nobody else may use it
    private = services.saved_filter_create(user=org.bm, name="私人", query="grade=A")
    assert filtered(org.am, saved=private.pk) == []
    assert filtered(org.bm, saved=private.pk) == ["丙"]
    # another branch never sees BJ01's shared list
    assert not SavedClientFilter.objects.visible_to(org.am_sh).filter(pk=saved.pk).exists()


def test_saving_checks_name_and_filters(org):
    with pytest.raises(ValidationError) as exc:
        services.saved_filter_create(user=org.am, name="", query="ordering=name")
    assert set(exc.value.message_dict) == {"name", "query"}
    with pytest.raises(ValidationError) as exc:
        services.saved_filter_create(user=org.am, name="x", query="nonsense=1")
    assert "query" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.saved_filter_create(user=org.am, name="x", query="area=abc")
    services.saved_filter_create(user=org.am, name="x", query="tier=vip")
    with pytest.raises(ValidationError) as exc:
        services.saved_filter_create(user=org.am, name="x", query="tier=hnw")
    assert "name" in exc.value.message_dict
    saved = SavedClientFilter.objects.get(owner=org.am, name="x")
    with pytest.raises(PermissionDenied):
        services.saved_filter_delete(user=org.am2, saved=saved)
    services.saved_filter_delete(user=org.am, saved=saved)


def test_saved_list_reused_by_an_event_invitation(org, book):
    """Saved by the branch manager, used by an account manager: only their clients are
    invited; a potential client is invited too, a closed account never."""
    a, b, p, _other = book
    Client.objects.filter(pk=b.pk).update(account_status="closed")
    saved = services.saved_filter_create(user=org.bm, name="北京与广东", shared=True,
                                         query="province=11")  # fmt: skip
    services.saved_filter_create(user=org.bm, name="广东", shared=True, query="province=44")
    event = visit_services.event_create(
        user=org.bm, kind="exchange", title="大中户交流会", place="营业部",
        starts_at=timezone.now() + timedelta(days=3),
    )  # fmt: skip
    assert visit_services.event_invite_saved_list(user=org.am, event=event, saved=saved) == 1
    assert list(event.invitations.values_list("client_id", flat=True)) == [a.pk]
    guangdong = SavedClientFilter.objects.get(name="广东")
    assert visit_services.event_invite_saved_list(user=org.bm, event=event, saved=guangdong) == 1
    assert Invitation.objects.filter(event=event, client=p).exists()  # a potential client
    # the branch manager's run adds 丁 once; 甲 is not invited twice
    assert visit_services.event_invite_saved_list(user=org.bm, event=event, saved=saved) == 1
    assert event.invitations.count() == 3
    with pytest.raises(PermissionDenied):
        visit_services.event_invite_saved_list(user=org.agent, event=event, saved=saved)


def test_saved_list_as_a_campaign_segment_and_an_export(client, org, book):
    saved = services.saved_filter_create(user=org.bm, name="两融", shared=True, query="tags=两融")
    segment = segments.clean_segment({"saved_list": saved.pk}, user=org.am)
    base = Client.objects.visible_to(org.am)
    assert names(segments.segment_clients(segment, base, user=org.am,
                                          today=timezone.localdate())) == ["甲"]  # fmt: skip
    private = services.saved_filter_create(user=org.am2, name="私人", query="tags=两融")
    with pytest.raises(ValidationError) as exc:
        segments.clean_segment({"saved_list": private.pk}, user=org.am)
    assert "saved_list" in exc.value.message_dict
    client.force_login(org.am)
    response = client.get(reverse("clients:export"), {"saved": saved.pk})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "1100000001" in body and "1100000004" not in body


def test_save_from_the_list_page_and_reuse(client, org, book, query_baseline):
    client.force_login(org.am)
    page = client.get(reverse("clients:list"), {"tags": "两融", "page": "1"})
    assert b'id="save-list-form"' in page.content
    response = client.post(reverse("clients:saved-lists"), {
        "name": "我的两融客户", "query": "tags=两融", "next": "/clients/?tags=两融",
    })  # fmt: skip
    saved = SavedClientFilter.objects.get(owner=org.am)
    assert response.status_code == 302 and response["Location"] == saved.get_absolute_url()
    with query_baseline("clients:list?saved="):
        page = client.get(saved.get_absolute_url())
    assert "1100000001" in page.content.decode() and "我的两融客户" in page.content.decode()
    with query_baseline("clients:saved-lists"):
        assert client.get(reverse("clients:saved-lists")).status_code == 200
    client.force_login(org.am2)  # not shared: another account manager gets 404
    assert client.post(reverse("clients:saved-list-delete", args=[saved.pk])).status_code == 404
    client.force_login(org.am)
    client.post(reverse("clients:saved-list-delete", args=[saved.pk]))
    assert not SavedClientFilter.objects.exists()
