from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from clients.models import Client
from crm.forms import add_service_errors, success_link
from crm.lookups import get_joined_or_404
from crm.models import SlaPolicy
from crm.once import submit_once
from crm.paging import page_with_total
from crm.params import id_param
from crm.services import ConcurrentUpdate, TransitionNotAllowed
from crm.views import StaffRequiredMixin

from . import selectors, services
from .filters import ServiceRequestFilterSet
from .forms import CategoryForm, IntakeForm
from .models import Channel, ServiceCategory, ServiceRequest
from .tables import ServiceRequestTable
from .workflow import SERVICE_REQUEST_WORKFLOW


class DeskView(StaffRequiredMixin, View):
    """The request desk: open requests first, soonest answer deadline first."""

    def get(self, request):
        data = request.GET.copy()
        if not data:
            data["open"] = "true"
        qs = selectors.desk(request.user).order_by(*selectors.DESK_ORDER)
        filterset = ServiceRequestFilterSet(data, queryset=qs, request=request)
        page = page_with_total(request, filterset.qs, per_page=25)
        table = ServiceRequestTable(page, request=request, filterset=filterset,
                                    target="#desk-table")  # fmt: skip
        context = {"table": table, "page": page, "filter": filterset,
                   "can_intake": services.can_work(request.user),
                   "can_edit_categories": services.may_edit_categories(request.user)}  # fmt: skip
        template = "crm/partials/table.html" if request.htmx else "servicedesk/desk.html"
        return render(request, template, context)


class IntakeView(StaffRequiredMixin, View):
    def _check(self):
        if not services.can_work(self.request.user):
            raise PermissionDenied(_("Your role may not work on service requests."))

    def get(self, request):
        self._check()
        initial = {"channel": request.GET.get("channel", Channel.PHONE)}
        client = None
        if pk := id_param(request.GET.get("client")):
            client = Client.objects.visible_to(request.user).filter(pk=pk).first()
            if client:
                initial["client"] = client.pk
        return render(request, "servicedesk/intake.html", {
            "form": IntakeForm(user=request.user, initial=initial), "client": client,
        })  # fmt: skip

    @submit_once
    def post(self, request):
        self._check()
        form = IntakeForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                sr = services.servicerequest_receive(user=request.user,
                                                     data=dict(form.cleaned_data))  # fmt: skip
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                message = (_("Service request %(obj)s resolved on first contact.")
                           if sr.first_contact_resolved
                           else _("Service request %(obj)s received."))  # fmt: skip
                success_link(request, message, sr, sr.number)
                return redirect(sr)
        return render(request, "servicedesk/intake.html", {"form": form}, status=400)


def _action_forms(user, sr, steps) -> dict:
    return {s.name: s.form_class().for_step(sr, user=user, action=s.name) for s in steps}


class RequestObjectMixin(StaffRequiredMixin):
    def get_request_object(self, pk) -> ServiceRequest:
        return get_joined_or_404(
            selectors.desk(self.request.user).select_related("branch", "sla_policy", "complaint"),
            pk=pk,
        )


def render_detail(request, sr, forms=None, status=200):
    steps = [s for s in SERVICE_REQUEST_WORKFLOW.allowed(request.user, sr) if s.web]
    all_forms = {**_action_forms(request.user, sr, steps), **(forms or {})}
    context = {
        "sr": sr,
        "events": sr.events.select_related("by"),
        "actions": [(s.name, s.label, all_forms[s.name]) for s in steps],
        "now": timezone.now(),
        # the knowledge base's suggestions for this category go here (helper "kb")
        # the knowledge base's articles for the subcategory or its category
        "suggestion_codes": [sr.subcategory.code if sr.subcategory_id else "", sr.category.code],
    }
    return render(request, "servicedesk/detail.html", context, status=status)


class DetailView(RequestObjectMixin, View):
    def get(self, request, pk):
        return render_detail(request, self.get_request_object(pk))


class ActionView(RequestObjectMixin, View):
    """POST /service-requests/<pk>/<action>/ — one workflow step; refused (a message,
    nothing applied) when not allowed now or when someone else acted meanwhile."""

    def post(self, request, pk, action):
        sr = self.get_request_object(pk)
        step = SERVICE_REQUEST_WORKFLOW[action]
        form_class = step.form_class()
        form = form_class.for_step(sr, user=request.user, action=action, data=request.POST)
        if not form.is_valid():
            return render_detail(request, sr, forms={action: form}, status=400)
        data = dict(form.cleaned_data)
        try:
            SERVICE_REQUEST_WORKFLOW.service(action)(user=request.user, service_request=sr,
                                                     **data)  # fmt: skip
        except ValidationError as exc:
            add_service_errors(form, exc)
            return render_detail(request, sr, forms={action: form}, status=400)
        except ConcurrentUpdate as exc:
            sr = self.get_request_object(pk)
            posted = request.POST.copy()
            posted[f"{action}-version"] = sr.version
            form = form_class.for_step(sr, user=request.user, action=action, data=posted)
            form.is_valid()
            form.add_error(None, str(exc))
            return render_detail(request, sr, forms={action: form}, status=409)
        except TransitionNotAllowed as exc:
            messages.error(request, str(exc))
            return redirect(sr)
        messages.success(request, step.done_message)
        return redirect(sr)


class CategoriesView(StaffRequiredMixin, View):
    """The categories and subcategories with their time limits; HQ adds or changes them."""

    def _page(self, request, form, status=200):
        categories = ServiceCategory.objects.filter(parent__isnull=True).prefetch_related(
            "children"
        )
        policies = {p.code: p for p in SlaPolicy.objects.filter(code__startswith="service_request")}
        rows = []
        for category in categories:
            rows.append((category, policies.get(category.policy_code)
                         or policies.get(services.DEFAULT_POLICY)))  # fmt: skip
        return render(request, "servicedesk/categories.html", {
            "rows": rows, "form": form,
            "can_edit": services.may_edit_categories(request.user),
        }, status=status)  # fmt: skip

    def get(self, request):
        return self._page(request, CategoryForm())

    def post(self, request):
        if not services.may_edit_categories(request.user):
            raise PermissionDenied(_("Only headquarters edits the service categories."))
        form = CategoryForm(request.POST)
        if form.is_valid():
            existing = ServiceCategory.objects.filter(code=form.cleaned_data["code"]).first()
            try:
                services.category_save(user=request.user, data=form.cleaned_data,
                                       instance=existing)  # fmt: skip
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Service category saved."))
                return redirect("servicedesk:categories")
        return self._page(request, form, status=400)
