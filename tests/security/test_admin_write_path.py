"""One write path (issue #15): the admin never writes what a service owns. Every admin of
the project shows its model's workflow state read-only (the pattern of crm.admin, and
each admin's `workflow_state`), rows that only a service makes are neither added nor
deleted there, and every admin page still renders for headquarters."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory
from django.urls import reverse

from callcenter.models import Attempt, Call, Callback, InspectionRound, RegistrationForm
from clients import models as profiles
from clients.models import AccountSnapshot, ImportJob, RetentionCase, RiskAssessment, TierChange
from complaints.models import Complaint, ComplaintEvent
from crm.admin import state_fields
from crm.models import Notification, Todo
from servicedesk.models import ServiceRequest, ServiceRequestEvent
from visits.models import Consultation, QuotaLog, VisitPlan, VisitRecord

PROJECT_APPS = {"crm", "clients", "visits", "complaints", "servicedesk", "callcenter",
                "compliance"}  # fmt: skip
# rows made by services only: no add (and no delete) in the admin
SERVICE_MADE = {Complaint, ServiceRequest, Callback, Call, RegistrationForm, InspectionRound,
                RiskAssessment, AccountSnapshot, ImportJob, RetentionCase, TierChange, VisitPlan,
                VisitRecord, Consultation, QuotaLog, Notification, Todo}  # fmt: skip
SERVICE_MADE_ROWS = {
    ComplaintEvent,
    ServiceRequestEvent,
    Attempt,
}  # inline history rows: no add, no delete


def project_admins():
    """(model admin or inline, its model) for every admin the project registers."""
    for model, model_admin in admin.site._registry.items():
        if type(model_admin).__module__.split(".")[0] not in PROJECT_APPS:
            continue  # the admins of django-axes, celery beat, two-factor devices
        yield model_admin, model
        for inline_class in model_admin.inlines:
            yield inline_class(model, admin.site), inline_class.model


def request_as_superuser():
    request = RequestFactory().get("/admin/")
    request.user = get_user_model()(username="root", is_staff=True, is_superuser=True)
    return request


def test_workflow_state_is_read_only_in_every_admin():
    request = request_as_superuser()
    checked, problems = 0, []
    for model_admin, model in project_admins():
        state = state_fields(model, getattr(model_admin, "workflow_state", ()))
        shown = set(model_admin.get_readonly_fields(request, None))
        missing = [name for name in state if name not in shown]
        if missing:
            problems.append(f"{type(model_admin).__name__} ({model.__name__}): {missing}")
        checked += bool(state)
    assert not problems, "workflow state editable in the admin:\n" + "\n".join(problems)
    assert checked >= 20


def test_the_pattern_finds_statuses_deadlines_met_flags_responders_and_versions():
    assert {"status", "first_responder", "first_responded_at", "first_response_due_at",
            "acknowledge_due_at", "initial_handling_due_at", "resolution_due_at",
            "first_response_met", "acknowledge_met", "initial_handling_met",
            "resolution_met", "version"} <= set(state_fields(Complaint))  # fmt: skip
    assert {"status", "due_at"} <= set(state_fields(Callback))
    client_state = set(state_fields(profiles.Client))
    assert {"version", "id_number_hash", "id_number_encrypted", "profile_due_on",
            "review_due_on", "identity_change_due_at"} <= client_state  # fmt: skip
    assert "name" not in client_state
    assert {"status", "record_due_at"} <= set(state_fields(VisitPlan))


def test_rows_made_by_services_are_not_added_or_deleted_in_the_admin():
    request = request_as_superuser()
    for model in SERVICE_MADE:
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request), model
        assert not model_admin.has_delete_permission(request), model
    # a client is opened in the CRM (its number, keys and duties) and never deleted
    assert not admin.site._registry[profiles.Client].has_delete_permission(request)
    inlines = {
        model: inline
        for inline, model in project_admins()
        if isinstance(inline, admin.options.InlineModelAdmin)
    }
    for model in SERVICE_MADE_ROWS:
        assert not inlines[model].has_add_permission(request, None), model
        assert not inlines[model].can_delete, model


@pytest.fixture
def root(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", "x")


def test_every_admin_page_renders_for_a_superuser(world, db, root):
    browser = Client()
    browser.force_login(root)
    request = request_as_superuser()
    problems, changes = [], 0
    for model, model_admin in admin.site._registry.items():
        if type(model_admin).__module__.split(".")[0] not in PROJECT_APPS:
            continue
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages = [reverse(f"{prefix}_changelist")]
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            pages.append(reverse(f"{prefix}_change", args=[obj.pk]))
            changes += 1
        add = reverse(f"{prefix}_add")
        expected_add = 200 if model_admin.has_add_permission(request) else 403
        for url, expected in [*((p, 200) for p in pages), (add, expected_add)]:
            response = browser.get(url)
            if response.status_code != expected:
                problems.append(f"{url}: {response.status_code}, expected {expected}")
    assert not problems, "\n".join(problems)
    assert changes >= 20  # the world has a row of nearly every model
