"""The product catalogue (issue #20 item 1): HQ maintains it (others read), the bulk
upsert and the file import by code with a dry run, the history of level changes, the
advice that picks catalogue products (their level, never a typed one), the recorded
sale (双录) rule, and a level change that flags the open advice and tells its advisors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from clients import imports
from clients.imports import import_job_create, import_job_from_dry_run
from clients.models import Client
from crm.models import Notification
from products import services
from products.models import Product
from tests.factories import make_client, make_product
from visits import services as visit_services
from visits.models import AdvisedProduct, Consultation

ROW = {"code": "SF0101", "name": "稳健增利1号", "product_type": "wealth", "issuer": "资管部",
       "risk_level": "R2"}  # fmt: skip


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def sheet_for(org, risk_level="C3", no="1100000001", **client_fields):
    client = make_client(org.am, client_no=no)
    Client.objects.filter(pk=client.pk).update(risk_level=risk_level, **client_fields)
    client.refresh_from_db()
    return visit_services.consultation_file(
        user=org.am, client=client, advisor=org.advisor, question="是否配置？"
    )


# --- HQ maintains, everyone reads ---------------------------------------------------------
@pytest.mark.parametrize("who", ["am", "advisor", "agent", "bm", "compliance"])
def test_only_headquarters_writes_the_catalogue(org, who):
    user = getattr(org, who)
    with pytest.raises(PermissionDenied):
        services.product_create(user=user, data=ROW)
    product = make_product()
    with pytest.raises(PermissionDenied):
        services.product_update(user=user, product=product, data={"risk_level": "R5"})
    with pytest.raises(PermissionDenied):
        services.products_upsert(user=user, rows=[ROW])
    assert Product.objects.get().risk_level == "R2"


def test_headquarters_creates_and_changes_a_product_with_its_history(org):
    product = services.product_create(user=org.hq, data={**ROW, "starts_on": "2026-01-05"})
    assert (product.name_initials, product.status, product.updated_by) == ("wjzl1h", "on_sale",
                                                                          org.hq)  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        services.product_create(user=org.hq, data=ROW)
    assert "code" in exc.value.message_dict
    services.product_update(user=org.hq, product=product, data={"risk_level": "R3"})
    levels = list(
        product.history.order_by("history_date").values_list("risk_level", "history_user")
    )
    assert levels == [("R2", org.hq.pk), ("R3", org.hq.pk)]
    with pytest.raises(ValidationError) as exc:
        services.product_update(user=org.hq, product=product,
                                data={"risk_level": "R9", "ends_on": "2025-01-01"})  # fmt: skip
    assert set(exc.value.message_dict) == {"risk_level", "ends_on"}  # every error at once


# --- Bulk upsert and file import ----------------------------------------------------------
def test_the_upsert_creates_updates_keeps_and_refuses_by_code(org, query_baseline):
    make_product(code="SF0102", name="季季盈", risk_level="R2")
    make_product(code="SF0103", name="天天利", risk_level="R1")
    rows = [
        ROW,  # new
        {"code": "SF0102", "name": "季季盈", "product_type": "wealth", "risk_level": "R3"},
        {"code": "SF0103", "name": "天天利", "product_type": "wealth", "risk_level": "R1"},
        {"code": "SF0104", "name": "", "product_type": "基金", "risk_level": "R7"},
        {**ROW, "name": "重复"},  # the same code twice in one call
    ]
    with query_baseline("products:upsert"):
        result = services.products_upsert(user=org.hq, rows=rows)
    assert (result.received, result.stored, result.created, result.updated, result.unchanged) == (
        5, 3, 1, 1, 1)  # fmt: skip
    assert [e["index"] for e in result.errors] == [3, 4]
    assert set(result.errors[0]["errors"]) == {"name", "risk_level"}
    assert Product.objects.get(code="SF0102").risk_level == "R3"
    assert Product.objects.get(code="SF0101").history.get().history_user == org.hq


def test_a_product_file_is_dry_run_then_imported_with_chinese_headers(
    org, media, django_capture_on_commit_callbacks
):
    assert "products" in [k.key for k in imports.kinds_for(org.hq)]
    assert "products" not in [k.key for k in imports.kinds_for(org.bm)]
    content = (
        "产品代码,产品名称,产品类型,发行机构,风险等级,状态,销售开始日\n"
        "JG0101,沪深300雪球1期,结构化产品,衍生品部,R4,在售,2026-02-01\n"
        "JG0102,坏行,不存在的类型,,R4,在售,\n"
    ).encode()
    upload = SimpleUploadedFile("p.csv", content)
    with django_capture_on_commit_callbacks(execute=True):
        dry = import_job_create(user=org.hq, upload=upload, kind="products", dry_run=True)
    dry.refresh_from_db()
    assert (dry.status, dry.stored_rows, dry.error_rows) == ("done", 1, 1)
    assert not Product.objects.exists()  # the dry run went through the same upsert, undone
    with django_capture_on_commit_callbacks(execute=True):
        real = import_job_from_dry_run(user=org.hq, job=dry)
    real.refresh_from_db()
    assert (real.stored_rows, real.error_rows) == (1, 1)
    product = Product.objects.get()
    assert (product.code, product.product_type, product.risk_level) == ("JG0101", "structured",
                                                                       "R4")  # fmt: skip


# --- Advice picks catalogue products; the recorded sale (双录) -----------------------------
def test_advice_takes_the_catalogue_level_never_a_typed_one(org):
    sheet = sheet_for(org, "C3")
    etf = make_product(code="510300", name="沪深300ETF", risk_level="R3", product_type="fund")
    visit_services.consultation_answer(
        user=org.advisor, consultation=sheet, analysis="a", advice="b",
        products=[{"product": etf, "name": "别名", "risk_level": "R1"}],
    )  # fmt: skip
    saved = AdvisedProduct.objects.get()
    assert (saved.product, saved.name, saved.risk_level) == (etf, "沪深300ETF", "R3")


def test_a_catalogue_product_above_the_clients_level_without_a_recording_is_refused(org):
    sheet = sheet_for(org, "C3")
    snowball = make_product(code="JG0001", name="雪球结构1期", risk_level="R4",
                            product_type="structured")  # fmt: skip
    insisted = {"product": snowball, "client_insists_in_writing": True,
                "special_warning_given": True}  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        visit_services.consultation_answer(user=org.advisor, consultation=sheet, analysis="a",
                                           advice="b", products=[insisted])  # fmt: skip
    message = " ".join(exc.value.messages)
    assert "雪球结构1期（R4）须双录" in message  # in Chinese, naming the product
    assert not AdvisedProduct.objects.exists()
    assert Consultation.objects.get(pk=sheet.pk).status == "open"  # nothing stored
    recorded_at = timezone.now() - timedelta(minutes=30)
    visit_services.consultation_answer(
        user=org.advisor, consultation=sheet, analysis="a", advice="b",
        products=[{**insisted, "recording_ref": "SL-0001", "recorded_at": recorded_at}],
    )  # fmt: skip
    saved = AdvisedProduct.objects.get()
    assert (saved.recording_ref, saved.recorded_at, saved.above_client_level) == (
        "SL-0001", recorded_at, True)  # fmt: skip


def test_the_recording_threshold_is_a_setting(org, settings):
    settings.CRM_RECORDING_ABOVE_LEVEL = "R4"
    sheet = sheet_for(org, "C5")
    stock = make_product(code="600519", name="贵州茅台", risk_level="R4", product_type="stock")
    visit_services.consultation_answer(user=org.advisor, consultation=sheet, analysis="a",
                                       advice="b", products=[{"product": stock}])  # fmt: skip
    assert AdvisedProduct.objects.get().recording_ref == ""


def test_the_api_refuses_a_recorded_sale_without_its_reference_with_4xx(org):
    from rest_framework.test import APIClient

    sheet = sheet_for(org, "C5")
    option = make_product(code="QQ0001", name="50ETF期权", risk_level="R5", product_type="options")
    api = APIClient()
    api.force_authenticate(org.advisor)
    url = reverse("api:consultation-answer", args=[sheet.pk])
    body = {"analysis": "a", "advice": "b", "products": [{"product": option.pk}]}
    response = api.post(url, body, format="json")
    assert response.status_code == 400
    assert "50ETF期权（R5）须双录" in response.content.decode()
    assert not AdvisedProduct.objects.exists()
    body["products"][0] |= {"recording_ref": "SL-9", "recorded_at": timezone.now().isoformat()}
    response = api.post(url, body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["products"][0]["recording_ref"] == "SL-9"


# --- A level change re-checks the open advice ---------------------------------------------
def test_a_level_change_lists_the_affected_advice_and_tells_the_advisor(client, org):
    fund = make_product(code="003095", name="医疗健康混合", risk_level="R3", product_type="fund")
    open_sheet = sheet_for(org, "C3")
    visit_services.consultation_answer(user=org.advisor, consultation=open_sheet, analysis="a",
                                       advice="b", products=[{"product": fund}])  # fmt: skip
    delivered = sheet_for(org, "C3", no="1100000002")
    visit_services.consultation_answer(user=org.advisor, consultation=delivered, analysis="a",
                                       advice="b", products=[{"product": fund}])  # fmt: skip
    visit_services.consultation_deliver(user=org.am, consultation=delivered, note="当面")
    suits = sheet_for(org, "C5", no="1100000003")
    visit_services.consultation_answer(user=org.advisor, consultation=suits, analysis="a",
                                       advice="b", products=[{"product": fund}])  # fmt: skip
    Notification.objects.all().delete()

    services.product_update(user=org.hq, product=fund, data={"risk_level": "R4"})

    flagged = AdvisedProduct.objects.filter(recheck_needed=True)
    # the delivered advice is not re-opened; the C5 client's advice now needs its recording
    assert {a.consultation_id for a in flagged} == {open_sheet.pk, suits.pk}
    first = flagged.get(consultation=open_sheet)
    assert first.recheck_level == "R4" and first.risk_level == "R3"  # the advice's level kept
    assert "C3" in first.recheck_reason and "双录" in first.recheck_reason
    note = Notification.objects.get(recipient=org.advisor)
    assert "医疗健康混合 风险等级调整为 R4" in note.title and f"product={fund.pk}" in note.url
    client.force_login(org.compliance)
    page = client.get(reverse("visits:affected-advice"), {"product": fund.pk})
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="advised-{first.pk}"' in html and "待复核" in html
    assert f'id="advised-{AdvisedProduct.objects.get(consultation=delivered).pk}"' not in html
    client.force_login(org.am)
    assert client.get(reverse("visits:affected-advice")).status_code == 403


def test_a_level_change_through_the_import_re_checks_too(org):
    fund = make_product(code="003095", name="医疗健康混合", risk_level="R3", product_type="fund")
    sheet = sheet_for(org, "C3")
    visit_services.consultation_answer(user=org.advisor, consultation=sheet, analysis="a",
                                       advice="b", products=[{"product": fund}])  # fmt: skip
    services.products_upsert(user=org.hq, rows=[{"code": "003095", "risk_level": "R5"}])
    assert AdvisedProduct.objects.get().recheck_level == "R5"


# --- Pages ----------------------------------------------------------------------------------
def test_the_catalogue_is_searchable_and_headquarters_edits_it(client, org):
    make_product(code="510300", name="沪深300ETF", risk_level="R3", product_type="fund")
    make_product(code="SF0001", name="稳健增利1号", risk_level="R2")
    client.force_login(org.am)
    page = client.get(reverse("products:catalogue"), {"q": "wj"})
    html = page.content.decode()
    assert "稳健增利1号" in html and "沪深300ETF" not in html and 'id="new-product"' not in html
    picked = client.get(reverse("products:pick"), {"q": "51"}).json()["results"]
    assert [r["text"] for r in picked] == ["沪深300ETF · 510300 · R3 · 基金"]
    assert client.get(reverse("products:create")).status_code == 403
    client.force_login(org.hq)
    response = client.post(reverse("products:create"), {
        "code": "QQ0001", "name": "50ETF期权", "product_type": "options", "risk_level": "R5",
        "status": "on_sale"})  # fmt: skip
    product = Product.objects.get(code="QQ0001")
    assert response.status_code == 302 and response.url == product.get_absolute_url()
    response = client.post(reverse("products:edit", args=[product.pk]), {
        "name": "50ETF期权", "product_type": "options", "risk_level": "R4", "status": "closed",
        "ends_on": "2026-12-31", "starts_on": "2027-01-01"})  # fmt: skip
    assert (
        response.status_code == 400 and "销售截止日不能早于销售开始日" in response.content.decode()
    )
    detail = client.get(product.get_absolute_url()).content.decode()
    assert "产品文件" in detail and 'id="product-history"' in detail


def test_recordings_are_searchable_by_client_and_product(client, org):
    sheet = sheet_for(org, "C5")
    option = make_product(code="QQ0001", name="50ETF期权", risk_level="R5", product_type="options")
    visit_services.consultation_answer(
        user=org.advisor, consultation=sheet, analysis="a", advice="b",
        products=[{"product": option, "recording_ref": "SL-77", "recorded_at": timezone.now()}],
    )  # fmt: skip
    client.force_login(org.compliance)
    url = reverse("visits:recordings")
    assert "SL-77" in client.get(url, {"client_no": "1100000001"}).content.decode()
    assert "SL-77" not in client.get(url, {"client_no": "1100000009"}).content.decode()
    assert "SL-77" in client.get(url, {"product_code": "QQ0001"}).content.decode()
    client.force_login(org.hq)
    api = client.get(reverse("api:advisedproduct-list"), {"recorded": "true",
                                                          "product": option.pk})  # fmt: skip
    assert [r["recording_ref"] for r in api.json()["results"]] == ["SL-77"]


# --- Query counts: fixed whatever the number of rows ---------------------------------------
@pytest.mark.parametrize("n", [2, 30])
def test_the_upsert_query_count_does_not_grow_with_the_rows(org, query_baseline, n):
    for i in range(n):
        make_product(code=f"OLD{i:03d}", name=f"旧产品{i}", risk_level="R2")
    rows = [{"code": f"OLD{i:03d}", "name": f"旧产品{i}", "product_type": "wealth",
             "risk_level": "R3"} for i in range(n)]  # fmt: skip
    rows += [{**ROW, "code": f"NEW{i:03d}"} for i in range(n)]
    with query_baseline("products:upsert-sized"):
        result = services.products_upsert(user=org.hq, rows=rows)
    assert (result.created, result.updated) == (n, n)


@pytest.mark.parametrize("n", [3, 30])
def test_the_catalogue_page_and_api_query_counts_are_fixed(client, org, query_baseline, n):
    for i in range(n):
        make_product(code=f"P{i:04d}", name=f"产品{i}", risk_level=f"R{i % 5 + 1}",
                     updated_by=org.hq)  # fmt: skip
    client.force_login(org.advisor)
    with query_baseline("products:catalogue"):
        assert (
            client.get(reverse("products:catalogue"), {"ordering": "-risk_level"}).status_code
            == 200
        )
    with query_baseline("api:product-list"):
        assert client.get(reverse("api:product-list"), {"status": "on_sale"}).status_code == 200


def test_an_event_names_the_catalogue_product_it_presents(client, org):
    fund = make_product(code="510300", name="沪深300ETF", risk_level="R3", product_type="fund")
    client.force_login(org.bm)
    response = client.post(reverse("visits:events"), {
        "kind": "exchange", "title": "ETF专题交流会", "place": "营业部",
        "starts_at": (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "product": f"id:{fund.pk}"})  # fmt: skip
    assert response.status_code == 302
    event = fund.events.get()
    assert "沪深300ETF" in client.get(event.get_absolute_url()).content.decode()
