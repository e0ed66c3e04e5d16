from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from clients.models import Client
from crm.forms import add_service_errors, success_link
from crm.once import submit_once
from crm.services import ConcurrentUpdate, TransitionNotAllowed
from crm.views import StaffRequiredMixin, TableListView

from . import rules, selectors, services
from .filters import AmlFilterSet, ProFilterSet
from .forms import OverrideForm, ProRequestForm, ResidenceForm, VerifyForm
from .models import AML_READERS, AML_WORKERS, PRO_ROLES, AmlProfile
from .tables import AmlTable, ProTable
from .workflow import PRO_WORKFLOW


# --- Professional investors -------------------------------------------------------------
class ProRoleMixin(StaffRequiredMixin):
    roles = PRO_ROLES

    def get_pro(self, pk):
        return get_object_or_404(selectors.classifications(self.request.user), pk=pk)


class ProListView(ProRoleMixin, TableListView):
    filterset_class = ProFilterSet
    table_class = ProTable
    template_name = "suitability/pro_list.html"
    table_target = "#pro-table"

    def get_queryset(self):
        return selectors.classifications(self.request.user).order_by("-requested_at", "-id")


class ProCreateView(ProRoleMixin, View):
    """A classification request for one client (`pk`) of the user's scope."""

    def get_client(self, request, pk):
        return get_object_or_404(Client.objects.visible_to(request.user), pk=pk)

    def render_form(self, request, client, form, status=200):
        return render(request, "suitability/pro_form.html", {
            "client": client, "form": form, "thresholds": rules.pro_thresholds(),
            "months": rules.pro_review_months()}, status=status)  # fmt: skip

    def get(self, request, pk):
        client = self.get_client(request, pk)
        initial = {"kind": "ordinary" if client.investor_class == "professional"
                   else "professional"}  # fmt: skip
        return self.render_form(request, client, ProRequestForm(initial=initial))

    @submit_once
    def post(self, request, pk):
        client = self.get_client(request, pk)
        form = ProRequestForm(request.POST)
        if form.is_valid():
            try:
                pro = services.pro_request(user=request.user, client=client,
                                           data=dict(form.cleaned_data))  # fmt: skip
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                success_link(request, _("Classification %(obj)s sent for approval."), pro,
                             pro.reference)  # fmt: skip
                return redirect(pro)
        return self.render_form(request, client, form, status=400)


def render_pro(request, pro, forms=None, status=200):
    steps = [s for s in PRO_WORKFLOW.allowed(request.user, pro) if s.web]
    all_forms = {s.name: s.form_class().for_step(pro, user=request.user, action=s.name)
                 for s in steps}  # fmt: skip
    all_forms.update(forms or {})
    history = selectors.classifications(request.user).filter(client_id=pro.client_id)
    return render(request, "suitability/pro_detail.html", {
        "pro": pro, "actions": [(s.name, s.label, all_forms[s.name]) for s in steps],
        "history": history.exclude(pk=pro.pk).order_by("-requested_at", "-id")[:10],
        "own_request": pro.requested_by_id == request.user.pk and pro.status == "requested",
    }, status=status)  # fmt: skip


class ProDetailView(ProRoleMixin, View):
    def get(self, request, pk):
        return render_pro(request, self.get_pro(pk))


class ProActionView(ProRoleMixin, View):
    def post(self, request, pk, action):
        pro = self.get_pro(pk)
        step = PRO_WORKFLOW[action]
        form = step.form_class().for_step(pro, user=request.user, action=action,
                                          data=request.POST)  # fmt: skip
        if not form.is_valid():
            return render_pro(request, pro, forms={action: form}, status=400)
        data = dict(form.cleaned_data)
        try:
            PRO_WORKFLOW.service(action)(user=request.user, pro=pro, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return render_pro(request, pro, forms={action: form}, status=400)
        except (ConcurrentUpdate, TransitionNotAllowed) as exc:
            messages.error(request, str(exc))
            return redirect(pro)
        messages.success(request, step.done_message)
        return redirect(pro)


# --- AML risk ratings ---------------------------------------------------------------------
AML_ACTIONS = {
    # name: (form, service, fields)
    "override": (OverrideForm, services.aml_override, ("rating", "reason")),
    "verify": (VerifyForm, services.aml_verify, ("verified_on", "id_expires_on")),
    "residence": (ResidenceForm, services.aml_set_residence, ("nationality", "residence")),
}
AML_DONE = {
    "override": gettext_lazy("AML rating saved."),
    "verify": gettext_lazy("Re-verification recorded."),
    "residence": gettext_lazy("Nationality and residence saved; the client is rated again."),
}


class AmlRoleMixin(StaffRequiredMixin):
    roles = AML_READERS

    def get_profile(self, pk):
        return get_object_or_404(selectors.ratings(self.request.user), pk=pk)


class AmlListView(AmlRoleMixin, TableListView):
    filterset_class = AmlFilterSet
    table_class = AmlTable
    template_name = "suitability/aml_list.html"
    table_target = "#aml-table"

    def get_queryset(self):
        return selectors.ratings(self.request.user).order_by("reverify_due_on", "id")


def render_aml(request, profile, forms=None, status=200):
    from crm.models import staff_of

    staff = staff_of(request.user)
    actions = []
    if staff is not None and staff.role in AML_WORKERS:
        for name, (form_class, _service, _fields) in AML_ACTIONS.items():
            form = (forms or {}).get(name) or form_class.for_step(profile, user=request.user,
                                                                 action=name)  # fmt: skip
            actions.append((name, form))
    return render(request, "suitability/aml_detail.html", {
        "profile": profile, "client": profile.client, "actions": actions,
        "years": rules.aml_reverify_years(),
    }, status=status)  # fmt: skip


class AmlDetailView(AmlRoleMixin, View):
    def get(self, request, pk):
        return render_aml(request, self.get_profile(pk))


class AmlClientView(AmlRoleMixin, View):
    """The rating of one client (rated now if the nightly job has not reached them)."""

    def get(self, request, pk):
        client = get_object_or_404(Client.objects.visible_to(request.user), pk=pk)
        profile = AmlProfile.objects.visible_to(request.user).filter(client=client).first()
        if profile is None:
            services.aml_rate(client_ids=[client.pk])
            profile = AmlProfile.objects.visible_to(request.user).filter(client=client).first()
        if profile is None:
            raise Http404  # a potential client: no account to rate
        return redirect(profile)


class AmlActionView(AmlRoleMixin, View):
    roles = AML_WORKERS

    def post(self, request, pk, action):
        profile = self.get_profile(pk)
        form_class, service, fields = AML_ACTIONS[action]
        form = form_class.for_step(profile, user=request.user, action=action, data=request.POST)
        if not form.is_valid():
            return render_aml(request, profile, forms={action: form}, status=400)
        data = form.cleaned_data
        try:
            service(user=request.user, profile=profile, version=data.get("version"),
                    **{f: data.get(f) for f in fields})  # fmt: skip
        except ValidationError as exc:
            add_service_errors(form, exc)
            return render_aml(request, profile, forms={action: form}, status=400)
        except ConcurrentUpdate as exc:
            messages.error(request, str(exc))
            return redirect(profile)
        messages.success(request, str(AML_DONE[action]))
        return redirect(profile)
