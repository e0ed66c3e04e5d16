"""Issue #21 item 7: events invite single clients and potential clients, recur (the
weekly exchange meeting), keep a capacity with a waiting list, check invitees in at the
door by the QR code of their pass, and feed attendance to the client timeline and the
investor-education counts."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clients.timeline import client_timeline
from crm.models import Notification
from tests.factories import make_client
from visits import selectors, services
from visits.models import Event, EventSeries, Invitation


def new_event(org, *, capacity=None, kind="exchange", starts_at=None, by=None, **extra):
    return services.event_create(
        user=by or org.bm, kind=kind, title="大中户交流会", place="营业部多功能厅",
        starts_at=starts_at or timezone.now() + timedelta(days=2), capacity=capacity, **extra,
    )  # fmt: skip


@pytest.fixture
def people(org):
    """Three clients of the account manager (one a potential client, without a client
    number), one of a colleague, one of Shanghai."""
    a = make_client(org.am, name="甲先生", client_no="1100000001", phone="13800000001")
    b = make_client(org.am, name="乙女士", phone="13800000002")  # potential client
    c = make_client(org.am, name="丙先生", client_no="1100000003", phone="13800000003")
    other = make_client(org.am2, name="丁先生", client_no="1100000004", phone="13800000004")
    sh = make_client(org.am_sh, name="戊先生", client_no="3100000005", phone="13800000005")
    return a, b, c, other, sh


def invitation(event, client) -> Invitation:
    return Invitation.objects.get(event=event, client=client)


def answer(user, event, client, status) -> Invitation:
    return services.invitation_update(user=user, invitation=invitation(event, client),
                                      status=status)  # fmt: skip


# --- Single invitations -------------------------------------------------------------
def test_an_account_manager_invites_a_client_and_a_potential_client(org, people):
    a, b, _c, other, sh = people
    event = new_event(org)
    assert b.client_no is None and b.stage == "potential"
    assert services.event_invite_clients(user=org.am, event=event, clients=[a, b]) == 2
    assert services.event_invite_clients(user=org.am, event=event, clients=[a]) == 0  # once
    assert set(event.invitations.values_list("client_id", flat=True)) == {a.pk, b.pk}
    for refused in (other, sh):  # a colleague's client, another branch's
        with pytest.raises(ValidationError):
            services.event_invite_clients(user=org.am, event=event, clients=[refused])
    with pytest.raises(ValidationError):  # HQ sees Shanghai, but the event is Beijing's
        services.event_invite_clients(user=org.hq, event=event, clients=[sh])
    with pytest.raises(PermissionDenied):
        services.event_invite_clients(user=org.agent, event=event, clients=[a])
    assert event.invitations.count() == 2


def test_the_invite_form_on_the_event_page(org, people, client):
    _a, b, *_rest = people
    event = new_event(org)
    client.force_login(org.am)
    url = reverse("visits:event", args=[event.pk])
    response = client.post(url, {"invite-client": f"id:{b.pk}"})
    assert response.status_code == 302
    assert invitation(event, b).status == "invited"
    response = client.post(url, {"invite-client": f"id:{people[3].pk}"})  # a colleague's
    assert response.status_code == 400
    assert event.invitations.count() == 1
    html = client.get(url).content.decode()
    assert 'id="invite-client-form"' in html and b.name in html
    client.force_login(org.agent)  # an agent answers invitees, but does not invite
    assert 'id="invite-client-form"' not in client.get(url).content.decode()


# --- Capacity and the waiting list -------------------------------------------------
def test_beyond_capacity_accepting_waits_and_a_cancellation_promotes_the_first(org, people):
    a, b, c, *_rest = people
    event = new_event(org, capacity=1)
    services.event_invite_clients(user=org.am, event=event, clients=[a, b, c])
    assert answer(org.am, event, a, "accepted").status == "accepted"
    second = answer(org.am, event, b, "accepted")
    assert second.status == "waiting" and second.waiting_since is not None
    assert answer(org.am, event, c, "accepted").status == "waiting"
    assert selectors.seats_of(event) == {"taken": 1, "waiting": 2, "attended": 0,
                                         "capacity": 1, "free": 0}  # fmt: skip
    Notification.objects.all().delete()
    answer(org.am, event, a, "declined")  # the first cancels
    assert invitation(event, b).status == "accepted"  # the first to wait moves up
    assert invitation(event, b).waiting_since is None
    assert invitation(event, c).status == "waiting"
    assert list(Notification.objects.values_list("recipient", flat=True)) == [org.am.pk]
    assert "乙女士" in Notification.objects.get().title
    # a waiting invitee cannot be marked attended while the event is full
    with pytest.raises(ValidationError):
        answer(org.am, event, c, "attended")
    assert invitation(event, c).status == "waiting"
    # declining from the waiting list frees nothing: nobody is promoted
    answer(org.am, event, c, "declined")
    assert selectors.seats_of(event)["taken"] == 1


def test_the_waiting_list_is_first_come_first_served(org, people):
    a, b, c, *_rest = people
    event = new_event(org, capacity=1)
    services.event_invite_clients(user=org.am, event=event, clients=[a, b, c])
    answer(org.am, event, a, "accepted")
    answer(org.am, event, c, "accepted")  # c waits first
    answer(org.am, event, b, "accepted")
    answer(org.am, event, a, "no_show")  # a seat given up the same way
    assert invitation(event, c).status == "accepted"
    assert invitation(event, b).status == "waiting"


def test_without_capacity_nobody_waits(org, people):
    a, b, *_rest = people
    event = new_event(org)
    services.event_invite_clients(user=org.am, event=event, clients=[a, b])
    assert answer(org.am, event, a, "accepted").status == "accepted"
    assert answer(org.am, event, b, "accepted").status == "accepted"


def test_a_full_event_on_the_page_says_the_invitee_waits(org, people, client):
    a, b, *_rest = people
    event = new_event(org, capacity=1)
    services.event_invite_clients(user=org.am, event=event, clients=[a, b])
    answer(org.am, event, a, "accepted")
    client.force_login(org.am)
    url = reverse("visits:event", args=[event.pk])
    row = client.post(url, {"invitation": invitation(event, b).pk, "status": "accepted"},
                      HTTP_HX_REQUEST="true").content.decode()  # fmt: skip
    assert "候补" in row and invitation(event, b).status == "waiting"
    html = client.get(url).content.decode()
    assert 'id="event-seats"' in html and "已满" in html


# --- Recurring events ----------------------------------------------------------------
def test_a_weekly_exchange_meeting_creates_every_occurrence(org, people, product):
    first = timezone.make_aware(datetime(2030, 1, 2, 15, 0))  # a Wednesday
    event = new_event(org, starts_at=first, capacity=30, repeat="weekly",
                      until=date(2030, 3, 27), products=[product])  # fmt: skip
    series = EventSeries.objects.get()
    dates = [timezone.localtime(e.starts_at) for e in series.events.order_by("starts_at")]
    assert len(dates) == 13 and event.pk == series.events.order_by("starts_at").first().pk
    assert all(d.weekday() == 2 and (d.hour, d.minute) == (15, 0) for d in dates)
    assert dates[-1].date() == date(2030, 3, 27)
    assert set(Event.objects.values_list("capacity", flat=True)) == {30}
    assert Event.products.through.objects.count() == 13
    # invited to this occurrence and every later one, from the third on
    third = series.events.order_by("starts_at")[2]
    a = people[0]
    assert services.event_invite_clients(user=org.am, event=third, clients=[a],
                                         whole_series=True) == 11  # fmt: skip
    assert services.event_invite_clients(user=org.am, event=event, clients=[a]) == 1


@pytest.fixture
def product(db):
    from tests.factories import make_product

    return make_product(code="510300", name="沪深300ETF", risk_level="R3", product_type="fund")


def test_a_monthly_event_keeps_the_day_or_the_last_day_of_a_short_month(org):
    first = timezone.make_aware(datetime(2030, 1, 31, 14, 0))
    new_event(org, starts_at=first, kind="education", repeat="monthly", until=date(2030, 4, 30))
    days = [timezone.localtime(e.starts_at).date() for e in Event.objects.order_by("starts_at")]
    assert days == [date(2030, 1, 31), date(2030, 2, 28), date(2030, 3, 31), date(2030, 4, 30)]


def test_a_recurrence_without_a_good_last_day_is_refused(org):
    first = timezone.make_aware(datetime(2030, 1, 2, 15, 0))
    for until, repeat in ((None, "weekly"), (date(2029, 12, 31), "weekly"),
                          (date(2040, 1, 1), "weekly"), (date(2030, 2, 1), "daily")):  # fmt: skip
        with pytest.raises(ValidationError):
            new_event(org, starts_at=first, repeat=repeat, until=until)
    assert not Event.objects.exists() and not EventSeries.objects.exists()


def test_the_event_form_creates_a_recurring_event(org, client):
    client.force_login(org.bm)
    response = client.post(reverse("visits:events"), {
        "kind": "exchange", "title": "周三交流会", "place": "多功能厅",
        "starts_at": "2030-01-02 15:00", "repeat": "weekly", "until": "2030-01-30",
    })  # fmt: skip
    assert response.status_code == 302
    assert Event.objects.filter(series__isnull=False).count() == 5
    html = client.get(response["Location"]).content.decode()
    assert 'id="event-occurrences"' in html and "每周" in html
    bad = client.post(reverse("visits:events"), {
        "kind": "exchange", "title": "周三交流会", "place": "多功能厅",
        "starts_at": "2030-01-02 15:00", "repeat": "weekly",
    })  # fmt: skip
    assert bad.status_code == 400 and Event.objects.count() == 5


# --- Check-in at the door -----------------------------------------------------------
@pytest.fixture
def tonight(org, people):
    a, b, c, other, _sh = people
    event = new_event(org, capacity=2, kind="education", starts_at=timezone.now())
    services.event_invite_clients(user=org.am, event=event, clients=[a, b, c])
    services.event_invite_clients(user=org.am2, event=event, clients=[other])
    answer(org.am, event, a, "accepted")
    return event


def check_in_url(event, client_) -> str:
    return reverse("visits:check-in", args=[services.checkin_token(invitation(event, client_))])


def test_check_in_by_the_token_of_the_pass(org, people, tonight, client):
    a = people[0]
    url = check_in_url(tonight, a)
    client.force_login(org.agent)  # the service desk at the door
    page = client.get(url)
    assert page.status_code == 200 and 'id="check-in-button"' in page.content.decode()
    assert client.post(url).status_code == 302
    inv = invitation(tonight, a)
    assert inv.status == "attended" and inv.checked_in_by == org.agent
    assert inv.checked_in_at is not None
    assert client.post(url).status_code == 302  # a second scan changes nothing
    assert invitation(tonight, a).checked_in_at == inv.checked_in_at
    assert 'id="checked-in"' in client.get(url).content.decode()


def test_a_bad_or_out_of_scope_token_is_404(org, people, tonight, client):
    a, _b, _c, other, _sh = people
    url = check_in_url(tonight, a)
    client.force_login(org.bm)
    token = services.checkin_token(invitation(tonight, a))
    pk, signature = token.split(":", 1)
    forged = f"{invitation(tonight, other).pk}:{signature}"  # another invitation's id
    for bad in ("nonsense", f"{pk}:x{signature[1:]}", forged, f"{pk}"):
        assert client.get(reverse("visits:check-in", args=[bad])).status_code == 404
        assert client.post(reverse("visits:check-in", args=[bad])).status_code == 404
    client.force_login(org.bm_sh)  # another branch's staff
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    client.force_login(org.am2)  # a colleague: not their client's invitation
    assert client.get(url).status_code == 404
    assert invitation(tonight, a).status == "accepted"
    assert services.invitation_for_token(org.bm, "a:b") is None


def test_check_in_takes_a_free_seat_and_not_a_full_event(org, people, tonight, client):
    a, b, c, *_rest = people
    client.force_login(org.bm)
    client.post(check_in_url(tonight, b))  # invited, not accepted: a seat is free
    assert invitation(tonight, b).status == "attended"
    response = client.post(check_in_url(tonight, c), follow=True)  # now full
    assert "已满" in response.content.decode()
    assert invitation(tonight, c).status == "invited"
    with pytest.raises(PermissionDenied):  # an advisor has no part at the door
        services.invitation_check_in(user=org.advisor, invitation=invitation(tonight, a))


def test_check_in_is_open_on_the_day_of_the_event_only(org, people, client):
    a = people[0]
    event = new_event(org, starts_at=timezone.now() + timedelta(days=3))
    services.event_invite_clients(user=org.am, event=event, clients=[a])
    client.force_login(org.bm)
    url = check_in_url(event, a)
    assert "check-in-button" not in client.get(url).content.decode()
    client.post(url)
    assert invitation(event, a).status == "invited"


def test_the_pass_shows_a_qr_code_of_the_check_in_link(org, people, tonight, client):
    a, _b, _c, other, _sh = people
    client.force_login(org.am)
    page = client.get(reverse("visits:invitation-pass", args=[invitation(tonight, a).pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html
    assert check_in_url(tonight, a) in html
    colleague = reverse("visits:invitation-pass", args=[invitation(tonight, other).pk])
    assert client.get(colleague).status_code == 404
    client.force_login(org.bm_sh)
    assert client.get(reverse("visits:invitation-pass",
                              args=[invitation(tonight, a).pk])).status_code == 404  # fmt: skip


# --- Attendance in the client file and the counts -------------------------------------
def test_attendance_feeds_the_timeline_and_the_education_counts(org, people, tonight):
    a, b, *_rest = people
    services.invitation_check_in(user=org.bm, invitation=invitation(tonight, a))
    entries = [e for e in client_timeline(a) if e.kind == "event"]
    assert len(entries) == 1 and entries[0].title.startswith("参加投资者教育")
    assert "签到" in entries[0].detail
    meeting = new_event(org, starts_at=timezone.now() - timedelta(days=7))
    services.event_invite_clients(user=org.am, event=meeting, clients=[a, b])
    answer(org.am, meeting, a, "attended")
    assert selectors.education_counts([a.pk, b.pk]) == {a.pk: 1}  # the meeting is not one
    assert len([e for e in client_timeline(a) if e.kind == "event"]) == 2


def test_the_dashboard_counts_investor_education_and_turnout(org, people, tonight):
    from crm.measures import Filters, Period
    from visits.measures import compute

    a, b, *_rest = people
    services.invitation_check_in(user=org.bm, invitation=invitation(tonight, a))
    answer(org.am, tonight, b, "no_show")
    today = timezone.localdate()
    month = Period.month(today.year, today.month)
    figures = compute(Filters(branch_ids=(org.bj.pk,), person_ids=None, current=month,
                              previous=month.previous()))  # fmt: skip
    assert figures["education_attended"][(0, org.bj.pk)] == (1, None)
    assert figures["event_turnout"][(0, org.bj.pk)] == (1, 2)


# --- The API ------------------------------------------------------------------------
def test_the_api_creates_a_recurring_event_and_invites_single_clients(org, people):
    a, b, _c, other, _sh = people
    api = APIClient()
    api.force_authenticate(org.bm)
    response = api.post(reverse("api:event-list"), {
        "kind": "exchange", "title": "周三交流会", "place": "多功能厅",
        "starts_at": "2030-01-02T15:00:00+08:00", "repeat": "weekly", "until": "2030-01-16",
    }, format="json")  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["series"] and Event.objects.filter(series_id=body["series"]).count() == 3
    url = reverse("api:event-invite-clients", args=[body["id"]])
    response = api.post(url, {"clients": [a.pk, b.pk], "whole_series": True}, format="json")
    assert response.status_code == 200 and response.json() == {"invited": 6}
    api.force_authenticate(org.am)
    assert api.post(url, {"clients": [other.pk]}, format="json").status_code == 400
    assert api.post(url, {"clients": []}, format="json").status_code == 400
    rows = api.get(reverse("api:event-invitations", args=[body["id"]])).json()["results"]
    assert {r["client"] for r in rows} == {a.pk, b.pk}
    assert all("waiting_since" in r and "checked_in_at" in r for r in rows)


# --- Query counts -------------------------------------------------------------------
@pytest.mark.parametrize("n", [2, 20])
def test_event_pages_query_counts(org, client, query_baseline, n):
    event = new_event(org, capacity=n, starts_at=timezone.now(),
                      repeat="weekly", until=timezone.localdate() + timedelta(weeks=4))  # fmt: skip
    invitees = [make_client(org.am, name=f"客户{i}", client_no=f"11{i:08d}",
                            phone=f"1380000{i:04d}") for i in range(n + 1)]  # fmt: skip
    services.event_invite_clients(user=org.am, event=event, clients=invitees)
    for c in invitees:
        answer(org.am, event, c, "accepted")  # the last waits
    client.force_login(org.bm)
    with query_baseline("visits:event"):
        assert client.get(reverse("visits:event", args=[event.pk])).status_code == 200
    url = check_in_url(event, invitees[0])
    with query_baseline("visits:check-in"):
        assert client.get(url).status_code == 200
    with query_baseline("visits:check-in POST"):
        assert client.post(url).status_code == 302
    with query_baseline("visits:invitation-pass"):
        pass_url = reverse("visits:invitation-pass", args=[invitation(event, invitees[1]).pk])
        assert client.get(pass_url).status_code == 200
    seated = invitation(event, invitees[1])
    with query_baseline("visits:invitation decline (promotes the first waiting)"):
        services.invitation_update(user=org.bm, invitation=seated, status="declined")
    assert invitation(event, invitees[-1]).status == "accepted"
