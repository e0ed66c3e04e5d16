"""Chinese words where a branch user reads them: filters, the language menu, the access
log and the dashboard exports (issue #16, item 6)."""

from django.contrib.contenttypes.models import ContentType

from crm import services
from crm.exports import access_field_label
from crm.models import AccessLog
from tests.factories import make_client


def test_yes_no_filters_offer_any_instead_of_unknown():
    from crm.filters import TodoFilterSet

    html = str(TodoFilterSet({}).form["overdue"])
    assert "全部" in html and "未知" not in html


def test_language_menu_names_each_language_in_itself(client, org):
    client.force_login(org.am)
    html = client.get("/").content.decode()
    assert ">English</option>" in html and "英语" not in html


def test_access_log_names_the_field_and_the_export_in_words(org):
    client = make_client(org.am)
    services.access_log_record(user=org.bm, obj=client, field="id_number")
    services.access_log_record(user=org.bm, obj=client, field="phone")
    entries = AccessLog.objects.filter(
        content_type=ContentType.objects.get_for_model(client)
    ).order_by("id")
    labels = [access_field_label(e) for e in entries]
    assert labels == ["证件号码", str(client._meta.get_field("phone").verbose_name)]
    assert all(not label.isascii() for label in labels)


# --- Exports in words: filters, file names, people (issue #16, items 6 and 7) ----------
def _disposition_name(response) -> str:
    from urllib.parse import unquote

    return unquote(response["Content-Disposition"].split("filename*=utf-8''")[1])


def _csv_rows(response) -> list[list[str]]:
    import csv
    import io

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_an_export_requests_filters_are_shown_in_words(client, org):
    from crm.references import person_label

    make_client(org.am, client_no="1100000001")
    services.export_request_create(
        user=org.bm, kind="clients", reason="客户要求核对完整档案",
        params={"stage": ["active"], "owner": ["am"], "incomplete": ["true"], "risk_level": ["C3"]},
    )  # fmt: skip
    client.force_login(org.compliance)
    page = client.get("/exports/").content.decode()
    page = page.replace("&middot;", "·")
    for words in ("阶段：活跃", f"客户经理：{person_label(org.am)}", "档案不完整：是",
                  "风险等级：C3（稳健型）"):  # fmt: skip
        assert words in page
    assert "stage=" not in page and "owner=" not in page


def test_the_request_form_shows_the_filters_in_words(client, org):
    client.force_login(org.am)
    page = client.get("/exports/new/?kind=clients&stage=potential&tier=vip").content.decode()
    assert "阶段：潜在客户" in page and "客户等级：" in page
    assert "stage =" not in page and "tier =" not in page


def test_the_client_export_is_named_in_chinese_and_names_the_account_manager(client, org):
    from django.utils import timezone

    from crm.references import person_label

    make_client(org.am, client_no="1100000001")
    client.force_login(org.bm)
    response = client.get("/clients/export.csv")
    assert _disposition_name(response) == f"客户列表-{timezone.localdate().isoformat()}.csv"
    header, row = _csv_rows(response)[:2]
    assert row[header.index("客户经理")] == person_label(org.am)
    assert "am" not in row


def test_the_access_log_export_names_people_record_types_and_its_filters_in_words(client, org):
    from crm.references import person_label

    record = make_client(org.am)
    services.access_log_record(user=org.bm, obj=record, field="id_number")
    client.force_login(org.compliance)
    response = client.get("/access-log/", {"export": "csv", "action": "reveal"})
    assert _disposition_name(response).startswith("访问日志-")
    header, *rows = _csv_rows(response)
    assert "用户名" not in header
    reveal = next(r for r in rows if r[header.index("字段")] == "证件号码")
    assert reveal[header.index("用户")] == person_label(org.bm)
    assert reveal[header.index("记录类型")] == str(record._meta.verbose_name)
    logged = AccessLog.objects.filter(field="access_log").get()
    assert "操作：查看脱敏信息原文" in logged.object_repr and "action=" not in logged.object_repr


def test_a_notification_e_mail_is_written_in_chinese_from_its_templates(org, mailoutbox, settings):
    from django.contrib.auth import get_user_model
    from django.utils import translation

    from crm.models import Notification, person_name
    from crm.notifications import notification_emails_send

    settings.CRM_SITE_URL = "https://crm.branch.example"
    get_user_model().objects.filter(pk=org.am.pk).update(email="am@example.com")
    note = Notification.objects.create(
        recipient=org.am, title="投诉 BJ01-001 已分配给您", body="请在 24 小时内联系客户。",
        url="/complaints/1/",
    )  # fmt: skip
    with translation.override("en"):  # the worker's language is the site's, not a request's
        assert notification_emails_send([note.pk]) == 1
    mail = mailoutbox[0]
    assert mail.subject == "【营业部客户关系管理】投诉 BJ01-001 已分配给您"
    assert mail.body.startswith(f"{person_name(org.am)}，您好：\n\n投诉 BJ01-001 已分配给您")
    assert (
        "请在 24 小时内联系客户。" in mail.body
        and "在系统中查看：\nhttps://crm.branch.example/complaints/1/" in mail.body
    )
    assert "请勿回复" in mail.body and mail.to == ["am@example.com"]
    assert Notification.objects.get(pk=note.pk).emailed_at is not None


def test_the_access_log_page_names_people_by_name_and_role_and_fields_in_words(client, org):
    from crm.references import person_label

    record = make_client(org.am)
    services.access_log_record(user=org.bm, obj=record, field="id_number")
    client.force_login(org.compliance)
    page = client.get("/access-log/").content.decode().replace("&middot;", "·")
    assert f">{person_label(org.bm)}</a>" in page  # the entry's person
    assert f">{person_label(org.bm)}</option>" in page  # the person filter
    assert ">bm</" not in page and "id_number" not in page and "证件号码" in page
    assert f"{record._meta.verbose_name}: {record}" in page
