from django import forms
from django.utils.translation import gettext_lazy as _

from crm.forms import BoundedForm, DateInput

from .models import ProductStatus, ProductType, RiskLevel


class ProductForm(BoundedForm):
    """HQ's product form; the rules are the service's (products.services.parse_row)."""

    code = forms.CharField(label=_("Product code"), max_length=20)
    name = forms.CharField(label=_("Product name"), max_length=100)
    product_type = forms.ChoiceField(label=_("Product type"), choices=ProductType.choices)
    issuer = forms.CharField(label=_("Issuer"), max_length=100, required=False)
    risk_level = forms.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices)
    status = forms.ChoiceField(label=_("Status"), choices=ProductStatus.choices)
    starts_on = forms.DateField(label=_("On sale from"), required=False, widget=DateInput())
    ends_on = forms.DateField(label=_("On sale until"), required=False, widget=DateInput())
    description = forms.CharField(
        label=_("Description"), required=False, max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:  # the code is the product's key: it never changes
            del self.fields["code"]


class DocumentForm(BoundedForm):
    title = forms.CharField(label=_("Document title"), max_length=200)
    url = forms.URLField(label=_("Link"), max_length=500, assume_scheme="https")
