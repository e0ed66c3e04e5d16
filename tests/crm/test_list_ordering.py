"""The kernel's lists order through their filter sets (crm.filters, `ordering` of
crm.filters.OrderingFilter), the web page and the API alike: the same names, each
served by an index; an unknown name is ignored by the web list and a 400 in the API."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from crm import services
from crm.models import AccessLog, Notification
from tests.factories import make_client


def api_as(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def ids(response, key="id"):
    assert response.status_code == 200, response.content
    return [row[key] for row in response.json()["results"]]


def test_todos_order_alike_on_the_page_and_in_the_api(org, client):
    now = timezone.now()
    made = [
        services.todo_create(
            created_by=org.am, assignee=org.am, title=title, due_at=now + timedelta(days=days)
        )
        for title, days in (("乙", 2), ("甲", 3), ("丙", 1))
    ]
    client.force_login(org.am)
    api = api_as(org.am)

    def web(**params):
        response = client.get(reverse("crm:todo-list"), params)
        assert response.status_code == 200
        return [t.pk for t in response.context["page"]]

    def rest(**params):
        return ids(api.get("/api/v1/todos/", params))

    assert web() == rest() == [made[2].pk, made[0].pk, made[1].pk]  # soonest due first
    for ordering in ("title", "-title", "created_at", "-created_at", "due_at", "-due_at"):
        assert web(ordering=ordering) == rest(ordering=ordering), ordering
    assert web(ordering="-due_at") == [made[1].pk, made[0].pk, made[2].pk]
    assert web(ordering="bogus") == web()
    assert api.get("/api/v1/todos/", {"ordering": "bogus"}).status_code == 400
    assert api.get("/api/v1/todos/", {"ordering": "description"}).status_code == 400


def test_a_notification_group_lists_its_notifications_in_the_api_order(org, client):
    """The page groups notifications (crm.notifications.notification_groups); one group's
    list is in the API's default order, newest first."""
    made = services.notify(users=[org.am, org.am], title="提醒")
    Notification.objects.filter(pk=made[0].pk).update(created_at=timezone.now() - timedelta(days=1))
    client.force_login(org.am)
    api = api_as(org.am)
    items = client.get(reverse("crm:notifications"), {"group": "提醒"}).context["items"]
    assert [n.pk for n in items] == ids(api.get("/api/v1/notifications/"))
    assert [n.pk for n in items] == [made[1].pk, made[0].pk]
    assert api.get("/api/v1/notifications/", {"ordering": "created_at"}).status_code == 200
    assert api.get("/api/v1/notifications/", {"ordering": "title"}).status_code == 400


def test_the_access_log_pages_by_cursor_in_the_order_asked(org, client):
    record = make_client(org.am, client_no="1100000001")
    entries = [services.access_log_record(user=org.am, obj=record, field="id_number")
               for _n in range(3)]  # fmt: skip
    for days, entry in zip((1, 3, 2), entries, strict=True):
        AccessLog.objects.filter(pk=entry.pk).update(
            occurred_at=timezone.now() - timedelta(days=days)
        )
    api = api_as(org.compliance)
    newest_first = [entries[0].pk, entries[2].pk, entries[1].pk]
    assert ids(api.get("/api/v1/access-logs/")) == newest_first
    assert ids(api.get("/api/v1/access-logs/", {"ordering": "-occurred_at"})) == newest_first
    first = api.get("/api/v1/access-logs/", {"ordering": "occurred_at", "page_size": 2}).json()
    assert [row["id"] for row in first["results"]] == newest_first[::-1][:2]
    rest = api.get(first["next"]).json()  # the cursor keeps the order asked for
    assert [row["id"] for row in rest["results"]] == [entries[0].pk]
    assert api.get("/api/v1/access-logs/", {"ordering": "user"}).status_code == 400
    client.force_login(org.compliance)
    page = client.get(reverse("crm:access-log"), {"ordering": "occurred_at"}).context["page"]
    assert [e.pk for e in page] == newest_first[::-1]
    page = client.get(reverse("crm:access-log"), {"ordering": "bogus"}).context["page"]
    assert [e.pk for e in page] == newest_first


@pytest.mark.parametrize(
    "path, ordering, key",
    [
        ("/api/v1/branches/", "-name", "code"),
        ("/api/v1/branches/", "code", "code"),
        ("/api/v1/staff/", "role", "username"),
        ("/api/v1/staff/", "-user__username", "username"),
        ("/api/v1/holidays/", "-date", "date"),
    ],
)
def test_the_reference_lists_order_by_their_filter_sets(org, path, ordering, key):
    api = api_as(org.hq)
    assert api.get(path, {"ordering": ordering}).status_code == 200
    assert api.get(path, {"ordering": "bogus"}).status_code == 400


def test_branches_and_staff_in_the_order_asked(org):
    api = api_as(org.hq)
    codes = ids(api.get("/api/v1/branches/", {"ordering": "code"}), key="code")
    assert codes == sorted(codes) and len(codes) == 3
    assert ids(api.get("/api/v1/branches/", {"ordering": "-code"}), key="code") == codes[::-1]
    names = ids(api.get("/api/v1/staff/", {"ordering": "-user__username"}), key="username")
    assert names == sorted(names, reverse=True)


def test_no_api_list_orders_the_drf_way():
    """Every `ordering` is a filter set's: no view has DRF's OrderingFilter or its
    `ordering_fields`, so the web list and the API cannot drift apart again."""
    from django.urls import get_resolver
    from rest_framework.filters import OrderingFilter as DrfOrderingFilter

    from crm.filters import OrderingFilter
    from tests.security.discover import walk

    views, problems = set(), []
    for pattern, _route, namespace, _regex in walk(get_resolver()):
        cls = getattr(pattern.callback, "cls", None)
        if namespace.startswith("api") and cls is not None and cls not in views:
            views.add(cls)
            backends = getattr(cls, "filter_backends", [])
            if any(issubclass(b, DrfOrderingFilter) for b in backends):
                problems.append(f"{cls.__name__}: DRF's OrderingFilter")
            if getattr(cls, "ordering_fields", None):
                problems.append(f"{cls.__name__}: ordering_fields")
            filterset = getattr(cls, "filterset_class", None)
            order = filterset.base_filters.get("ordering") if filterset else None
            if order is not None and not isinstance(order, OrderingFilter):
                problems.append(f"{cls.__name__}: `ordering` not crm.filters.OrderingFilter")
    assert len(views) >= 15
    assert not problems, "\n".join(problems)
