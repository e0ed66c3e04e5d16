"""Professional investor status: the account manager requests it from the client's page
with the evidence; they cannot approve their own request; the compliance officer finds
it on the workbench and approves it; the client's page shows 专业投资者."""

from datetime import timedelta

import pytest
from django.utils import timezone

from suitability.models import ProClassification
from tests.e2e.conftest import login, logout
from tests.factories import make_client

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_request_professional_status_second_person_approves_class_shown(page, org):
    client = make_client(org.am, name="孙先生", client_no="1100000001", phone="13911114444",
                         opened_on=timezone.localdate() - timedelta(days=400))  # fmt: skip
    login(page, "am")
    page.goto(page.base + client.get_absolute_url())
    assert page.locator("#client-investor-class").inner_text().startswith("普通投资者")
    page.click("#record-action-pro-classification")
    page.wait_for_selector("#pro-form")
    page.check("input[name=kind][value=professional]")
    page.fill("#id_financial_assets", "6000000")
    page.fill("#id_experience_years", "4")
    page.fill("#id_evidence", "证券及银行账户资产证明")
    page.fill("#id_evidence_date", timezone.localdate().isoformat())
    page.click("#pro-submit")
    page.wait_for_selector("#pro-status")
    assert page.locator("#pro-status").inner_text() == "待审批"
    assert page.locator("#pro-own").count() == 1 and page.locator("#btn-approve").count() == 0
    pro = ProClassification.objects.get()
    logout(page)

    login(page, "compliance")
    page.click(f"[data-pro='{pro.pk}'] a")
    page.wait_for_selector("#btn-approve")
    page.fill("#act-approve textarea[name=approve-note]", "资产证明已核实")
    page.click("#btn-approve")
    page.wait_for_selector("#pro-decided")
    assert page.locator("#pro-status").inner_text() == "已批准"
    page.click("#pro-client")
    page.wait_for_selector("#client-investor-class")
    assert page.locator("#client-investor-class").inner_text().startswith("专业投资者")
