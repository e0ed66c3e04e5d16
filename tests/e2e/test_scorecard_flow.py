"""The branch manager sets the scorecard's weights (trading volume only), the nightly job
runs, and the account manager opens their scorecard from the 更多 menu and reads their
score and rank."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from clients.models import ClientMonth
from scorecards import tasks
from scorecards.measures import KEYS
from scorecards.models import ScorecardWeights
from tests.e2e.conftest import login, logout
from tests.factories import make_client

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_weights_set_nightly_job_then_my_scorecard_and_rank(page, org):
    month = (timezone.localdate() - timedelta(days=1)).replace(day=1)
    for owner, no, volume in ((org.am, "1100000001", "900000"), (org.am2, "1100000002", "300000")):
        c = make_client(owner, client_no=no, phone=f"139{no[-8:]}")
        ClientMonth.objects.create(client=c, month=month, days=10, avg_assets=Decimal("100000"),
                                   trading_volume=Decimal(volume), commission=Decimal("100"),
                                   trade_count=3)  # fmt: skip
    # the branch manager: trading volume 100, the rest 0
    login(page, "bm")
    page.goto(page.base + "/scorecards/weights/")
    for key in KEYS:
        page.fill(f"#id_w_{key}", "100" if key == "volume" else "0")
    page.click("#weights-save")
    page.wait_for_selector(".alert-success")
    assert ScorecardWeights.objects.get(branch=org.bj).weights["volume"] == 100
    logout(page)

    tasks.nightly()  # what beat runs every night

    # the account manager: 更多 → 我的考核
    login(page, "am")
    page.locator("#mainnav .dropdown-toggle", has_text="更多").click()
    page.locator("#mainnav .dropdown-menu a", has_text="我的考核").click()
    page.wait_for_selector("#scorecard-month")
    assert page.locator("#score-month").inner_text() == "100.00"
    assert "第 1 名" in page.locator("#rank-month").inner_text()
    logout(page)
    login(page, "am2")
    page.goto(page.base + "/scorecards/mine/")
    assert page.locator("#score-month").inner_text() == "33.33"
    assert "第 2 名" in page.locator("#rank-month").inner_text()
