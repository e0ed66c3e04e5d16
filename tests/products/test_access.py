"""Who reads and who writes the catalogue's API and pages (tests/access.py): every member
of staff and system reads; only HQ creates and changes; products are everyone's, so no
product is out of anyone's scope."""

from products.models import Product
from tests.access import ApiAccessCase, WebAccessCase
from tests.factories import make_product

READ_ONLY = {"list": 200, "detail": 200, "create": 403, "update": 403}
STAFF = ("account_manager", "advisor", "service_agent", "branch_manager", "compliance")


def _product(code="AC0001"):
    return Product.objects.filter(code=code).first() or make_product(code=code, name="准入测试")


class TestProductApi(ApiAccessCase):
    list_url = "api:product-list"
    detail_url = "api:product-detail"
    expected = {
        **dict.fromkeys(STAFF, READ_ONLY),
        "integration": READ_ONLY,
        "hq": {"list": 200, "detail": 200, "create": 201, "update": 200},
    }

    def make_in_scope(self, org, user):
        return _product()

    def make_out_of_scope(self, org, user):
        return None  # the catalogue is everyone's

    def create_payload(self, org, user):
        return {"code": "AC0002", "name": "新理财", "product_type": "wealth", "risk_level": "R2"}

    def update_payload(self, org, user, obj):
        return {"risk_level": "R3"}


class TestProductPages(WebAccessCase):
    list_url = "products:catalogue"
    detail_url = "products:detail"
    create_url = "products:create"
    expected = {
        **dict.fromkeys(STAFF, READ_ONLY),
        "hq": {"list": 200, "detail": 200, "create": 302, "update": 302},
    }

    def make_in_scope(self, org, user):
        return _product()

    def make_out_of_scope(self, org, user):
        return None

    def create_payload(self, org, user):
        return {"code": "AC0003", "name": "新基金", "product_type": "fund", "risk_level": "R3",
                "status": "on_sale"}  # fmt: skip

    def update_payload(self, org, user, obj):
        return {"name": obj.name, "product_type": "fund", "risk_level": "R4",
                "status": "on_sale"}  # fmt: skip
