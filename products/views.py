"""The catalogue's pages: the list (filters = the API's), a product's page with its
documents and level history, HQ's create and edit forms."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from crm.forms import add_service_errors, success_link
from crm.once import submit_once
from crm.views import StaffRequiredMixin, TableListView

from . import selectors, services
from .filters import ProductFilterSet
from .forms import DocumentForm, ProductForm
from .models import Product
from .tables import ProductTable

EDIT_FIELDS = ("name", "product_type", "issuer", "risk_level", "status", "starts_on",
               "ends_on", "description")  # fmt: skip


class CatalogueView(TableListView):
    filterset_class = ProductFilterSet
    table_class = ProductTable
    template_name = "products/catalogue.html"
    table_target = "#product-table"

    def get_queryset(self):
        return selectors.catalogue().order_by("code")

    def get_context(self) -> dict:
        return {"can_maintain": services.can_maintain(self.request.user)}


def _render_detail(request, product, document_form=None, status=200):
    history = list(product.history.select_related("history_user").order_by("-history_date")[:20])
    return render(request, "products/detail.html", {
        "product": product, "documents": list(product.documents.all()), "history": history,
        "can_maintain": services.can_maintain(request.user),
        "document_form": document_form or DocumentForm(),
    }, status=status)  # fmt: skip


class DetailView(StaffRequiredMixin, View):
    def get(self, request, pk):
        return _render_detail(request, get_object_or_404(selectors.catalogue(), pk=pk))

    @submit_once
    def post(self, request, pk):
        """HQ adds a document link."""
        product = get_object_or_404(selectors.catalogue(), pk=pk)
        if not services.can_maintain(request.user):
            raise PermissionDenied(_("Only headquarters maintains the product catalogue."))
        form = DocumentForm(request.POST)
        if form.is_valid():
            try:
                services.document_add(user=request.user, product=product, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect(product)
        return _render_detail(request, product, document_form=form, status=400)


class _FormView(StaffRequiredMixin, View):
    def check(self, request):
        if not services.can_maintain(request.user):
            raise PermissionDenied(_("Only headquarters maintains the product catalogue."))


class CreateView(_FormView):
    def get(self, request):
        self.check(request)
        return render(request, "products/form.html", {"form": ProductForm()})

    @submit_once
    def post(self, request):
        self.check(request)
        form = ProductForm(request.POST)
        if form.is_valid():
            try:
                product = services.product_create(user=request.user, data=dict(form.cleaned_data))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                success_link(request, _("Product %(obj)s added to the catalogue."), product)
                return redirect(product)
        return render(request, "products/form.html", {"form": form}, status=400)


class EditView(_FormView):
    def get(self, request, pk):
        self.check(request)
        product = get_object_or_404(Product, pk=pk)
        initial = {k: getattr(product, k) for k in EDIT_FIELDS}
        form = ProductForm(initial=initial, editing=True)
        return render(request, "products/form.html", {"form": form, "product": product})

    def post(self, request, pk):
        self.check(request)
        product = get_object_or_404(Product, pk=pk)
        form = ProductForm(request.POST, editing=True)
        if form.is_valid():
            data = {k: form.cleaned_data[k] for k in EDIT_FIELDS}
            try:
                product = services.product_update(user=request.user, product=product, data=data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                success_link(request, _("Product %(obj)s saved."), product)
                return redirect(product)
        return render(request, "products/form.html", {"form": form, "product": product},
                      status=400)  # fmt: skip
