"""The printable complaint record and its PDF: the whole file, masked as the page is for
the viewer, 404 out of scope, and every PDF download written to the access log."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from complaints import services
from complaints.models import Complaint
from complaints.record import PDF_FIELD
from crm.models import AccessLog
from tests.complaints.helpers import receive
from tests.factories import make_client
from tests.pdftext import pdf_text


@pytest.fixture
def reviewed(org):
    """A complaint taken through every step to review, with a file and a recording."""
    client = make_client(org.am, name="王建国", client_no="1100000001")
    complaint = receive(org, client=client, status="reviewed", reviewer=org.bm,
                        description="委托未成交，要求说明原因")  # fmt: skip
    services.attachment_add(user=org.agent, complaint=complaint, recording_ref="REC-7781")
    services.attachment_add(
        user=org.agent, complaint=complaint,
        upload=SimpleUploadedFile("说明.txt", "情况说明".encode(), content_type="text/plain"),
    )  # fmt: skip
    return Complaint.objects.get(pk=complaint.pk)


def test_print_page_holds_the_whole_file(client, org, reviewed):
    client.force_login(org.bm)
    response = client.get(reverse("complaints:print", args=[reviewed.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"投诉档案 {reviewed.ticket_no}" in html and "北京营业部" in html and "生成时间" in html
    assert 'class="navbar' not in html  # a print page: no navbar
    assert "王建国 (1100000001)" in html and "委托未成交，要求说明原因" in html
    steps = html.split('id="record-steps"', 1)[1].split("</table>", 1)[0]
    for word in ("受理", "办结", "复核"):
        assert word in steps, word
    assert steps.count("<tr>") == 1 + reviewed.events.count()  # header + one row a step
    assert "· 客服专员 · 北京营业部" in steps  # people by name, role and branch
    assert "agent" not in steps and ">bm<" not in steps  # never login names
    handling = html.split('id="record-handling"', 1)[1].split("</table>", 1)[0]
    assert "已处理" in handling and "已书面答复" in handling and "复核" in handling
    attachments = html.split('id="record-attachments"', 1)[1].split("</table>", 1)[0]
    assert "录音 REC-7781" in attachments and "说明.txt" in attachments
    assert reverse("complaints:pdf", args=[reviewed.pk]) in html
    # the detail page offers both
    detail = client.get(reviewed.get_absolute_url()).content.decode()
    assert reverse("complaints:print", args=[reviewed.pk]) in detail
    assert reverse("complaints:pdf", args=[reviewed.pk]) in detail


def test_pdf_is_the_record_in_chinese_with_page_numbers_and_is_logged(client, org, reviewed):
    client.force_login(org.bm)
    before = AccessLog.objects.count()
    response = client.get(reverse("complaints:pdf", args=[reviewed.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert (
        "filename*=utf-8''%E6%8A%95%E8%AF%89%E6%A1%A3%E6%A1%88" in response["Content-Disposition"]
    )  # 投诉档案 <ticket>.pdf
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert reviewed.ticket_no in text
    for words in ("投诉档案", "北京营业部", "生成时间", "王建国", "委托未成交", "处理记录",
                  "录音 REC-7781", "说明.txt", "第 1 页，共 "):  # fmt: skip
        assert words in text, words
    pages = text.count("页，共 ")  # the footer of every page: 第 x 页，共 y 页
    assert f"第 {pages} 页，共 {pages} 页" in text
    assert AccessLog.objects.count() == before + 1
    entry = AccessLog.objects.latest("id")
    assert entry.user == org.bm and entry.action == AccessLog.Action.EXPORT
    assert entry.field == PDF_FIELD and entry.object_id == reviewed.pk
    assert entry.content_type == ContentType.objects.get_for_model(Complaint)
    assert entry.branch_id == org.bj.pk and reviewed.ticket_no in entry.object_repr
    assert entry.path == reverse("complaints:pdf", args=[reviewed.pk])


def test_service_agent_sees_the_name_masked_in_page_and_pdf(client, org, reviewed):
    client.force_login(org.agent)
    html = client.get(reverse("complaints:print", args=[reviewed.pk])).content.decode()
    assert "王**" in html and "王建国" not in html
    text = pdf_text(client.get(reverse("complaints:pdf", args=[reviewed.pk])).content)
    assert "王**" in text and "王建国" not in text


def test_unidentified_complainant_phone_is_masked(client, org):
    complaint = receive(org, client=None, complainant_name="李四", complainant_phone="13912345678")
    client.force_login(org.bm)
    html = client.get(reverse("complaints:print", args=[complaint.pk])).content.decode()
    assert "139****5678" in html and "13912345678" not in html
    assert "13912345678" not in pdf_text(
        client.get(reverse("complaints:pdf", args=[complaint.pk])).content
    )


@pytest.mark.parametrize("who", ["am_sh", "bm_sh", "agent_sh", "am2"])
def test_out_of_scope_is_404_and_not_logged(client, org, reviewed, who):
    client.force_login(getattr(org, who))
    before = AccessLog.objects.count()
    assert client.get(reverse("complaints:print", args=[reviewed.pk])).status_code == 404
    assert client.get(reverse("complaints:pdf", args=[reviewed.pk])).status_code == 404
    assert client.get(reverse("complaints:pdf", args=[999999])).status_code == 404
    assert AccessLog.objects.count() == before


def test_long_record_runs_over_pages_numbered_x_of_y(client, org):
    complaint = receive(org, description="客户反映委托未成交。" * 600)
    client.force_login(org.bm)
    text = pdf_text(client.get(reverse("complaints:pdf", args=[complaint.pk])).content)
    pages = text.count("页，共 ")
    assert pages >= 2 and f"第 {pages} 页，共 {pages} 页" in text


def test_record_queries_are_fixed(client, org, reviewed, query_baseline):
    client.force_login(org.bm)
    with query_baseline("complaints:print"):
        assert client.get(reverse("complaints:print", args=[reviewed.pk])).status_code == 200
