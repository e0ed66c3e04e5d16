"""Words in Chinese in the browser: a branch manager downloads the import template (its
Chinese name and headers) and reads an export request's filters in words, at desktop and
phone widths (issue #16, "Everything in zh-hans")."""

import csv
import io

import pytest

from crm import services
from tests.e2e.conftest import login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.mark.parametrize("width", [1440, 390])
def test_import_template_and_export_filters_in_words(page, org, width):
    page.set_viewport_size({"width": width, "height": 900})
    services.export_request_create(
        user=org.am, kind="clients", params={"stage": ["active"]}, reason="客户要求核对完整档案"
    )
    login(page, "bm")
    page.goto(page.base + "/clients/import/")
    assert "客户号、日期、总资产" in page.inner_text("main")
    with page.expect_download() as download_info:
        page.click("#import-template a:has-text('CSV')")
    download = download_info.value
    assert download.suggested_filename == "账户数据导入模板.csv"
    with open(download.path(), encoding="utf-8-sig") as f:
        header = next(csv.reader(io.StringIO(f.read())))
    assert header[:3] == ["客户号", "日期", "总资产"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.goto(page.base + "/exports/")
    assert "阶段：活跃" in page.inner_text("#to-decide")
    assert "stage=" not in page.inner_text("main")
