"""An agent gets a screen pop: first the wrap-up code of the telephony's last call (the
banner blocks the next call), then logs this call with wrap-up 业务咨询 and opens a
service request in the same step, answered on the phone (resolved on first contact), and
lands on the request's page with the knowledge base's article for its category."""

from datetime import timedelta

import pytest
from django.utils import timezone

from callcenter import services
from callcenter.models import Call, WrapUpCode
from servicedesk.models import ServiceRequest
from tests.e2e.conftest import login
from tests.factories import make_client
from tests.servicedesk.helpers import category

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_screen_pop_log_the_call_and_open_a_service_request(page, org):
    consult = WrapUpCode.objects.get_or_create(code="consultation",
                                               defaults={"name": "业务咨询"})[0]  # fmt: skip
    account = category("account")
    from knowledge import services as knowledge
    from knowledge.models import Category

    answers = Category.objects.create(name="开户", serves=["account"])
    knowledge.article_create(user=org.hq, title="开户材料清单", body="个人开户需本人身份证。",
                             category=answers, hq=True, publish=True)  # fmt: skip
    client = make_client(org.am, name="周先生", client_no="1100000001", phone="13977778888")
    start = timezone.now() - timedelta(minutes=20)
    waiting, _created = services.call_record(user=org.integration_bj, data={
        "call_id": "T-1", "direction": "inbound", "phone": client.phone, "agent": org.agent,
        "started_at": start, "ended_at": start + timedelta(minutes=3),
    })  # fmt: skip
    login(page, "agent")
    page.goto(page.base + "/callcenter/pop/?phone=13977778888")
    page.wait_for_selector("#wrap-up-banner")
    assert page.locator("#call-log-form").count() == 0  # blocked until the code is set
    page.select_option(f"#wrap-up-{waiting.pk} select[name=wrap_up]", label="业务咨询")
    page.click(f"#wrap-up-{waiting.pk} button[type=submit]")
    page.wait_for_selector("#call-log-form")
    assert page.locator("#wrap-up-banner").count() == 0
    page.select_option("#id_wrap_up", label="业务咨询")
    page.fill("#id_duration_minutes", "3")
    page.fill("#id_notes", "客户咨询开户材料")
    page.check("input[name=follow_up][value=service_request]")
    page.select_option("#id_category", str(account.pk))
    page.check("#id_resolved_now")  # answered on the phone: resolved on first contact
    page.fill("#id_resolution", "已告知开户需携带身份证和银行卡")
    page.click("#call-log-form button[type=submit]")
    page.wait_for_selector("#service-request-status")
    sr = ServiceRequest.objects.get()
    assert sr.first_contact_resolved and sr.status == "resolved"
    assert "开户材料清单" in page.locator("#kb-suggested").inner_text()  # suggested beside it
    call = Call.objects.exclude(pk=waiting.pk).get()
    assert call.service_request == sr and call.wrap_up == consult and call.client == client
    assert page.url.endswith(sr.get_absolute_url())
    assert sr.client == client and call.call_id in sr.description
