"""The file import in the browser: a branch manager uploads a file for a dry run, reads
what would be stored, imports the same file from the dry run's page, and watches a
queued import's progress bar (polled by HTMX) reach 100%."""

import pytest

from clients.models import AccountSnapshot, ImportJob
from tests.e2e.conftest import login
from tests.factories import make_client

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CSV = "客户号,日期,总资产\n1100000001,2025-10-30,1000\n1100000001,2025-10-31,1100\nx,2025-10-31,1\n"


def test_upload_dry_run_import_and_progress(page, org, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from clients.imports import run_import

    settings.MEDIA_ROOT = tmp_path
    make_client(org.am, client_no="1100000001")
    login(page, "bm")
    page.goto(page.base + "/clients/import/")
    page.select_option("#id_kind", "snapshots")
    page.set_input_files("#id_file", files=[
        {"name": "s.csv", "mimeType": "text/csv", "buffer": CSV.encode()},
    ])  # fmt: skip
    page.click("#import-dry-run")
    page.wait_for_selector("#import-would")
    assert "将写入 2 行，1 行有错误" in page.inner_text("#import-progress")
    assert AccountSnapshot.objects.count() == 0

    page.click("#import-for-real")
    page.wait_for_selector("#import-progress:has-text('100%')")
    assert "已保存 2 行" in page.inner_text("#import-progress")
    assert page.locator("#import-for-real").count() == 0 and AccountSnapshot.objects.count() == 2

    # a queued import: the page polls its progress until the worker has done it
    job = ImportJob.objects.create(
        branch=org.bj, file=SimpleUploadedFile("t.csv", CSV.encode()), original_name="t.csv",
        created_by=org.bm,
    )  # fmt: skip
    page.goto(page.base + f"/clients/import/{job.pk}/")
    assert page.get_attribute("#import-progress .progress", "aria-valuenow") == "0"
    run_import(job.pk)
    page.wait_for_selector("#import-progress:has-text('100%')", timeout=10000)
    width = page.evaluate("document.querySelector('#import-progress .progress-bar').style.width")
    assert width == "100%"
    assert page.get_attribute("#import-progress", "hx-get") is None  # polling stopped

    page.goto(page.base + "/clients/import/")
    assert page.locator("#import-jobs tbody tr").count() == 3
