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
