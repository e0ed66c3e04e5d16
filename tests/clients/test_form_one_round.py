"""The client form in one round (issue #16 item 11): the ID document type starts as the
resident ID card, and a bad ID number, a bad mobile and a missing name all show in the
first response, nothing stored."""

from django.urls import reverse

from clients.forms import ClientForm
from clients.models import Client, IdType


def test_a_new_client_starts_with_the_resident_id_card(client, org):
    assert ClientForm(user=org.am)["id_type"].value() == IdType.ID_CARD
    client.force_login(org.am)
    html = client.get(reverse("clients:create")).content.decode()
    assert '<option value="id_card" selected>居民身份证</option>' in html


def test_every_error_of_the_client_form_in_the_first_response(client, org):
    client.force_login(org.am)
    response = client.post(reverse("clients:create"), {
        "client_type": "individual", "name": "", "id_type": "id_card",
        "id_number": "110105199001011234", "phone": "12345", "phone_alt": "abc",
        "investor_class": "ordinary", "email": "not-an-address",
    })  # fmt: skip
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"name", "id_number", "phone", "phone_alt", "email"} <= set(errors)
    assert "校验" in errors["id_number"][0] or "身份证" in errors["id_number"][0]
    assert not Client.objects.exists()


def test_a_number_without_a_document_type_is_asked_for_in_the_same_round(org):
    form = ClientForm(
        {"client_type": "individual", "name": "", "id_type": "", "id_number": "E12345678",
         "investor_class": "ordinary"},
        user=org.am,
    )  # fmt: skip
    assert not form.is_valid()
    assert form.errors["id_type"] == ["请选择证件类型。"] and "name" in form.errors


def test_a_passport_number_is_not_checked_as_an_id_card(org):
    form = ClientForm(
        {"client_type": "individual", "name": "李四", "id_type": "passport",
         "id_number": "E12345678", "investor_class": "ordinary", "phone": "13900139555"},
        user=org.am,
    )  # fmt: skip
    form.is_valid()
    assert "id_number" not in form.errors
