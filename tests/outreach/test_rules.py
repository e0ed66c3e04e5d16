"""outreach/rules.py: consent, address, quiet hours and the monthly cap."""

from __future__ import annotations

import pytest
from django.utils import timezone

from clients.models import Client
from outreach import rules
from outreach.models import Message
from outreach.rendering import mask_account, render, sms_segments
from tests.factories import make_client
from tests.outreach.helpers import local

pytestmark = pytest.mark.django_db


def test_quiet_hours_hold_sms_until_eight_in_shanghai():
    assert rules.not_before("sms", local(2026, 12, 1, 10)) == local(2026, 12, 1, 10)
    assert rules.not_before("sms", local(2026, 12, 1, 21, 0)) == local(2026, 12, 2, 8)
    assert rules.not_before("sms", local(2026, 12, 1, 23, 59)) == local(2026, 12, 2, 8)
    assert rules.not_before("sms", local(2026, 12, 2, 3, 15)) == local(2026, 12, 2, 8)
    assert rules.not_before("sms", local(2026, 12, 2, 8, 0)) == local(2026, 12, 2, 8)
    assert rules.not_before("sms", local(2026, 12, 1, 20, 59)) == local(2026, 12, 1, 20, 59)
    # e-mail has no quiet hours
    assert rules.not_before("email", local(2026, 12, 1, 23)) == local(2026, 12, 1, 23)


def test_marketing_allowed_needs_consent_and_no_opt_out(org):
    yes = make_client(
        org.am, name="甲", consent_sms=True, consent_email=True, email="a@example.com"
    )
    no = make_client(org.am, name="乙", phone="13900000002", consent_sms=False)
    out = make_client(org.am, name="丙", phone="13900000003", consent_sms=True)
    Client.objects.filter(pk=out.pk).update(sms_opted_out_at=timezone.now())
    allowed = set(
        Client.objects.filter(rules.marketing_allowed_q("sms")).values_list("pk", flat=True)
    )
    assert yes.pk in allowed and no.pk not in allowed and out.pk not in allowed
    email = set(
        Client.objects.filter(rules.marketing_allowed_q("email")).values_list("pk", flat=True)
    )
    assert email == {yes.pk}
    with_email = Client.objects.filter(rules.address_q("email")).values_list("pk", flat=True)
    assert list(with_email) == [yes.pk]
    assert Client.objects.filter(rules.address_q("sms")).count() == 3


def test_cap_counts_the_months_marketing_messages_that_went_out(org, settings):
    settings.OUTREACH_MARKETING_MONTHLY_CAP = 2
    client = make_client(org.am, consent_sms=True)
    other = make_client(org.am, name="李四", phone="13900000009", consent_sms=True)
    at = local(2026, 12, 15)

    def msg(n, status="sent", purpose="marketing", created=at, who=client):
        Message.objects.create(
            client=who,
            branch=who.branch,
            channel="sms",
            purpose=purpose,
            idempotency_key=f"t:{who.pk}:{n}",
            recipient=who.phone,
            body="x",
            status=status,
            created_at=created,
        )

    msg(1)
    msg(2, status="withheld")
    msg(3, status="failed")
    msg(4, purpose="service")
    msg(5, created=local(2026, 11, 30, 23))  # last month
    assert rules.capped_client_ids([client.pk, other.pk], at) == set()
    msg(6, status="delivered")
    assert rules.capped_client_ids([client.pk, other.pk], at) == {client.pk}
    assert rules.capped_client_ids(Client.objects.all(), at) == {client.pk}
    assert rules.capped_client_ids([client.pk], local(2027, 1, 1, 0, 1)) == set()
    assert rules.capped_client_ids([], at) == set()


def test_rendering_signs_sms_and_counts_segments(org, settings):
    client = make_client(org.am, name="王小明", client_no="1100012345")
    out = render(
        channel="sms",
        client=client,
        body="{{ client_name }}，账户{{ account }}：{{ event }}",
        context={"event": "投资策略会"},
    )
    assert out.body == "【华信证券】王小明，账户****2345：投资策略会"
    assert out.variables["client_name"] == "王小明" and out.variables["event"] == "投资策略会"
    assert mask_account("1100012345") == "****2345"
    assert sms_segments("字" * 70) == 1
    assert sms_segments("字" * 71) == 2
    assert sms_segments("字" * 134) == 2
    assert sms_segments("字" * 135) == 3
    assert sms_segments("") == 0
    # e-mail: the HTML part escapes the variables, the text part does not
    mail = render(
        channel="email",
        client=client,
        subject="{{ client_name }}",
        body="{{ x }}",
        html_body="<b>{{ x }}</b>",
        context={"x": "<a&b>"},
    )
    assert (
        mail.subject == "王小明"
        and mail.body == "<a&b>"
        and mail.html_body == "<b>&lt;a&amp;b&gt;</b>"
    )
