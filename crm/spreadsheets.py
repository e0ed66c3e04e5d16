"""Every CSV and Excel file the product writes or reads goes through this module.

Writing: `safe_cell` neutralises text a spreadsheet would run as a formula (it starts
with `=`, `+`, `-`, `@`, a tab or a carriage return, or their full-width forms, which
Chinese input methods type): it gets a leading single quote, so Excel and WPS show it
as text. Numbers, dates and text that is just a number ("-12.50") stay as they are.
Control characters that neither format can hold (NUL and the like) are dropped.

Reading: files are streamed (a CSV reader over the file, openpyxl's read-only mode for
Excel), so memory does not grow with the rows; an Excel file is a zip archive, and one
whose content would unpack to far more than its size (a "zip bomb") is refused before
it is opened. A line that cannot be read is reported as that line's error; the rest of
the file is still read.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
# what XML 1.0 (so xlsx) cannot hold; tab, newline and carriage return are allowed
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/?*\[\]:]")


def safe_cell(value):
    """The value as it may go into a CSV or Excel cell."""
    if value is None or isinstance(value, (bool, int, float, Decimal, date, time)):
        if isinstance(value, datetime) and timezone.is_aware(value):
            return timezone.localtime(value).replace(tzinfo=None)  # Excel has no zones
        return value
    text = _CONTROL.sub("", str(value))
    if text.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class _Echo:
    def write(self, value):
        return value


def csv_lines(rows: Iterable) -> Iterator[str]:
    """Each row as one CSV line of safe cells (no header, no byte-order mark)."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([safe_cell(v) for v in row])


def csv_stream(headers: list, rows: Iterable) -> Iterator[str]:
    """A whole CSV file, lazily: a byte-order mark (so Excel reads UTF-8), the header
    line, then the rows."""
    return _with_bom(csv_lines(_with_header(headers, rows)))


def csv_rewritten(text: str) -> Iterator[str]:
    """Stored CSV text (an import's error report) again through the safe writer, as a
    file like `csv_stream`'s: safe whenever and however the text was written."""
    return _with_bom(csv_lines(csv.reader(io.StringIO(text, newline=""))))


def _with_bom(lines: Iterator[str]) -> Iterator[str]:
    first = True
    for line in lines:
        yield ("\ufeff" + line) if first else line
        first = False


def csv_text(headers: list, rows: Iterable) -> str:
    return "".join(csv_stream(headers, rows))


def _with_header(headers, rows):
    yield headers
    yield from rows


@dataclass
class Sheet:
    title: str
    headers: list
    rows: Iterable


def xlsx_bytes(sheets: Iterable[Sheet]) -> bytes:
    """An Excel workbook of the sheets, written row by row (openpyxl's write-only mode)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    used: set[str] = set()
    for sheet in sheets:
        ws = book.create_sheet(_sheet_title(sheet.title, used))
        ws.append([safe_cell(h) for h in sheet.headers])
        for row in sheet.rows:
            ws.append([safe_cell(v) for v in row])
    if not used:
        book.create_sheet("Sheet")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title, used: set[str]) -> str:
    base = (_SHEET_TITLE_FORBIDDEN.sub(" ", _CONTROL.sub("", str(title))).strip("' ") or
            "Sheet")[:31]  # fmt: skip
    name, n = base, 1
    while name.lower() in used:
        n += 1
        name = f"{base[: 31 - len(str(n)) - 1]}-{n}"
    used.add(name.lower())
    return name


# --- Reading ------------------------------------------------------------------------
class FileRefused(ValueError):
    """The file is too large, unpacks to too much, or is not the format it says."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_unpacked_bytes: int  # Excel: the archive's content, unpacked
    max_ratio: int  # Excel: unpacked size / file size


def check_file(file, name: str, limits: Limits) -> None:
    """Refuse a file over the size limit, or an Excel file that would unpack to too much,
    reading nothing but the zip's table of contents. `file` is a binary file object."""
    file.seek(0, io.SEEK_END)
    size = file.tell()
    file.seek(0)
    if size > limits.max_bytes:
        raise FileRefused(
            _("The file is %(size)s; at most %(max)s can be imported. Split it into smaller files.")
            % {"size": human_size(size), "max": human_size(limits.max_bytes)}
        )
    if not name.lower().endswith(".xlsx"):
        return
    try:
        with zipfile.ZipFile(file) as archive:
            unpacked = sum(max(info.file_size, 0) for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileRefused(_("This is not an Excel (.xlsx) file.")) from exc
    finally:
        file.seek(0)
    if unpacked > limits.max_unpacked_bytes or unpacked > limits.max_ratio * max(size, 1):
        raise FileRefused(
            _("The Excel file would unpack to %(unpacked)s (from %(size)s), more than can be "
              "imported safely. Save it again as CSV, or split it.")
            % {"unpacked": human_size(unpacked), "size": human_size(size)}
        )  # fmt: skip


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(size, 1) / 1024:.0f} KB"


@dataclass
class Line:
    """One line of a file read: its number in the file (the header is line 1) and its
    cells, or `error` when it could not be read."""

    number: int
    values: list
    error: str = ""


def read_lines(file, name: str) -> Iterator[Line]:
    """The lines of a CSV (UTF-8, with or without a byte-order mark) or Excel file
    (first sheet), header first, streamed; blank lines are skipped."""
    if name.lower().endswith(".xlsx"):
        yield from _xlsx_lines(file)
    else:
        yield from _csv_lines(file)


def _csv_lines(file) -> Iterator[Line]:
    # bytes that are not UTF-8 become U+FFFD: that cell is then a row error
    text = io.TextIOWrapper(file, encoding="utf-8-sig", errors="replace", newline="")
    reader = csv.reader(text)
    try:
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Line(reader.line_num, [], _("This line could not be read: %(error)s")
                           % {"error": exc})  # fmt: skip
                continue
            if any(v.strip() for v in values):
                yield Line(reader.line_num, values)
    finally:
        # leave the caller's file open; a reader dropped after the caller closed the
        # file has nothing left to detach
        with suppress(ValueError):
            text.detach()


def _xlsx_lines(file) -> Iterator[Line]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise FileRefused(_("This is not an Excel (.xlsx) file.")) from exc
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            return
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if any(v not in (None, "") for v in values):
                yield Line(number, ["" if v is None else v for v in values])
    finally:
        book.close()
