"""An account manager works a retention case opened by the nightly churn scoring."""

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from clients import segmentation
from clients.models import Client, RetentionCase
from tests.e2e.conftest import login
from tests.factories import make_client

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_account_manager_records_an_action_and_retains_the_client(page, org):
    client = make_client(
        org.am,
        name="周先生",
        client_no="1100000001",
        opened_on=timezone.localdate() - relativedelta(years=4),
    )
    Client.objects.filter(pk=client.pk).update(exit_signal="transfer_out")
    segmentation.run()
    case = RetentionCase.objects.get()
    login(page, "am")
    assert page.locator("#section-retention").inner_text().count("周先生") == 1
    page.click("#section-retention a:has-text('周先生')")
    page.wait_for_selector("h1:has-text('挽留案例')")
    page.select_option("#id_kind", "visit")
    page.fill("#id_note", "上门拜访，客户愿意继续留在本营业部")
    page.click("form:has(#id_kind) button")
    page.wait_for_selector("text=上门拜访，客户愿意继续留在本营业部")
    page.select_option("#id_outcome", "retained")
    page.click("form:has(#id_outcome) button")
    page.wait_for_selector("text=已挽留")
    case.refresh_from_db()
    assert (case.status, case.outcome) == ("closed", "retained")
    assert case.actions.get().kind == "visit"
