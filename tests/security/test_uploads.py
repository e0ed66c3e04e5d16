"""Uploaded files (issue 14, findings 10 and 11): never served from MEDIA_URL, checked by
content, named with their extension, refused by size before the body is read; oversized
bodies answer 413 (JSON under /api/).

The class: every FileField of every model is in UPLOADS (a new one fails
`test_every_file_field_has_its_upload_in_the_table`), every form's file field is an
UploadField, the admin uploads nothing, and each upload of the table is probed for a
disguised program, a 250-character name and a too-large file."""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db import models
from django.test import RequestFactory
from django.test.client import FakePayload
from django.urls import Resolver404, clear_url_caches, resolve, reverse

from clients.forms import SNAPSHOT_FILE_UPLOAD
from clients.models import ImportJob
from complaints.models import Attachment
from complaints.services import ATTACHMENT_UPLOAD
from crm import uploads
from crm.uploads import UploadField, UploadRule, clean_file_name, detect_kind
from tests.complaints.helpers import receive

PROJECT_APPS = ("crm", "clients", "visits", "complaints", "callcenter", "knowledge")

# The start of a Windows program (DOS header, stub message).
PROGRAM = (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8" + b"\x00" * 43
           + b"\x80\x00\x00\x00" + b"This program cannot be run in DOS mode.\r\r\n$"
           + b"\x00" * 400)  # fmt: skip
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CSV = b"client_no,date,total_assets\n1100000001,2025-10-31,100\n"


