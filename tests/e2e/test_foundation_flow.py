"""A branch manager gives an account manager a to-do; the account manager works it."""

import pytest
from playwright.sync_api import expect

from crm.models import Todo
from tests.e2e.conftest import login, logout

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_manager_assigns_a_todo_and_the_account_manager_completes_it(page, org):
    login(page, "bm")
    assert page.locator("nav").get_by_text("管理看板").is_visible()
    page.click("text=新建待办")
    page.fill("#id_title", "联系三位休眠客户")
    page.select_option("#id_assignee", value=str(org.am.pk))  # labelled 王测试 (am)
    page.click("button:has-text('保存')")
    page.wait_for_selector("text=已创建。")
    todo = Todo.objects.get(title="联系三位休眠客户")
    link = page.locator(".alert a.alert-link", has_text="联系三位休眠客户")  # names the to-do
    assert link.get_attribute("href") == todo.get_absolute_url()
    assert todo.assignee == org.am and todo.policy is not None  # follows the standard limit
    logout(page)

    login(page, "am")
    badge = page.locator("#unread-badge")
    badge.wait_for(state="visible")
    assert badge.inner_text().startswith("1")
    page.click("a[title='通知']")
    page.click("text=新待办：联系三位休眠客户")
    page.wait_for_selector("h1:has-text('联系三位休眠客户')")
    page.click("text=待办事项")
    row = page.locator(f"#todo-{todo.pk}")
    row.locator("button:has-text('完成')").click()  # HTMX swaps the row in place
    row.locator("text=完成").first.wait_for()
    expect(page.locator(f"#todo-{todo.pk} button")).to_have_count(0)  # no eval() under CSP
    todo.refresh_from_db()
    assert todo.status == Todo.Status.DONE

    page.click("#nav-user")
    page.select_option("select[name=language]", "en")
    page.wait_for_selector("text=Workbench")
    assert page.locator("nav").get_by_text("To-dos").is_visible()
