"""An agent opens the queue, claims a callback, fills the registration form with a
complaint, and the complaint appears on the desk."""

from datetime import timedelta

import pytest
from django.utils import timezone

from callcenter import services
from callcenter.models import Callback
from complaints.models import Complaint
from tests.e2e.conftest import login
from tests.factories import make_client

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_agent_claims_callback_files_complaint_and_sees_it_on_the_desk(page, org):
    client = make_client(
        org.am,
        name="郑女士",
        client_no="1100000001",
        phone="13911112222",
        opened_on=timezone.localdate() - timedelta(days=5),
    )
    services.generate_due_callbacks()
    callback = Callback.objects.get(client=client)
    login(page, "agent")
    page.locator("nav a.dropdown-toggle", has_text="呼叫中心").click()
    page.click("nav a.dropdown-item[href='/callcenter/']")
    page.click("a[href='?tab=pool']")
    page.click(f"#callback-{callback.pk} a")
    page.click("#claim")
    page.wait_for_selector("#registration-form")
    page.check("#id_identity_verified")
    page.check("input[name=trading_by_staff][value=no]")
    page.check("input[name=risks_disclosed][value=no]")
    page.check("input[name=discretionary_mandate][value=no]")
    page.select_option("#id_satisfaction", "2")
    page.fill("#id_opinion", "开户时没有人向我说明风险")
    page.select_option("#id_opinion_category", "advice")
    page.check("#id_make_complaint")
    page.click("#registration-form button[type=submit]")
    page.wait_for_url("**/callcenter/")
    complaint = Complaint.objects.get()
    assert complaint.channel == "callback" and complaint.client == client
    page.click("nav a[href='/complaints/']")
    page.wait_for_selector(f"#complaint-{complaint.pk}")
    row = page.locator(f"#complaint-{complaint.pk}").inner_text()
    assert "郑**" in row and "郑女士" not in row  # a service agent sees the name masked
    assert Callback.objects.get(pk=callback.pk).status == "completed"
