"""An advisor advises a catalogue product (issue #20 items 1 and 5): picked by type-ahead,
its level is the catalogue's; above the client's level it is refused until the recording
(双录) reference is given, then stored with it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clients.models import Client
from tests.e2e.conftest import login
from tests.factories import make_client, make_product
from visits import services
from visits.models import AdvisedProduct

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_advisor_picks_a_catalogue_product_and_gives_its_recording(page, org):
    client = make_client(org.am, name="钱先生", client_no="1100000001")
    Client.objects.filter(pk=client.pk).update(risk_level="C3")
    client.refresh_from_db()
    snowball = make_product(code="JG0001", name="沪深300雪球结构1期", risk_level="R4",
                            product_type="structured")  # fmt: skip
    make_product(code="JG0009", name="已结束结构产品", risk_level="R4", product_type="structured",
                 status="closed")  # fmt: skip
    sheet = services.consultation_file(
        user=org.am, client=client, advisor=org.advisor, question="想了解结构化产品"
    )
    login(page, "advisor")
    page.goto(page.base + sheet.get_absolute_url())
    page.fill("#id_analysis", "客户风险等级C3，产品为R4")
    page.fill("#id_advice", "客户书面坚持购买，已做特别风险警示")
    page.fill("#id_products-0-product-ts-control", "jg")  # code prefix, on sale only
    page.wait_for_load_state("networkidle")
    options = page.locator(".ts-dropdown .option")
    options.first.wait_for()
    assert options.all_inner_texts() == ["沪深300雪球结构1期 · JG0001 · R4 · 结构化产品"]
    options.first.click()
    page.keyboard.press("Tab")
    assert page.input_value("#id_products-0-product") == f"id:{snowball.pk}"
    page.check("#id_products-0-client_insists_in_writing")
    page.check("#id_products-0-special_warning_given")
    with page.expect_navigation():
        page.click("#answer-form button[type=submit]")
    row = page.locator(".product-row.table-danger")
    assert "沪深300雪球结构1期（R4）须双录" in row.inner_text()
    assert not AdvisedProduct.objects.exists()  # refused: nothing stored
    assert page.input_value("#id_products-0-product") == f"id:{snowball.pk}"  # still picked

    page.fill("#id_products-0-recording_ref", "SL-BJ01-20261201-0001")
    recorded = timezone.localtime() - timedelta(minutes=20)
    page.fill("#id_products-0-recorded_at", recorded.strftime("%Y-%m-%dT%H:%M"))
    page.check("#id_products-0-client_insists_in_writing")
    page.check("#id_products-0-special_warning_given")
    with page.expect_navigation():
        page.click("#answer-form button[type=submit]")
    page.wait_for_selector("#advice")
    advice = page.locator("#advice").inner_text()
    assert "沪深300雪球结构1期" in advice and "SL-BJ01-20261201-0001" in advice
    saved = AdvisedProduct.objects.get()
    assert (saved.product, saved.risk_level, saved.recording_ref) == (
        snowball, "R4", "SL-BJ01-20261201-0001")  # fmt: skip
