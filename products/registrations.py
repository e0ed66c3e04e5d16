"""What the catalogue plugs in: its kind of file import (clients.imports, which sits
below and cannot name it), the demo's products and the permissions."""

from django.utils.translation import gettext_lazy as _

from clients.imports import ImportKind, register_kind
from crm.demo import register_seeder
from crm.models import Role
from crm.roles import ALL, grant

PRODUCT_COLUMNS = ("code", "name", "product_type", "issuer", "risk_level", "status",
                   "starts_on", "ends_on", "description")  # fmt: skip


def _seed(users, stdout):
    from .demo import seed_products

    seed_products(users, stdout)


def register() -> None:
    register_kind(ImportKind(
        key="products", label=_("Product catalogue"),
        columns=PRODUCT_COLUMNS, required=("code", "name", "product_type", "risk_level"),
        labels={
            "code": _("Product code"), "name": _("Product name"),
            "product_type": _("Product type"), "issuer": _("Issuer"),
            "risk_level": _("Risk level"), "status": _("Status"),
            "starts_on": _("On sale from"), "ends_on": _("On sale until"),
            "description": _("Description"),
        },
        example=("SF0001", "稳健增利1号", "理财产品", "本公司资产管理部", "R2", "在售",
                 "2026-01-01", "", "固定收益类，期限一年"),
        upsert="products.services.products_upsert", roles=frozenset({Role.HQ}),
        id_column="code", date_columns=("starts_on", "ends_on"),
        aliases={"code": ("产品代码",), "name": ("产品名称",), "risk_level": ("风险等级",)},
    ))  # fmt: skip
    # before the visits seeder (50): the demo advice names catalogue products
    register_seeder(45, "products", _seed)
    grant(ALL - {Role.INTEGRATION}, "products.view_product", "products.view_productdocument")
    grant({Role.HQ}, "products.add_product", "products.change_product",
          "products.add_productdocument")  # fmt: skip
