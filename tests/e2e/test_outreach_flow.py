"""A branch manager writes an SMS template, previews it with a real client's data (the
signature, the length and the SMS count), saves it, then sends it from the client page
to a client who agreed to marketing by SMS, and sees it sent in the message record."""

import pytest

from outreach.models import Message, MessageTemplate
from tests.e2e.conftest import login, pick
from tests.factories import make_client

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_template_preview_and_send_from_the_client_page(page, org, settings):
    settings.OUTREACH_SMS_QUIET_START = settings.OUTREACH_SMS_QUIET_END = "00:00"  # any hour
    client = make_client(org.am, name="周先生", client_no="1100001234", phone="13977778888",
                         consent_sms=True)  # fmt: skip
    login(page, "bm")
    page.click("#nav-reaching")
    page.click("#nav-outreach")
    page.click("#outreach-templates-link")
    page.click("#new-template")
    page.fill("#id_code", "birthday-sms")
    page.fill("#id_name", "生日祝福")
    page.select_option("#id_channel", "sms")
    page.select_option("#id_purpose", "marketing")
    page.fill("#id_provider_template_code", "SMS_468120001")
    page.fill("#id_body", "{{ client_name }}您好，祝您生日快乐！账户{{ account }}")
    pick(page, "#id_preview_client", "8888", "周先生")
    page.click("#template-preview")
    page.wait_for_selector("#preview")
    assert (
        page.locator("#preview-body").inner_text()
        == "【华信证券】周先生您好，祝您生日快乐！账户****1234"
    )
    assert "1 条短信" in page.locator("#preview-length").inner_text()
    assert not MessageTemplate.objects.exists()  # a preview saves nothing
    page.click("#template-save")
    page.wait_for_selector("#template-birthday-sms")
    template = MessageTemplate.objects.get(code="birthday-sms")

    page.goto(page.base + client.get_absolute_url())
    page.click("#client-send")
    page.select_option("#id_channel", "sms")
    page.select_option("#id_purpose", "marketing")
    page.select_option("#id_template", str(template.pk))
    page.click("#send-submit")
    page.wait_for_selector("#message-status")
    message = Message.objects.get()
    assert message.status == "sent" and message.template == template
    assert page.locator("#message-status").inner_text() == "已发送"
    assert "【华信证券】周先生您好" in page.locator("#message-body").inner_text()
    page.click("#nav-reaching")
    page.click("#nav-outreach")
    page.wait_for_selector(f"#message-{message.pk}")
