"""A create form sent twice (a double click, a resent POST) creates one record (#14)."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from complaints.models import Complaint
from crm.models import FormSubmission, Todo
from crm.once import submit_once
from tests.factories import make_client

INTAKE = {"channel": "phone", "category": "general", "severity": 3, "topic": "fees",
          "description": "佣金收取有误", "complainant_name": "李女士",
          "complainant_phone": "13900000799"}  # fmt: skip
TOKEN = re.compile(r'name="form_token" value="([0-9a-f]{32})"')


def token_of(page) -> str:
    match = TOKEN.search(page.content.decode())
    assert match, "the form carries no form_token"
    return match.group(1)


def test_complaint_intake_clicked_twice_makes_one_complaint(org, client):
    target = make_client(org.am, client_no="1100000701", phone="13900000701")
    client.force_login(org.agent)
    form = {
        **INTAKE,
        "client": f"id:{target.pk}",
        "form_token": token_of(client.get("/complaints/new/")),
    }
    first = client.post("/complaints/new/", form)
    second = client.post("/complaints/new/", form)
    complaint = Complaint.objects.get()
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == complaint.get_absolute_url()


def test_a_refused_submission_gives_its_token_back(org, client):
    client.force_login(org.agent)
    token = token_of(client.get("/complaints/new/"))
    refused = client.post("/complaints/new/", {**INTAKE, "description": "", "form_token": token})
    assert refused.status_code == 400 and not FormSubmission.objects.exists()
    fixed = client.post("/complaints/new/", {**INTAKE, "form_token": token})
    assert fixed.status_code == 302 and Complaint.objects.count() == 1


def test_another_users_token_is_not_followed(org, client):
    client.force_login(org.am)
    form = {"title": "回访客户", "form_token": token_of(client.get("/todos/new/"))}
    client.post("/todos/new/", form)
    client.force_login(org.am2)
    client.post("/todos/new/", form)
    assert sorted(Todo.objects.values_list("created_by__username", flat=True)) == ["am", "am2"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_double_click_at_once_makes_one_complaint(org):
    browsers = [Client(), Client()]
    for browser in browsers:
        browser.force_login(org.agent)
    form = {**INTAKE, "form_token": token_of(browsers[0].get("/complaints/new/"))}
    barrier, answers = threading.Barrier(2), []

    def post(browser):
        barrier.wait()
        try:
            answers.append(browser.post("/complaints/new/", form).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(b,)) for b in browsers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [302, 302] and Complaint.objects.count() == 1


def _views(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if "api" not in str(entry.pattern) and "admin" not in str(entry.pattern):
                yield from _views(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and hasattr(entry.callback, "view_class"):
            yield prefix + str(entry.pattern), entry.callback.view_class


CREATES = re.compile(r"(Create|Intake)View$")


def test_every_create_view_is_submitted_once():
    """A new create page must not forget it: views named *CreateView/*IntakeView and the
    event list (which creates events) wrap their POST with submit_once."""
    wrapped = submit_once(lambda *args: None).__code__
    creating = {
        cls for _route, cls in _views()
        if CREATES.search(cls.__name__) or cls.__name__ == "EventListView"
    }  # fmt: skip
    assert len(creating) >= 8
    assert [cls.__name__ for cls in creating if cls.post.__code__ is not wrapped] == []


@pytest.mark.parametrize(
    "url_name, role",
    [
        ("clients:create", "am"), ("complaints:intake", "agent"), ("crm:todo-create", "am"),
        ("visits:create", "am"),
        ("visits:consultation-create", "am"), ("visits:events", "bm"),
    ],
)  # fmt: skip
def test_every_create_page_carries_a_token(org, client, url_name, role):
    client.force_login(getattr(org, role))
    token_of(client.get(reverse(url_name)))


def test_the_export_request_page_carries_a_token(org, client):
    client.force_login(org.am)
    token_of(client.get(reverse("crm:export-request"), {"kind": "clients"}))
