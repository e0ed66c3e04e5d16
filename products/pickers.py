"""The product picker of the forms that name a catalogue product (the advice of a
consultation sheet, an event): a type-ahead over the products on sale by code, name or
pinyin initials, each shown as 名称 · 代码 · 风险等级 · 类型."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views import View

from crm.params import id_param
from crm.views import StaffRequiredMixin
from crm.widgets import PickerInput

from .models import Product, ProductStatus
from .selectors import CJK, search_products

PICK_LIMIT = 20
PREFIX = "id:"


def pick_label(product: Product) -> str:
    return " · ".join([product.name, product.code, product.risk_level,
                       str(product.get_product_type_display())])  # fmt: skip


def long_enough(text: str) -> bool:
    return len(text) >= 2 or bool(CJK.search(text))


def on_sale():
    return Product.objects.filter(status=ProductStatus.ON_SALE)


def pick_results(text: str) -> list[dict]:
    """At most PICK_LIMIT products on sale, one query."""
    text = (text or "").strip()[:40]
    if not long_enough(text):
        return []
    qs = search_products(on_sale(), text).order_by("code")
    return [{"value": f"{PREFIX}{p.pk}", "text": pick_label(p)} for p in qs[:PICK_LIMIT]]


class ProductPickField(forms.ModelChoiceField):
    """A product on sale, chosen in the picker (`id:<pk>`) or, without JavaScript,
    typed: its code, or text matching exactly one product."""

    default_error_messages = {
        "invalid_choice": _("This product is not on sale in the catalogue."),
        "no_match": _("No product on sale matches: type a code, a name or pinyin initials, "
                      "and choose from the list."),
        "many": _("Several products match: type more of the name, or choose from the list."),
    }  # fmt: skip

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Product"))
        kwargs.setdefault("widget", PickerInput(
            url=reverse_lazy("products:pick"),
            placeholder=_("Code, name or pinyin initials")))  # fmt: skip
        super().__init__(on_sale(), **kwargs)
        self.picked = None

    def prepare_value(self, value):
        if isinstance(value, Product):
            self.widget.label = pick_label(value)
            return f"{PREFIX}{value.pk}"
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            product = self.queryset.filter(pk=value).first()
            self.widget.label = pick_label(product) if product else ""
            return f"{PREFIX}{product.pk}" if product else ""
        if self.picked is not None and value == f"{PREFIX}{self.picked.pk}":
            self.widget.label = pick_label(self.picked)
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Product):
            return value
        text = str(value).strip()
        if text.startswith(PREFIX):
            pk = id_param(text[len(PREFIX) :])
            product = self.queryset.filter(pk=pk).first() if pk else None
            if product is None:
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        else:
            product = self.queryset.filter(code=text).first()
            if product is None:
                found = search_products(self.queryset, text) if long_enough(text) else None
                matches = list(found[:2]) if found is not None else []
                if len(matches) != 1:
                    code = "many" if matches else "no_match"
                    raise ValidationError(self.error_messages[code], code=code)
                product = matches[0]
        self.picked = product
        return product


class ProductPickView(StaffRequiredMixin, View):
    """GET `?q=` → the picker's JSON: products on sale matching the text."""

    def get(self, request):
        response = JsonResponse({"results": pick_results(request.GET.get("q", ""))})
        response["Cache-Control"] = "private, no-store"
        return response
