"""An account manager builds a birthday campaign and previews it with a real client; the
branch manager (the owner never approves their own) sees it on the workbench, previews
it, approves it; the day's run sends it and the page shows it delivered."""

from datetime import date, datetime, time

import pytest
import time_machine
from django.utils import timezone

from campaigns import tasks
from campaigns.models import Campaign, Status
from clients.models import Client
from outreach.models import Message
from outreach.services.messages import message_apply_receipts
from outreach.sms import Receipt
from tests.e2e.conftest import login
from tests.factories import make_client
from tests.outreach.helpers import SHANGHAI, sms_template

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_birthday_campaign_built_previewed_approved_and_delivered(page, org):
    today = timezone.localdate()
    born = date(1980, today.month, min(today.day, 28))
    template = sms_template(code="birthday-e2e", body="{{ client_name }}您好，祝您生日快乐！")
    birthday = make_client(org.am, name="王先生", client_no="1100000001", phone="13900001111",
                           consent_sms=True, birth_date=born)  # fmt: skip
    make_client(org.am, name="李女士", client_no="1100000002", phone="13900002222",
                consent_sms=False, birth_date=born)  # no consent: withheld  # fmt: skip
    make_client(org.am, name="赵先生", client_no="1100000003", phone="13900003333",
                consent_sms=True, birth_date=date(1980, (today.month % 12) + 1, 1))  # fmt: skip
    if born != today:  # the 29th to the 31st: the test's client is born "today"
        Client.objects.filter(pk=birthday.pk).update(birth_date=today.replace(year=1980))

    # the account manager builds it: errors first, all at once, in Chinese
    login(page, "am")
    page.click("#nav-reaching")
    page.click("#nav-campaigns")
    page.click("#new-campaign")
    page.click("#save-campaign")
    page.wait_for_selector(".invalid-feedback")
    assert page.locator(".invalid-feedback").count() >= 2
    page.fill("#id_name", "客户生日祝福")
    page.select_option("#id_channel", "sms")
    page.select_option("#id_template", str(template.pk))
    page.select_option("#id_kind", "birthday")
    page.fill("#id_send_time", "00:00")
    page.click("#save-campaign")
    page.wait_for_selector("#campaign-status")
    campaign = Campaign.objects.get()
    assert campaign.kind == "birthday" and campaign.owner == org.am
    # today's birthdays after consent: one of two; the preview is that client's message
    assert page.inner_text("#count-total") == "2" and page.inner_text("#count-eligible") == "1"
    assert page.inner_text("#count-no-consent") == "1"
    preview = page.inner_text("#preview-body")
    assert preview.startswith("【华信证券】") and "王先生您好，祝您生日快乐！" in preview
    assert "1" in page.inner_text("#preview-length")
    with page.expect_navigation():
        page.click("#act-submit button[type=submit]")
    assert page.locator("#act-approve").count() == 0  # the owner does not approve it
    page.context.clear_cookies()  # signed out

    # the branch manager: the workbench lists it; preview; approve
    login(page, "bm")
    page.click(f"[data-campaign='{campaign.pk}'] a")
    page.wait_for_selector("#preview-body")
    assert "王先生" in page.inner_text("#preview-body")
    page.fill("[name='approve-note']", "同意发送")
    with page.expect_navigation():
        page.click("#act-approve button[type=submit]")
    campaign.refresh_from_db()
    assert campaign.status == Status.APPROVED and campaign.approved_by == org.bm

    # the beat's run (the task body), eager sending through the logging backend, at 10:00
    # (in quiet hours, 21:00-08:00, an SMS would wait for the morning)
    with time_machine.travel(datetime.combine(today, time(10), tzinfo=SHANGHAI), tick=True):
        ran = tasks.run_due()
    assert ran["ran"] == {campaign.pk: 1}
    sent = Message.objects.get(source_kind="campaign", source_id=campaign.pk)
    assert sent.client == birthday and sent.status == "sent"
    # the provider's receipt
    message_apply_receipts(sent.provider, [Receipt(sent.provider_message_id, True)])
    page.reload()
    assert page.inner_text("#campaign-status") == "发送中"
    assert page.inner_text("#progress-delivered") == "1"
    assert page.inner_text("#progress-withheld") == "1"
