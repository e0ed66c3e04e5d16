"""The workflow tables (complaints.workflow, visits.workflow) drive the URLs, the buttons,
the API actions and the access matrix: a step added to a table is everywhere at once,
and a step that one of them lacks fails here."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from campaigns.workflow import CAMPAIGN_WORKFLOW
from complaints import forms as complaint_forms
from complaints.workflow import COMPLAINT_WORKFLOW, EVENT_LABELS
from opinions.workflow import OPINION_WORKFLOW
from servicedesk.workflow import SERVICE_REQUEST_WORKFLOW
from tests.complaints.helpers import receive
from tests.factories import make_client
from visits import services as visit_services
from visits.workflow import VISIT_PLAN_WORKFLOW

from .access_table import (
    CAMPAIGN_STEPS,
    COMPLAINT_STEPS,
    OPINION_STEPS,
    SERVICE_REQUEST_STEPS,
    TABLE,
    VISIT_PLAN_STEPS,
)
from .discover import discover

WORKFLOWS = [
    # workflow, web URL name, API route prefix, matrix expectations, API path segment
    pytest.param(COMPLAINT_WORKFLOW, "complaints:action", "api:complaint", COMPLAINT_STEPS,
                 "complaints", id="complaint"),
    pytest.param(VISIT_PLAN_WORKFLOW, "visits:action", "api:visitplan", VISIT_PLAN_STEPS,
                 "visit-plans", id="visit plan"),
    pytest.param(SERVICE_REQUEST_WORKFLOW, "servicedesk:action", "api:servicerequest",
                 SERVICE_REQUEST_STEPS, "service-requests", id="service request"),
    pytest.param(OPINION_WORKFLOW, "opinions:action", "api:opinion", OPINION_STEPS,
                 "opinions", id="opinion"),
    pytest.param(CAMPAIGN_WORKFLOW, "campaigns:action", "api:campaign", CAMPAIGN_STEPS,
                 "campaigns", id="campaign"),
]  # fmt: skip


@pytest.mark.parametrize(("workflow", "url_name", "api_prefix", "steps", "path"), WORKFLOWS)
def test_every_step_has_its_url_service_form_and_body(workflow, url_name, api_prefix, steps,
                                                      path):  # fmt: skip
    for step in workflow:
        assert callable(workflow.service(step.name)), step.name
        if step.web:
            assert reverse(url_name, kwargs={"pk": 1, "action": step.name})
        else:
            with pytest.raises(NoReverseMatch):
                reverse(url_name, kwargs={"pk": 1, "action": step.name})
        if step.form:
            assert step.form_class() is not None
        if step.api and step.serializer:
            body = step.serializer_class()()
            assert set(step.fields) <= set(body.fields), step.name
    # the URL takes exactly the table's web steps (discovery reads the URL's choices)
    assert discover()[url_name].choices["action"] == {s.name for s in workflow.web_actions}


@pytest.mark.parametrize(("workflow", "url_name", "api_prefix", "steps", "path"), WORKFLOWS)
def test_every_step_has_its_matrix_entry(workflow, url_name, api_prefix, steps, path):
    exposed = {s.name for s in workflow if s.web or s.api}
    assert set(steps) == exposed
    web_cases = {c.kwargs["action"] for c in TABLE[url_name]}
    assert web_cases == {s.name for s in workflow.web_actions}
    api_routes = {n for n in TABLE if n.startswith(f"{api_prefix}-")}
    for step in workflow.api_actions:
        assert f"{api_prefix}-{step.url_name}" in api_routes


@pytest.mark.parametrize(("workflow", "url_name", "api_prefix", "steps", "path"), WORKFLOWS)
def test_every_api_step_is_in_the_openapi_schema(org, client, workflow, url_name, api_prefix,
                                                 steps, path):  # fmt: skip
    client.force_login(org.am)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    step_path = re.compile(rf"^/api/v1/{path}/\{{\w+\}}/([\w-]+)/$")
    posted = {
        match.group(1)
        for p, operations in schema["paths"].items()
        if (match := step_path.match(p)) and "post" in operations
    }
    assert posted == {s.url_name for s in workflow.api_actions}


def test_complaint_buttons_are_the_allowed_steps(org, client):
    complaint = receive(org)
    for user in (org.agent, org.bm, org.am):
        client.force_login(user)
        page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
        shown = set(re.findall(r'data-bs-target="#act-(\w+)"', page))
        allowed = {s.name for s in COMPLAINT_WORKFLOW.allowed(user, complaint) if s.web}
        assert shown == allowed and allowed, user.username
        for name in shown:
            assert reverse("complaints:action", args=[complaint.pk, name]) in page


def test_complaint_step_forms_are_action_forms():
    for step in COMPLAINT_WORKFLOW.web_actions:
        assert issubclass(step.form_class(), complaint_forms.ActionForm), step.name


def test_every_step_and_event_has_a_label():
    with translation.override("zh-hans"):
        for name in [*COMPLAINT_WORKFLOW.names, "receive", "attach"]:
            label = str(EVENT_LABELS[name])
            assert label and not label.isascii(), name  # translated
        for step in VISIT_PLAN_WORKFLOW:
            assert not str(step.label).isascii(), step.name


def test_visit_plan_buttons_are_the_allowed_steps(org, client):
    plan = visit_services.visit_plan_create(
        user=org.am, client=make_client(org.am, client_no="1100000001"), kind="door_to_door",
        planned_at=timezone.now() + timedelta(days=2), place="客户公司",
        purpose="介绍服务",
    )  # fmt: skip
    detail = reverse("visits:detail", args=[plan.pk])
    action_url = re.compile(rf'action="{re.escape(detail)}(\w+)/"')

    def shown_to(user):
        client.force_login(user)
        page = client.get(reverse("visits:detail", args=[plan.pk])).content.decode()
        return set(action_url.findall(page))

    def allowed(user):
        return {s.name for s in VISIT_PLAN_WORKFLOW.allowed(user, plan) if s.web}

    assert shown_to(org.am) == allowed(org.am) == {"submit", "cancel"}
    assert shown_to(org.bm) == allowed(org.bm) == set()
    plan = visit_services.visit_plan_submit(user=org.am, plan=plan)
    assert shown_to(org.bm) == allowed(org.bm) == {"approve", "reject"}
    plan = visit_services.visit_plan_approve(user=org.bm, plan=plan)
    assert shown_to(org.am) == allowed(org.am) == {"complete", "cancel"}
