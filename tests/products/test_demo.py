"""The demo catalogue: about 60 products over every type and level, the demo advice linked
to catalogue products, a few recorded sales (双录)."""

from django.core.management import call_command

from products.models import Product, ProductType, RiskLevel
from visits.models import AdvisedProduct


def test_the_demo_has_a_catalogue_linked_advice_and_recorded_sales(db):
    call_command("seed_demo")
    assert Product.objects.count() == 60
    assert set(Product.objects.values_list("product_type", flat=True)) == set(ProductType.values)
    assert set(Product.objects.values_list("risk_level", flat=True)) == set(RiskLevel.values)
    assert AdvisedProduct.objects.filter(product__code="510300").exists()
    recorded = AdvisedProduct.objects.exclude(recording_ref="")
    assert recorded.count() >= 2 and all(a.product_id and a.recorded_at for a in recorded)
    call_command("seed_demo")  # idempotent
    assert Product.objects.count() == 60
