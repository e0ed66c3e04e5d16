"""The import in Chinese (issue #16, "Everything in zh-hans"): a downloadable template with
Chinese headers and an example row, Chinese headers accepted (the keys still are), and an
error report with Chinese column names and messages."""

from __future__ import annotations

import csv
import io
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clients.imports import COLUMNS, column_key, run_import
from clients.models import AccountSnapshot, ImportJob
from tests.factories import make_client

CHINESE_HEADERS = [
    "客户号",
    "日期",
    "总资产",
    "资金余额",
    "市值",
    "净流入",
    "成交额",
    "成交笔数",
    "佣金",
]


def make_job(org, name: str, content: bytes) -> ImportJob:
    return ImportJob.objects.create(
        branch=org.bj, file=SimpleUploadedFile(name, content), original_name=name,
        created_by=org.bm,
    )  # fmt: skip


def disposition_name(response) -> str:
    return unquote(response["Content-Disposition"].split("filename*=utf-8''")[1])


def test_every_column_is_read_by_its_chinese_header_its_english_name_or_its_key():
    assert [column_key(h) for h in CHINESE_HEADERS] == list(COLUMNS)
    assert [column_key(k) for k in COLUMNS] == list(COLUMNS)
    assert column_key("Total assets") == column_key(" 总资产（元） ") == "total_assets"
    assert column_key("备注") == "备注"  # an unknown column is left out of the rows


def test_the_template_has_the_chinese_headers_and_an_example_row(client, org):
    from openpyxl import load_workbook

    client.force_login(org.bm)
    response = client.get(reverse("clients:import-template"))
    assert response.status_code == 200
    assert disposition_name(response) == "账户数据导入模板.xlsx"
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[str(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == CHINESE_HEADERS and len(rows) == 2
    csv_response = client.get(reverse("clients:import-template"), {"format": "csv"})
    assert disposition_name(csv_response) == "账户数据导入模板.csv"
    body = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0] == ",".join(CHINESE_HEADERS)
    page = client.get(reverse("clients:import")).content.decode()
    assert reverse("clients:import-template") in page and "client_no" not in page


def test_the_template_filled_in_imports_and_reports_errors_in_chinese(client, org, settings,
                                                                      tmp_path):  # fmt: skip
    settings.MEDIA_ROOT = tmp_path
    make_client(org.am, client_no="1100000001")
    client.force_login(org.bm)
    template = client.get(reverse("clients:import-template"), {"format": "csv"})
    content = b"".join(template.streaming_content).decode("utf-8-sig")
    content += "1100000009,2026-11-30,100\n1100000001,2026-11-29,abc\n"
    job = make_job(org, "快照.csv", content.encode("utf-8-sig"))
    assert run_import(job.pk) == 1  # the example row (client 1100000001)
    assert AccountSnapshot.objects.get().total_assets == 1250000
    job.refresh_from_db()
    assert (job.status, job.error_rows) == ("done", 2)
    response = client.get(reverse("clients:import-errors", args=[job.pk]))
    assert disposition_name(response) == f"导入错误报告-{job.pk}.csv"
    rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    assert rows[0] == ["行号", "客户号", "错误"]
    messages = {row[1]: row[2] for row in rows[1:]}
    assert messages["1100000009"].startswith("客户号：")
    assert messages["1100000001"].startswith("总资产：")
    assert not any(c.isascii() and c.isalpha() for m in messages.values() for c in m)


def test_a_file_without_a_required_column_names_it_in_chinese(org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    job = make_job(org, "s.csv", "客户号,日期\n1100000001,2026-11-30\n".encode())
    run_import(job.pk)
    job.refresh_from_db()
    assert (job.status, job.message) == ("failed", "缺少列：总资产")


@pytest.mark.parametrize("role", ["am", "agent", "compliance"])
def test_only_importers_download_the_template(client, org, role):
    client.force_login(getattr(org, role))
    assert client.get(reverse("clients:import-template")).status_code in (403, 404)
