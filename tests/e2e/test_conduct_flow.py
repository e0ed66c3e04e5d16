"""HQ sends the year's conduct self-check; the account manager finds it on the workbench,
fills it in and signs it in the browser; the branch's compliance officer sees it signed
(and the misconduct register is not there for the account manager)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conduct.models import SelfCheck
from tests.e2e.conftest import login, logout

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_self_check_sent_filled_signed_and_seen_done(page, org):
    due = timezone.localdate() + timedelta(days=10)
    login(page, "hq")
    page.click("#nav-more")
    page.click("#nav-selfchecks")
    page.click("#new-selfcheck-form")
    page.fill("#id_title", "年度员工执业行为自查表")
    page.fill("#id_questions", "是否存在代客操作？\n是否接受客户全权委托？")
    page.fill("#id_declaration", "本人承诺以上内容真实、准确、完整。")
    page.fill("#id_due_on", due.isoformat())
    page.click("#send-selfcheck-form")
    page.wait_for_selector("#selfcheck-forms")
    assert "年度员工执业行为自查表" in page.locator("#selfcheck-forms").inner_text()
    logout(page)

    # the account manager: the workbench shows the self-check to sign
    login(page, "am")
    page.click("[data-selfcheck] a")
    page.wait_for_selector("#selfcheck-sign")
    assert "是否存在代客操作" in page.locator("#question-0").inner_text()
    page.click("#selfcheck-submit")  # nothing answered: refused, said per question
    page.wait_for_selector("#selfcheck-sign .invalid-feedback")
    page.check("#question-0 input[value=no]")
    page.check("#question-1 input[value=yes]")
    page.fill("#question-1 textarea", "客户曾口头委托代为操作，已拒绝")
    page.check("#id_declaration_accepted")
    page.click("#selfcheck-submit")
    page.wait_for_selector("#selfcheck-signed")
    check = SelfCheck.objects.get(staff=org.am)
    assert check.status == "signed" and check.answers[1]["answer"] == "yes"
    assert page.locator("#nav-misconduct").count() == 0
    response = page.goto(page.base + "/conduct/misconduct/")
    assert response.status == 404
    page.goto(page.base + "/")
    logout(page)

    # the compliance officer: the list shows it signed, with one matter declared
    login(page, "compliance")
    page.click("#nav-more")
    page.click("#nav-selfchecks")
    row = page.locator(f"#selfcheck-{check.pk}")
    row.wait_for()
    assert "已签署" in row.inner_text()
    assert row.locator("td").last.inner_text().strip() == "1"
