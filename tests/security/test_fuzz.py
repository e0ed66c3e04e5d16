"""API fuzzing: schemathesis generates requests for every operation of `/api/schema/`.

Each operation is one test, run for two profiles in turn (the HQ user with a token, the
HQ integration account) against the WSGI application, on the embedded PostgreSQL inside
the test's transaction (nothing stays behind). Valid and invalid input is generated
(wrong types, huge numbers, NUL bytes, unknown enum values, odd query and pagination
parameters, stale If-Match headers); on a path with an id, two thirds of the requests
target a real object so that bodies reach the business rules.

Checked on every response: no 5xx; the status code, content type, headers and body are
those the schema documents; every 4xx is JSON with a message.

`FUZZ_EXAMPLES` sets the examples per operation and profile (20 by default, for CI);
`make fuzz` runs 1000 with a new seed each run (`FUZZ_RANDOM=1`).
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis import checks as st_checks

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
RANDOM = bool(os.environ.get("FUZZ_RANDOM"))  # `make fuzz`: a new seed each run
PROFILES = ("hq", "integration")

with override_settings(CRM_API_DOCS_PUBLIC=True):  # read before any user exists
    SCHEMA = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
OPERATIONS = sorted(result.ok().label for result in SCHEMA.get_all_operations())


def _messages(value) -> list[str]:
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [m for v in value for m in _messages(v)]
    return []


def error_has_json_message(ctx, response, case):
    """Every 4xx answers a JSON object with at least one non-empty message."""
    if not 400 <= response.status_code < 500:
        return True
    try:
        body = response.json()
    except ValueError as exc:
        raise AssertionError(f"{response.status_code} without a JSON body") from exc
    if not isinstance(body, dict) or not _messages(body):
        raise AssertionError(f"{response.status_code} without a message: {body!r}")
    return True


CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
    st_checks.response_headers_conformance,
    st_checks.response_schema_conformance,
    error_has_json_message,
]


@pytest.fixture
def wsgi_in_transaction(db):
    """The WSGI handler closes "obsolete" connections at each request's start and end,
    which would end the test's transaction; the test client disconnects it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _lookup(org, segment: str, profile: str):
    """A real object of the resource that `segment` names, visible to both profiles (built
    on demand: only what the operation needs)."""
    from callcenter import services as callcenter_services
    from callcenter.models import Callback
    from clients import services as client_services
    from clients.models import Client, RetentionCase
    from crm import services as crm_services
    from crm.models import Holiday
    from servicedesk.models import ServiceCategory
    from tests.factories import ComplaintFactory, VisitPlanFactory, make_client
    from visits import services as visit_services

    now, today = timezone.now(), timezone.localdate()

    def client():
        return Client.objects.filter(client_no="1100000001").first() or make_client(
            org.am, client_no="1100000001", opened_on=today - timedelta(days=3)
        )

    def callback():
        owner = client()
        callcenter_services.generate_due_callbacks()
        return Callback.objects.get(client=owner)

    def call():
        data = {"call_id": "fuzz-1", "phone": "13800138000", "direction": "inbound",
                "started_at": now}  # fmt: skip
        return callcenter_services.call_record(user=org.integration, data=data)[0]

    def complaint():
        return ComplaintFactory(client=client(), user=org.agent)

    def campaign():
        from campaigns import services as campaign_services
        from outreach.models import MessageTemplate

        template = MessageTemplate.objects.get_or_create(code="fuzz-campaign", defaults={
            "name": "生日祝福", "channel": "sms", "purpose": "marketing",
            "body": "{{ client_name }}您好"})[0]  # fmt: skip
        return campaign_services.campaign_create(user=org.hq, data={
            "name": "生日祝福", "branch": org.bj, "purpose": "marketing", "channel": "sms",
            "template": template, "kind": "birthday", "segment": {}})  # fmt: skip

    def service_request():
        from servicedesk import services as sr_services

        account = ServiceCategory.objects.get_or_create(
            code="account", defaults={"name": "账户业务"}
        )[0]
        return sr_services.servicerequest_receive(
            user=org.agent,
            data={
                "client": client(),
                "channel": "phone",
                "category": account,
                "description": "咨询开户",
            },
        )

    def plan():
        return VisitPlanFactory(client=client(), user=org.am, planned_at=now + timedelta(days=2))

    def event():
        return visit_services.event_create(
            user=org.bm, kind="education", title="投资者教育", place="营业部",
            starts_at=now + timedelta(days=7),
        )  # fmt: skip

    def retention_case():
        owner = client()
        return RetentionCase.objects.filter(client=owner, status="open").first() or (
            RetentionCase.objects.create(
                client=owner, branch=org.bj, owner=org.am, score_at_open=60,
                reasons=["exit_request"],
            )
        )  # fmt: skip

    def article():
        from knowledge import services as kb_services
        from knowledge.models import Category

        category = Category.objects.get_or_create(name="账户业务")[0]
        return kb_services.article_create(
            user=org.hq, title="转托管指南", body="客户申请转托管需要携带身份证",
            category=category, publish=True,
        )  # fmt: skip

    def opinion():
        from opinions import services as opinion_services

        return opinion_services.opinion_create(
            user=org.hq, data={"client": client(), "category": "fees", "text": "希望降低佣金"}
        )

    def compliance_case():
        from compliance import services as case_services

        return case_services.case_open(
            user=org.hq, data={"source_kind": "manual", "client": client(), "summary": "核实"}
        )

    def message():
        from outreach.services.messages import message_send

        return message_send(client=client(), channel="sms", purpose="service", body="您好",
                            source_kind="manual", idempotency_key="fuzz")  # fmt: skip

    def product():
        from products.models import Product
        from tests.factories import make_product

        return Product.objects.filter(code="FUZZ1").first() or make_product(code="FUZZ1")

    def advised_product():
        from visits.models import AdvisedProduct

        sheet = visit_services.consultation_file(
            user=org.am, client=client(), advisor=org.advisor, question="产品建议"
        )
        item = product()
        return AdvisedProduct.objects.create(
            consultation=sheet, product=item, name=item.name, risk_level=item.risk_level
        )

    from outreach.models import MessageTemplate

    def aml_rating():
        from suitability import services as suitability_services
        from suitability.models import AmlProfile

        owner = client()
        suitability_services.aml_rate(client_ids=[owner.pk])
        return AmlProfile.objects.get(client=owner)

    builders = {
        "compliance-cases": lambda: compliance_case().pk,
        "aml-ratings": lambda: aml_rating().pk,
        "knowledge": lambda: article().pk,
        "opinions": lambda: opinion().pk,
        "messages": lambda: message().pk,
        "message-templates": lambda: (
            MessageTemplate.objects.get_or_create(
                code="fuzz",
                defaults={
                    "name": "服务通知",
                    "channel": "sms",
                    "purpose": "service",
                    "body": "您好",
                    "provider_template_code": "SMS_1",
                },
            )[0].pk
        ),
        "branches": lambda: org.bj.pk,
        "staff": lambda: org.am.username,
        "holidays": lambda: (Holiday.objects.order_by("date").first() or client()).date,
        "clients": lambda: client().pk,
        "callbacks": lambda: callback().pk,
        "calls": lambda: call().pk,
        "complaints": lambda: complaint().pk,
        "service-requests": lambda: service_request().pk,
        "service-categories": lambda: (
            ServiceCategory.objects.get_or_create(code="account", defaults={"name": "账户业务"})[
                0
            ].pk
        ),
        "visit-plans": lambda: plan().pk,
        "consultations": lambda: (
            visit_services.consultation_file(
                user=org.am, client=client(), advisor=org.advisor, question="仓位建议"
            ).pk
        ),
        "advised-products": lambda: advised_product().pk,
        "products": lambda: product().pk,
        "events": lambda: event().pk,
        "risk-assessments": lambda: (
            client_services.risk_assessment_record(
                user=org.am, client=client(), assessed_on=today, score=50, risk_level="C3"
            ).pk
        ),
        "retention-cases": lambda: retention_case().pk,
        "campaigns": lambda: campaign().pk,
        "todos": lambda: (
            crm_services.todo_create(created_by=org.hq, assignee=org.hq, title="核对资料").pk
        ),
        "access-logs": lambda: (
            crm_services.access_log_record(user=org.bm, obj=client(), field="id_number").pk
        ),
        "notifications": lambda: (
            crm_services.notify(
                users=[org.hq if profile == "hq" else org.integration], title="提醒"
            )[0].pk
        ),
    }
    value = builders[segment]()
    return value.isoformat() if hasattr(value, "isoformat") else value


