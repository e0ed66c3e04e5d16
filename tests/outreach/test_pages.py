"""The outreach pages: message record, templates with preview, sending from the client
page, the client page's messages part; and the API `messages/`, `message-templates/`."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from outreach.models import Message, MessageTemplate
from tests.access import ApiAccessCase
from tests.factories import make_client
from tests.outreach.helpers import local, sms_template

pytestmark = pytest.mark.django_db


def _message(client, key, **extra):
    values = {"channel": "sms", "purpose": "service", "recipient": client.phone,
              "body": "【华信证券】您好", "status": "delivered", **extra}  # fmt: skip
    return Message.objects.create(client=client, branch=client.branch, idempotency_key=key,
                                  **values)  # fmt: skip


def test_message_list_filters_and_detail(org, client):
    mine = make_client(org.am, name="王小明")
    other = make_client(org.am_sh, name="赵六", phone="13900000066")
    a = _message(mine, "a")
    b = _message(mine, "b", channel="email", recipient="w@example.com", status="failed",
                 error="550 no such mailbox", subject="风险测评提醒")  # fmt: skip
    _message(other, "c")
    client.force_login(org.bm)
    page = client.get(reverse("outreach:messages"))
    assert page.status_code == 200
    assert f'id="message-{a.pk}"' in page.text and f'id="message-{b.pk}"' in page.text
    assert "赵六" not in page.text  # another branch
    assert "138****8000" in page.text  # the phone masked
    filtered = client.get(reverse("outreach:messages"), {"status": "failed", "channel": "email"})
    assert f'id="message-{b.pk}"' in filtered.text and f'id="message-{a.pk}"' not in filtered.text
    detail = client.get(reverse("outreach:message-detail", args=[b.pk]))
    assert "550 no such mailbox" in detail.text and "风险测评提醒" in detail.text
    client.force_login(org.am_sh)
    assert client.get(reverse("outreach:message-detail", args=[b.pk])).status_code == 404


def test_template_create_preview_and_edit(org, client):
    person = make_client(org.am, name="王小明", client_no="1100012345")
    client.force_login(org.bm)
    form = {"code": "birthday-sms", "name": "生日祝福", "channel": "sms", "purpose": "marketing",
            "provider_template_code": "SMS_100001", "active": "on",
            "body": "{{ client_name }}您好，祝您生日快乐！账户{{ account }}" + "。" * 60,
            "preview_client": f"id:{person.pk}", "preview": "1"}  # fmt: skip
    page = client.post(reverse("outreach:template-create"), form)
    assert page.status_code == 200 and not MessageTemplate.objects.exists()
    assert "【华信证券】王小明您好，祝您生日快乐！账户****2345" in page.text
    assert 'id="preview-length"' in page.text
    length = len("【华信证券】王小明您好，祝您生日快乐！账户****2345") + 60
    assert str(length) in page.text and "2" in page.text  # 2 SMS parts
    # a syntax error is shown on the field, nothing saved
    bad = client.post(reverse("outreach:template-create"),
                      {**form, "body": "{% if %}", "preview": ""} | {"save": "1"})  # fmt: skip
    assert bad.status_code == 400 and not MessageTemplate.objects.exists()
    del form["preview"]
    saved = client.post(reverse("outreach:template-create"), form)
    assert saved.status_code == 302
    template = MessageTemplate.objects.get(code="birthday-sms")
    assert template.branch == org.bj and template.updated_by == org.bm
    edit = client.post(reverse("outreach:template-edit", args=[template.pk]),
                       {**form, "name": "生日祝福（新）"})  # fmt: skip
    assert edit.status_code == 302
    template.refresh_from_db()
    assert template.name == "生日祝福（新）"
    # HQ's template is every branch's, and only HQ edits it
    hq_template = MessageTemplate.objects.create(code="hq", name="总部", channel="sms",
                                                 purpose="service", body="x",
                                                 provider_template_code="S")  # fmt: skip
    listing = client.get(reverse("outreach:templates"))
    assert 'id="template-hq"' in listing.text and 'id="template-birthday-sms"' in listing.text
    assert client.get(reverse("outreach:template-edit", args=[hq_template.pk])).status_code == 403
    client.force_login(org.am)
    assert client.get(reverse("outreach:template-create")).status_code == 403


def test_sms_template_needs_the_provider_code(org, client):
    client.force_login(org.hq)
    page = client.post(reverse("outreach:template-create"), {
        "code": "x", "name": "x", "channel": "sms", "purpose": "service", "body": "您好",
    })  # fmt: skip
    assert page.status_code == 400 and not MessageTemplate.objects.exists()


@time_machine.travel(local(2026, 12, 1, 10), tick=False)
def test_send_from_the_client_page(org, client, django_capture_on_commit_callbacks):
    person = make_client(org.am, name="王小明", consent_sms=False)
    sms_template(code="promo")
    client.force_login(org.am)
    detail = client.get(person.get_absolute_url())
    assert reverse("outreach:send", args=[person.pk]) in detail.text
    assert reverse("outreach:client-messages", args=[person.pk]) in detail.text
    form = client.get(reverse("outreach:send", args=[person.pk]))
    assert form.status_code == 200
    token = form.context["token"]
    body = {"channel": "sms", "purpose": "service", "body": "您的业务已办结。", "send_token": token}
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("outreach:send", args=[person.pk]), body)
        again = client.post(reverse("outreach:send", args=[person.pk]), body)  # double click
    assert sent.status_code == again.status_code == 302
    message = Message.objects.get()
    assert message.status == "sent" and message.body == "【华信证券】您的业务已办结。"
    assert message.created_by == org.am
    # marketing without consent: withheld, with the reason shown
    promo = MessageTemplate.objects.get(code="promo")
    refused = client.post(reverse("outreach:send", args=[person.pk]), {
        "channel": "sms", "purpose": "marketing", "template": promo.pk, "send_token": "t2",
    }, follow=True)  # fmt: skip
    assert Message.objects.get(template=promo).status == "withheld"
    assert refused.status_code == 200
    part = client.get(reverse("outreach:client-messages", args=[person.pk]), HTTP_HX_REQUEST="true")
    assert 'id="client-consent"' in part.text and "您的业务已办结" in part.text
    client.force_login(org.compliance)
    assert client.get(reverse("outreach:send", args=[person.pk])).status_code == 403


class TestMessageApiAccess(ApiAccessCase):
    list_url = "api:message-list"
    detail_url = "api:message-detail"
    expected = {
        "account_manager": {"list": 200, "detail": 200, "create": 201},
        "advisor": {"list": 200, "detail": 200, "create": 201},
        "service_agent": {"list": 200, "detail": 200, "create": 201},
        "branch_manager": {"list": 200, "detail": 200, "create": 201},
        "compliance": {"list": 200, "detail": 200},
        "hq": {"list": 200, "detail": 200, "create": 201},
        "integration": {"list": 200, "detail": 200},
    }

    def make_in_scope(self, org, user):
        from clients.models import Client

        person = Client.objects.filter(name="王小明").first() or make_client(org.am, name="王小明")
        if user is not None and user == org.advisor:
            Client.objects.filter(pk=person.pk).update(advisor=org.advisor)
        return _message(person, f"in:{person.pk}:{Message.objects.count()}")

    def make_out_of_scope(self, org, user):
        if user == org.hq or user == org.integration:
            return None
        return _message(make_client(org.am_sh, name="赵六", phone="13900000066"), "out")

    def create_payload(self, org, user):
        from clients.models import Client

        person = make_client(org.am, name="王小明")
        Client.objects.filter(pk=person.pk).update(advisor=org.advisor)
        return {"client": person.pk, "channel": "sms", "purpose": "service", "body": "您好",
                "idempotency_key": "api-1"}  # fmt: skip


def test_api_send_is_idempotent_and_filters(org, api):
    person = make_client(org.am, consent_sms=False)
    api.force_authenticate(org.am)
    body = {"client": person.pk, "channel": "sms", "purpose": "marketing", "body": "理财节"}
    first = api.post(reverse("api:message-list"), body, format="json", HTTP_IDEMPOTENCY_KEY="x1")
    again = api.post(reverse("api:message-list"), body, format="json", HTTP_IDEMPOTENCY_KEY="x1")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"] and first.json()["status"] == "withheld"
    assert first.json()["recipient"] == "138****8000"
    missing = api.post(reverse("api:message-list"), body, format="json")
    assert missing.status_code == 400 and "idempotency_key" in missing.json()
    listing = api.get(reverse("api:message-list"), {"status": "withheld", "purpose": "marketing"})
    assert listing.status_code == 200 and listing.json()["count"] == 1
    assert api.get(reverse("api:message-list"), {"status": "sent"}).json()["count"] == 0
    other = make_client(org.am_sh, name="赵六", phone="13900000066")
    refused = api.post(reverse("api:message-list"), {**body, "client": other.pk}, format="json",
                       HTTP_IDEMPOTENCY_KEY="x2")  # fmt: skip
    assert refused.status_code == 400 and "client" in refused.json()


def test_api_templates(org, api):
    api.force_authenticate(org.bm)
    body = {"code": "svc", "name": "服务通知", "channel": "sms", "purpose": "service",
            "body": "您好", "provider_template_code": "SMS_1"}  # fmt: skip
    created = api.post(reverse("api:messagetemplate-list"), body, format="json")
    assert created.status_code == 201 and created.json()["branch"] == "BJ01"
    taken = api.post(reverse("api:messagetemplate-list"), body, format="json")
    assert taken.status_code == 400 and "code" in taken.json()
    pk = created.json()["id"]
    patched = api.patch(reverse("api:messagetemplate-detail", args=[pk]), {"name": "新名"},
                        format="json")  # fmt: skip
    assert patched.status_code == 200 and patched.json()["name"] == "新名"
    api.force_authenticate(org.am)
    assert api.post(reverse("api:messagetemplate-list"), body, format="json").status_code == 403
    api.force_authenticate(org.bm_sh)
    assert api.get(reverse("api:messagetemplate-detail", args=[pk])).status_code == 404
