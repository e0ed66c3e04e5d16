"""A service agent opens a service request for a client, sees the knowledge base's article
for its category beside it, and resolves it on first contact;
another request, which the client is not satisfied with, is escalated to a complaint, and
the complaint links back to it."""

import pytest

from complaints.models import Complaint
from servicedesk.models import ServiceRequest, Status
from tests.e2e.conftest import login, pick
from tests.e2e.test_complaint_flow import act
from tests.factories import make_client
from tests.servicedesk.helpers import category

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_first_contact_resolution_and_escalation_to_a_complaint(page, org):
    fees = category("fees")
    account = category("account")
    # the seeded subcategories, made again when a live-server test before this one flushed
    fees.children.get_or_create(code="fees_commission", defaults={"name": "佣金费率"})
    account.children.get_or_create(code="account_open", defaults={"name": "开户"})
    client = make_client(org.am, name="周先生", client_no="1100000001", phone="13977778888")
    # the knowledge base's answer for fee questions, suggested beside the request
    from knowledge import services as knowledge
    from knowledge.models import Category

    fee_answers = Category.objects.create(name="费用说明", serves=["fees"])
    knowledge.article_create(user=org.hq, title="佣金费率如何调整", body="客户可申请调整佣金费率。",
                             category=fee_answers, hq=True, publish=True)  # fmt: skip
    login(page, "agent")
    page.click("#nav-service-requests")
    page.click("#new-service-request")
    pick(page, "#id_client", "8888", "周**")  # the name masked for a service agent
    page.select_option("#id_category", str(fees.pk))
    # the subcategories offered are the chosen category's
    offered = page.locator("#id_subcategory option:not([hidden])[data-parent]")
    assert offered.count() >= 1
    assert {offered.nth(i).get_attribute("data-parent") for i in range(offered.count())} == {
        str(fees.pk)
    }
    assert page.locator(f"#id_subcategory option[data-parent='{account.pk}']").count() >= 1
    page.fill("#id_description", "客户询问当前佣金费率")
    page.check("#id_resolved_now")
    page.fill("#id_resolution", "已告知客户当前费率及调整方式")
    page.click("#service-request-intake button[type=submit]")
    page.wait_for_selector("#first-contact")
    first = ServiceRequest.objects.get()
    assert first.client == client and first.first_contact_resolved
    assert first.status == Status.RESOLVED and first.taken_by == org.agent
    suggested = page.locator("#kb-suggested")
    assert "佣金费率如何调整" in suggested.inner_text()  # the article for the category

    # a second request, from the client page's link, escalated when the client is unhappy
    page.goto(page.base + f"/service-requests/new/?client={client.pk}")
    page.select_option("#id_category", str(fees.pk))
    page.fill("#id_description", "客户认为佣金调整未提前告知")
    page.click("#service-request-intake button[type=submit]")
    page.wait_for_selector("#service-request-status")
    second = ServiceRequest.objects.exclude(pk=first.pk).get()
    act(page, "start")
    act(page, "escalate_to_complaint", {"reason": "客户对解释不满意，要求投诉"})
    page.wait_for_selector("#escalated-complaint")
    second.refresh_from_db()
    complaint = Complaint.objects.get()
    assert second.status == Status.ESCALATED and second.complaint == complaint
    page.click("#escalated-complaint a")
    page.wait_for_selector("#escalated-from")
    assert second.number in page.locator("#escalated-from").inner_text()
    # the desk lists both; the workbench has no open request left for the agent
    page.goto(page.base + f"/service-requests/?client={client.pk}")
    page.wait_for_selector(f"#service-request-{first.pk}")
    assert page.locator(f"#service-request-{second.pk}").count() == 1