def _strategy(operation, org, profile: str):
    """Positive and negative cases; on a path with a lookup, two thirds of them use a
    real object so that bodies reach the business rules."""
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    strategies = [operation.as_strategy(mode) for mode in modes]
    names = [p.name for p in operation.path_parameters]
    if names:
        segment = operation.path.removeprefix("/api/v1/").split("/")[0]
        fixed = {names[0]: _lookup(org, segment, profile)}
        strategies += [operation.as_strategy(mode, path_parameters=fixed) for mode in modes] * 2
    return st.one_of(strategies)


SENT = {"operations": set(), "requests": 0}


def summary() -> str:
    """The figures for the notes (printed by conftest.py at the end of the run)."""
    return (
        f"fuzz: {len(SENT['operations'])} of {len(OPERATIONS)} operations passed, "
        f"{SENT['requests']} requests ({EXAMPLES} examples per operation and profile, "
        f"profiles: {', '.join(PROFILES)})"
    )


def _fuzz(operation, org, profile: str) -> None:
    from crm import services as crm_services

    user = org.hq if profile == "hq" else org.integration
    _token, key = crm_services.integration_token_issue(name=f"fuzz {profile}", user=user)
    headers = {"Authorization": f"Token {key}"}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not RANDOM,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategy(operation, org, profile), current=st.booleans())
    def run(case, current):
        if current:  # as a client that read the record just before: not stale
            (case.headers or {}).pop("If-Match", None)
            if isinstance(case.body, dict):
                case.body.pop("version", None)
        SENT["requests"] += 1
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        run()
    except BaseException as exc:
        exc.add_note(f"profile: {profile}")
        raise


@pytest.mark.parametrize("label", OPERATIONS)
def test_operation(label, org, wsgi_in_transaction):
    operation = SCHEMA.find_operation_by_label(label)
    for profile in PROFILES:
        _fuzz(operation, org, profile)
    SENT["operations"].add(label)


def test_every_operation_is_fuzzed():
    """A guard for the figures in the notes: the schema lists every API route."""
    assert len(OPERATIONS) >= 75
