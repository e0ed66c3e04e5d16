"""An agent searches the knowledge base for a word inside an article, opens the best
match and marks it helpful (HTMX: the button becomes the thank-you line)."""

import pytest

from knowledge import services
from knowledge.models import Article, Category
from tests.e2e.conftest import login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_agent_searches_opens_and_marks_helpful(page, org):
    cat = Category.objects.create(name="转托管与转户", serves=["general"])
    body = services.article_create(user=org.hq, title="柜台业务须知", category=cat, publish=True,
                                   body="客户申请转托管需要携带身份证。")  # fmt: skip
    title = services.article_create(user=org.hq, title="转托管办理指南", category=cat,
                                    publish=True, body="按步骤办理。")  # fmt: skip
    login(page, "agent")
    page.click("nav a.nav-link[href='/knowledge/']")
    page.fill("#kb-q", "转托管")
    page.click("#kb-search")
    page.wait_for_url("**/knowledge/?q=*")
    links = page.locator(".crm-table tbody a")
    assert links.nth(0).inner_text() == "转托管办理指南"
    assert links.nth(1).inner_text() == "柜台业务须知"
    links.nth(0).click()
    page.wait_for_url(f"**/knowledge/{title.pk}/")
    page.click("#mark-helpful")
    page.wait_for_selector("#kb-helpful .text-success")
    assert Article.objects.get(pk=title.pk).helpful_count == 1
    assert Article.objects.get(pk=body.pk).helpful_count == 0
