"""Shared helpers of the campaign tests."""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.utils import timezone

from campaigns import services
from tests.outreach.helpers import sms_template

_codes = itertools.count(1)


def campaign(org, *, user=None, template=None, **data):
    """A draft campaign through the service (the branch manager's unless told)."""
    user = user or org.bm
    template = template or sms_template(code=f"t{next(_codes)}")
    values = {
        "name": "VIP回访短信", "purpose": "marketing", "channel": "sms", "template": template,
        "kind": "one_off", "scheduled_at": timezone.now() + timedelta(hours=1), "segment": {},
    }  # fmt: skip
    values.update(data)
    return services.campaign_create(user=user, data=values)


def approved(org, **data):
    """A campaign an account manager built and the branch manager approved."""
    c = campaign(org, user=org.am, **data)
    c = services.campaign_submit(user=org.am, campaign=c)
    if c.status == "submitted":
        c = services.campaign_approve(user=org.bm, campaign=c)
    return c