def office_zip(main: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(main, "<x/>")
    return buffer.getvalue()


def xlsx() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["client_no", "date", "total_assets"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- The uploads of the project -------------------------------------------------------
@dataclass
class Upload:
    url: Callable  # (org) -> the address the form posts to
    user: str  # who may upload there (an attribute of the org fixture)
    rule: UploadRule
    form: type[forms.Form]
    model: type[models.Model]
    good: tuple[str, bytes]  # an accepted file
    disguised: str  # a program named as an accepted kind
    refused_status: int  # the answer to a refused file (the form again, or back to the page)


def _attachment_form():
    from complaints.forms import AttachmentForm

    return AttachmentForm


def _import_form():
    from clients.forms import ImportForm

    return ImportForm


UPLOADS = {
    "complaints.Attachment.file": Upload(
        url=lambda org: reverse("complaints:attach", args=[receive(org).pk]),
        user="agent", rule=ATTACHMENT_UPLOAD, form=_attachment_form(), model=Attachment,
        good=("letter.pdf", PDF), disguised="invoice.pdf", refused_status=302,
    ),
    "clients.ImportJob.file": Upload(
        url=lambda org: reverse("clients:import"),
        user="bm", rule=SNAPSHOT_FILE_UPLOAD, form=_import_form(), model=ImportJob,
        good=("snapshots.csv", CSV), disguised="snapshots.xlsx", refused_status=400,
    ),
}  # fmt: skip


def project_file_fields():
    for model in apps.get_models():
        if model._meta.app_label in PROJECT_APPS and not model.__name__.startswith("Historical"):
            for f in model._meta.get_fields():
                if isinstance(f, models.FileField):
                    yield f"{model._meta.label}.{f.name}"


def project_forms():
    for app in PROJECT_APPS:
        for module in (f"{app}.forms", f"{app}.admin"):
            with contextlib.suppress(ModuleNotFoundError):
                importlib.import_module(module)
    seen, todo = set(), [forms.BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return [c for c in seen if c.__module__.split(".")[0] in PROJECT_APPS]


def test_every_file_field_has_its_upload_in_the_table():
    assert set(project_file_fields()) == set(UPLOADS)


def test_every_form_file_field_is_checked_by_its_rule():
    for form in project_forms():
        for name, field in getattr(form, "base_fields", {}).items():
            if isinstance(field, forms.FileField):
                assert isinstance(field, UploadField), f"{form.__name__}.{name}"
    for key, upload in UPLOADS.items():
        assert upload.form.base_fields["file"].rule is upload.rule, key


def test_every_upload_view_streams_under_its_rule(org):
    for key, upload in UPLOADS.items():
        view = resolve(upload.url(org)).func
        assert uploads.upload_rule_of(view) is upload.rule, key


def test_the_admin_uploads_no_file(org):
    org.hq.is_superuser = True
    org.hq.save()
    request = RequestFactory().get("/admin/")
    request.user = org.hq
    for model, model_admin in admin.site._registry.items():
        form_classes = [model_admin.get_form(request)]
        form_classes += [
            inline.get_formset(request).form for inline in model_admin.get_inline_instances(request)
        ]
        for form in form_classes:
            for name, field in form.base_fields.items():
                assert not isinstance(field, forms.FileField) or isinstance(field, UploadField), (
                    f"{model._meta.label} admin: {name}"
                )


def test_the_api_takes_no_file():
    """No API operation accepts a file (the schema would say `format: binary`); one that
    does needs its rule and its line in UPLOADS."""
    from drf_spectacular.generators import SchemaGenerator

    schema = json.dumps(SchemaGenerator().get_schema(request=None, public=True))
    assert '"binary"' not in schema


# --- Each upload, probed --------------------------------------------------------------
@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.mark.parametrize("key", list(UPLOADS))
def test_a_disguised_program_is_refused(key, client, org, media):
    upload = UPLOADS[key]
    url = upload.url(org)
    client.force_login(getattr(org, upload.user))
    before = upload.model.objects.count()
    response = client.post(url, {"file": SimpleUploadedFile(upload.disguised, PROGRAM)})
    assert response.status_code == upload.refused_status
    if response.status_code == 302:  # back to the complaint, the message on top
        response = client.get(response.url)
    html = response.content.decode()
    assert "不符" in html, html
    assert upload.model.objects.count() == before
    assert not any(media.rglob("*.*"))


@pytest.mark.parametrize("key", list(UPLOADS))
def test_an_accepted_file_keeps_the_extension_of_a_250_character_name(key, client, org, media):
    upload = UPLOADS[key]
    url = upload.url(org)
    client.force_login(getattr(org, upload.user))
    good_name, content = upload.good
    ext = good_name.rsplit(".", 1)[1]
    for name in ("a" * (249 - len(ext)) + "." + ext, "投诉材料扫描件" * 35 + "." + ext):
        assert len(name) >= 245
        response = client.post(url, {"file": SimpleUploadedFile(name, content)})
        assert response.status_code == 302, response.content.decode()[:2000]
        stored = upload.model.objects.latest("pk")
        assert stored.original_name.endswith("." + ext) and len(stored.original_name) <= 200
        assert stored.original_name.startswith(name[:20])
        assert stored.file.name.endswith("." + ext)
        assert stored.file.storage.exists(stored.file.name)


@pytest.fixture
def payload_reads(monkeypatch):
    """The bytes of request bodies read by the application (the test client's payload)."""
    count = {"bytes": 0}
    read, readline = FakePayload.read, FakePayload.readline

    def counting(method):
        def wrapper(self, *args):
            data = method(self, *args)
            count["bytes"] += len(data)
            return data

        return wrapper

    monkeypatch.setattr(FakePayload, "read", counting(read))
    monkeypatch.setattr(FakePayload, "readline", counting(readline))
    return count


@pytest.mark.parametrize("key", list(UPLOADS))
def test_a_too_large_upload_is_refused_before_its_body_is_read(
    key, client, org, media, settings, payload_reads
):
    upload = UPLOADS[key]
    url = upload.url(org)
    client.force_login(getattr(org, upload.user))
    setattr(settings, upload.rule.max_bytes_setting, 200_000)
    name, content = upload.good
    big = content + b"0" * 600_000
    before = upload.model.objects.count()
    payload_reads["bytes"] = 0
    started = time.perf_counter()
    response = client.post(url, {"file": SimpleUploadedFile(name, big)})
    elapsed = time.perf_counter() - started
    assert response.status_code == 413
    assert "过大" in response.content.decode()
    assert payload_reads["bytes"] == 0  # not a byte of the body was read
    assert elapsed < 2
    assert upload.model.objects.count() == before


@pytest.mark.parametrize("key", list(UPLOADS))
def test_a_file_passing_its_limit_while_streaming_is_dropped(
    key, client, org, media, settings, monkeypatch
):
    """Within the declared length a form may send (its file limit plus its other fields)
    a file just over the limit: its bytes past the limit are kept nowhere, the form says
    it is too large."""
    upload = UPLOADS[key]
    setattr(settings, upload.rule.max_bytes_setting, 200_000)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1000  # the part kept goes to a temporary file
    kept = {"bytes": 0}
    original = TemporaryFileUploadHandler.receive_data_chunk

    def spy(self, raw_data, start):
        kept["bytes"] += len(raw_data)
        return original(self, raw_data, start)

    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", spy)
    url = upload.url(org)
    client.force_login(getattr(org, upload.user))
    name, content = upload.good
    before = upload.model.objects.count()
    response = client.post(url, {"file": SimpleUploadedFile(name, content + b"0" * 220_000)},
                           follow=True)  # fmt: skip
    assert "超过" in response.content.decode()
    assert kept["bytes"] <= 200_000 + 64 * 1024  # at most the chunk that passed the limit
    assert upload.model.objects.count() == before


def test_a_sixty_megabyte_attachment_is_refused_at_once(client, org, media, payload_reads):
    url = UPLOADS["complaints.Attachment.file"].url(org)
    client.force_login(org.agent)
    body = SimpleUploadedFile("scan.pdf", PDF + b"0" * (60 * 1024 * 1024))
    started = time.perf_counter()
    response = client.post(url, {"file": body})
    elapsed = time.perf_counter() - started
    assert response.status_code == 413 and payload_reads["bytes"] == 0
    assert elapsed < 2
    assert 'data-status="413"' in response.content.decode()  # the error page's layout


# --- Kinds and names ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, content, kind",
    [
        ("a.pdf", PDF, "pdf"),
        ("a.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "png"),
        ("a.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 20, "jpeg"),
        ("a.gif", b"GIF89a" + b"\x00" * 20, "gif"),
        ("a.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        ("a.wav", b"RIFF\x00\x00\x00\x00WAVEfmt ", "wav"),
        ("a.mp3", b"ID3\x04\x00" + b"\x00" * 20, "mp3"),
        ("a.m4a", b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", "m4a"),
        ("a.docx", office_zip("word/document.xml"), "docx"),
        ("a.xlsx", xlsx(), "xlsx"),
        ("a.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le"), "doc"),
        ("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "Workbook".encode("utf-16-le"), "xls"),
        ("a.csv", "客户号,日期\n1,2025-01-01\n".encode("gb18030"), "csv"),
        ("a.txt", "投诉说明\n".encode(), "txt"),
        ("a.csv", "\ufeffa,b\n".encode("utf-16"), "csv"),
    ],
)
def test_kinds_are_recognised_by_content(name, content, kind):
    assert detect_kind(io.BytesIO(content), name).code == kind
    rule = UploadRule(kinds=tuple(uploads.KINDS))
    assert rule.check(SimpleUploadedFile(name, content)).code == kind


@pytest.mark.parametrize(
    "name, content",
    [
        ("invoice.pdf", PROGRAM),
        ("photo.jpg", PDF),
        ("report.docx", office_zip("xl/workbook.xml")),
        ("book.xlsx", b"PK\x03\x04 not really a zip"),
        ("notes.txt", PROGRAM),
        ("data.csv", bytes(range(256)) * 40),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "WordDocument".encode("utf-16-le")),
        ("empty.pdf", b""),
    ],
)
def test_content_not_matching_the_extension_is_refused(name, content):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    rule = UploadRule(kinds=tuple(uploads.KINDS))
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        rule.check(SimpleUploadedFile(name, content))
    assert "不符" in refused.value.messages[0]


def test_an_extension_outside_the_rule_is_refused():
    from django.core.exceptions import ValidationError

    for name in ("setup.exe", "page.html", "image.svg", "noextension"):
        with pytest.raises(ValidationError):
            ATTACHMENT_UPLOAD.check(SimpleUploadedFile(name, b"hello"))


def test_file_names_keep_their_extension_and_lose_path_and_control_characters():
    long = "x" * 246 + ".pdf"
    assert clean_file_name(long) == "x" * 196 + ".pdf"
    assert clean_file_name("..\\..\\windows/system32/合同.PDF") == "合同.pdf"
    assert clean_file_name("invoice\u202efdp.exe") == "invoicefdp.exe"  # no RTL override
    assert clean_file_name("a\x00b\r\n.txt") == "ab.txt"
    assert clean_file_name('a<b>:"c|?*.csv') == "a_b___c___.csv"
    assert clean_file_name("...") in {"file", "文件"}  # a name of dots only
    assert clean_file_name("报告.pdf", max_length=10) == "报告.pdf"
    storage = uploads.UploadStorage()
    assert storage.get_valid_name("投诉材料" * 60 + ".PDF") == "file.pdf"
    assert storage.get_valid_name("scan 2025 (1).jpeg") == "scan_2025_1.jpeg"


# --- Serving -------------------------------------------------------------------------------
def attach(org, name="letter.pdf", content=PDF):
    c = receive(org)
    from complaints import services

    return c, services.attachment_add(
        user=org.agent, complaint=c, upload=SimpleUploadedFile(name, content)
    )


def test_media_urls_answer_404_to_everyone(client, org, media, settings):
    _, a = attach(org)
    assert (media / a.file.name).exists()
    address = settings.MEDIA_URL + a.file.name
    assert client.get(address).status_code == 404
    for user in (org.agent, org.hq):
        client.force_login(user)
        assert client.get(address).status_code == 404
    # `make run` runs with DEBUG: no pattern serves MEDIA_URL then either.
    import config.urls

    settings.DEBUG = True
    try:
        importlib.reload(config.urls)
        clear_url_caches()
        with pytest.raises(Resolver404):
            resolve(address)
    finally:
        settings.DEBUG = False
        importlib.reload(config.urls)
        clear_url_caches()


def test_downloads_are_scoped_typed_by_content_and_never_shown_inline(client, org, media):
    c, a = attach(org)
    url = reverse("complaints:attachment", args=[c.pk, a.pk])
    client.force_login(org.agent)
    response = client.get(url)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
    for outsider in (org.agent_sh, org.am_sh, org.bm_sh):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    # A file stored before content checks (a program named invoice.pdf) goes out as bytes.
    legacy = Attachment.objects.create(
        complaint=c, file=ContentFile(PROGRAM, name="invoice.pdf"), original_name="invoice.pdf",
        size=len(PROGRAM), uploaded_by=org.agent,
    )  # fmt: skip
    client.force_login(org.agent)
    response = client.get(reverse("complaints:attachment", args=[c.pk, legacy.pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_media_root_inside_a_static_folder_fails_the_checks(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    assert [e.id for e in uploads.media_not_public(None)] == ["crm.E010"]
    settings.MEDIA_ROOT = tmp_path.parent / "elsewhere"
    assert uploads.media_not_public(None) == []


# --- Request bodies ------------------------------------------------------------------------
BULK = "/api/v1/account-snapshots/bulk/"


def snapshot_rows(n: int, holdings: int = 0) -> list[dict]:
    row = {"client_no": "1100012345", "date": "2025-10-31", "total_assets": "12345678.90",
           "cash": "1234567.89", "market_value": "11111111.01", "net_inflow": "-123456.78",
           "trading_volume": "9876543.21", "trade_count": 123,
           "commission": "12345.67"}  # fmt: skip
    held = {"security_code": "600519", "security_name": "贵州茅台", "quantity": "1000.00",
            "cost": "1650.1234", "price": "1700.5678"}  # fmt: skip
    if holdings:
        row["holdings"] = [held] * holdings
    return [row] * n


def test_the_api_body_limit_fits_the_largest_bulk_post(settings):
    """10,000 rows (CRM_SNAPSHOT_BULK_MAX_ROWS): 2.4 MB plain, 16.6 MB with ten holdings
    each; both under CRM_API_BODY_MAX_BYTES, which stays bounded."""
    rows = settings.CRM_SNAPSHOT_BULK_MAX_ROWS
    plain = len(json.dumps(snapshot_rows(rows)))
    with_holdings = len(json.dumps(snapshot_rows(rows, holdings=10)))
    assert plain < with_holdings < settings.CRM_API_BODY_MAX_BYTES <= 32 * 1024 * 1024
    largest = max(settings.CRM_API_BODY_MAX_BYTES, settings.CRM_FORM_BODY_MAX_BYTES)
    assert largest == settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_a_three_megabyte_api_body_is_read(api, org):
    api.force_authenticate(org.hq)
    body = json.dumps({"rows": "x" * 3_000_000})
    response = api.post(BULK, body, content_type="application/json")
    assert response.status_code == 400 and "JSON" in response.json()["non_field_errors"][0]


def test_an_api_body_over_the_limit_answers_json_413(api, org, settings, payload_reads):
    api.force_authenticate(org.integration)
    body = json.dumps(snapshot_rows(1)) + " " * settings.CRM_API_BODY_MAX_BYTES
    payload_reads["bytes"] = 0
    response = api.post(BULK, body, content_type="application/json")
    assert response.status_code == 413 and response["Content-Type"] == "application/json"
    assert "过大" in response.json()["detail"]
    assert payload_reads["bytes"] == 0


def test_a_body_over_the_limit_found_while_reading_answers_413(api, org, settings):
    """Django's own limit (DATA_UPLOAD_MAX_MEMORY_SIZE, e.g. a body read before its view is
    known) answers 413 through handler400, not an HTML 400."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    api.force_authenticate(org.integration)
    response = api.post(BULK, json.dumps(snapshot_rows(50)), content_type="application/json")
    assert response.status_code == 413 and "过大" in response.json()["detail"]


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_a_page_form_over_the_limit_answers_the_413_page(encoding, client, org, settings):
    """Any form but an upload's (CRM_FORM_BODY_MAX_BYTES), however it is encoded."""
    from urllib.parse import urlencode

    client.force_login(org.agent)
    data = {"description": "x" * (settings.CRM_FORM_BODY_MAX_BYTES + 1)}
    url = reverse("complaints:intake")
    if encoding == "urlencoded":
        response = client.post(url, urlencode(data), "application/x-www-form-urlencoded")
    else:
        response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 413 and 'data-status="413"' in html and "过大" in html


def test_other_bad_api_requests_answer_json(api, org, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 2
    api.force_authenticate(org.hq)
    response = api.post("/api/v1/complaints/", "a=1&b=2&c=3&d=4",
                        content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert response.status_code == 400 and "detail" in response.json()
