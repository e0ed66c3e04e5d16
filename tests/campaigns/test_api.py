"""The `campaigns/` API: each role's access (404 out of scope), the workflow actions,
the recipients count."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.access import ApiAccessCase
from tests.campaigns.helpers import campaign
from tests.factories import make_client
from tests.outreach.helpers import sms_template

BUILDERS = {"list": 200, "detail": 200, "create": 201, "update": 200}


class TestCampaignApi(ApiAccessCase):
    list_url = "api:campaign-list"
    detail_url = "api:campaign-detail"
    expected = {
        "account_manager": BUILDERS,
        "advisor": BUILDERS,
        "branch_manager": BUILDERS,
        "hq": BUILDERS,
        "compliance": {"list": 200, "detail": 200},  # reads, never writes
        "service_agent": {"list": 200, "detail": 404},  # sees no campaign
        "integration": {"list": 200, "detail": 404},
    }

    def make_in_scope(self, org, user):
        role = getattr(getattr(user, "staff", None), "role", "")
        owner = user if role in ("account_manager", "advisor") else org.am
        return campaign(org, user=owner)

    def make_out_of_scope(self, org, user):
        role = user.staff.role
        if role == "hq":
            return None
        if role in ("account_manager", "advisor"):
            return campaign(org, user=org.am2)
        return campaign(org, user=org.bm_sh)

    def create_payload(self, org, user):
        template = sms_template(code=f"api{user.pk}")
        return {"name": "双十一活动", "purpose": "marketing", "channel": "sms",
                "template": template.code, "kind": "one_off",
                "scheduled_at": (timezone.now() + timedelta(days=1)).isoformat(),
                "segment": {"tiers": ["vip"]}}  # fmt: skip

    def update_payload(self, org, user, obj):
        return {"name": "改名"}


def test_workflow_actions_and_recipients(org):
    make_client(org.am, name="甲", phone="13900000001", consent_sms=True)
    make_client(org.am, name="乙", phone="13900000002", consent_sms=False)
    c = campaign(org, user=org.am)
    am, bm = APIClient(), APIClient()
    am.force_authenticate(org.am)
    bm.force_authenticate(org.bm)
    r = am.get(reverse("api:campaign-recipients", args=[c.pk]))
    assert r.status_code == 200 and (r.data["total"], r.data["eligible"], r.data["no_consent"]) == (
        2,
        1,
        1,
    )
    r = am.post(reverse("api:campaign-submit", args=[c.pk]), {}, format="json")
    assert r.status_code == 200 and r.data["status"] == "submitted"
    assert (
        am.post(reverse("api:campaign-approve", args=[c.pk]), {}, format="json").status_code == 403
    )
    assert (
        bm.post(reverse("api:campaign-reject", args=[c.pk]), {}, format="json").status_code == 400
    )
    stale = bm.post(reverse("api:campaign-approve", args=[c.pk]), {}, format="json",
                    HTTP_IF_MATCH='"1"')  # fmt: skip
    assert stale.status_code == 412
    r = bm.post(reverse("api:campaign-approve", args=[c.pk]), {"note": "同意"}, format="json")
    assert r.status_code == 200 and r.data["status"] == "approved" and r.data["approved_by"] == "bm"
    assert (
        bm.post(reverse("api:campaign-approve", args=[c.pk]), {}, format="json").status_code == 409
    )
    assert am.patch(reverse("api:campaign-detail", args=[c.pk]), {"name": "x"},
                    format="json").status_code == 409  # fmt: skip
    r = am.get(reverse("api:campaign-progress", args=[c.pk]))
    assert r.status_code == 200 and r.data["queued"] == 0
    bad = am.post(reverse("api:campaign-list"), {"name": "", "purpose": "marketing",
                                                 "channel": "sms", "template": "nope"},
                  format="json")  # fmt: skip
    assert bad.status_code == 400
