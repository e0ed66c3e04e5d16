"""The consultation's product rows (issue #16 items 11 and 12): a formset table with an
empty row to add and a remove button per row; the answer's errors, the rows' and the
suitability rule's come back together, each product's on its own row."""

from django.urls import reverse

from clients.models import Client
from tests.factories import make_client, make_product
from visits import services
from visits.models import Consultation


def sheet_for(org, risk_level="C3"):
    client = make_client(org.am, client_no="1100000001")
    Client.objects.filter(pk=client.pk).update(risk_level=risk_level)
    client.refresh_from_db()
    return services.consultation_file(
        user=org.am, client=client, advisor=org.advisor, question="是否加仓？"
    )


def rows(*products):
    """Product rows picked from the catalogue: (name, level) makes the product once."""
    body = {"products-TOTAL_FORMS": str(len(products)), "products-INITIAL_FORMS": "0",
            "products-MIN_NUM_FORMS": "0", "products-MAX_NUM_FORMS": "10"}  # fmt: skip
    for i, (name, level) in enumerate(products):
        if name:
            product = make_product(code=f"T{i:04d}", name=name, risk_level=level)
            body |= {f"products-{i}-product": f"id:{product.pk}"}
    return body


def test_the_rows_are_a_table_with_add_and_remove(client, org):
    sheet = sheet_for(org)
    client.force_login(org.advisor)
    html = client.get(reverse("visits:consultation", args=[sheet.pk])).content.decode()
    assert 'data-formset="products"' in html and "data-formset-add" in html
    assert html.count("data-formset-remove") == 4  # 3 extra rows + the empty template
    assert 'name="products-__prefix__-product"' in html and "crm/formset.js" in html
    assert "js-picker" in html  # the catalogue's type-ahead


def test_every_error_of_the_answer_in_one_round_on_its_row(client, org):
    sheet = sheet_for(org)
    client.force_login(org.advisor)
    url = reverse("visits:consultation", args=[sheet.pk])
    body = {"analysis": "", "advice": "建议分散", **rows(("沪深300ETF", "R3"), ("", ""),
                                                        ("雪球产品", "R5"))}  # fmt: skip
    response = client.post(url, body)
    assert response.status_code == 400
    assert "analysis" in response.context["answer_form"].errors  # and, in the same round:
    product_forms = list(response.context["product_forms"])
    assert not product_forms[0].errors and not product_forms[1].errors
    assert "雪球产品（R5）" in product_forms[2].non_field_errors()[0]  # on its own row
    assert not response.context["answer_form"].non_field_errors()
    html = response.content.decode()
    assert html.count("product-row table-danger") == 1
    sheet.refresh_from_db()
    assert sheet.status == Consultation.Status.OPEN
