from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from clients.models import Client
from crm.forms import add_service_errors, success_link
from crm.once import submit_once
from crm.paging import page_without_count
from crm.services import TransitionNotAllowed
from crm.views import StaffRequiredMixin, TableListView
from outreach import rules
from outreach.rendering import render_template, sms_segments

from . import segments, selectors, services
from .filters import CampaignFilterSet
from .forms import CampaignForm, PlainForm
from .tables import CampaignTable
from .workflow import CAMPAIGN_WORKFLOW

SAMPLE_SIZE = 20


class ListView(TableListView):
    """The campaigns in scope, newest first unless sorted; the filters are the API's."""

    filterset_class = CampaignFilterSet
    table_class = CampaignTable
    template_name = "campaigns/list.html"
    table_target = "#campaign-table"

    def get_queryset(self):
        return selectors.campaign_list(self.request.user).order_by("-created_at", "-id")

    def get_context(self) -> dict:
        return {"can_build": services.can_build(self.request.user)}


class CreateView(StaffRequiredMixin, View):
    def _check(self):
        if not services.can_build(self.request.user):
            raise PermissionDenied(_("Your role may not build campaigns."))

    def get(self, request):
        self._check()
        form = CampaignForm(user=request.user)
        return render(request, "campaigns/form.html", {"form": form})

    @submit_once
    def post(self, request):
        self._check()
        form = CampaignForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                campaign = services.campaign_create(user=request.user, data=form.service_data())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                success_link(request, _("Campaign saved as a draft: %(obj)s"), campaign)
                return redirect(campaign)
        return render(request, "campaigns/form.html", {"form": form}, status=400)


def _object(request, pk):
    return get_object_or_404(
        selectors.campaign_list(request.user).select_related("approved_by"), pk=pk
    )


class EditView(StaffRequiredMixin, View):
    def _campaign(self, request, pk):
        campaign = _object(request, pk)
        if not services.may_edit(request.user, campaign):
            raise PermissionDenied(
                _("Only a draft campaign can be edited, by its owner or a manager.")
            )
        return campaign

    def get(self, request, pk):
        campaign = self._campaign(request, pk)
        form = CampaignForm(user=request.user, campaign=campaign)
        return render(request, "campaigns/form.html", {"form": form, "campaign": campaign})

    def post(self, request, pk):
        campaign = self._campaign(request, pk)
        form = CampaignForm(request.POST, user=request.user, campaign=campaign)
        if form.is_valid():
            try:
                services.campaign_update(user=request.user, campaign=campaign,
                                         data=form.service_data(),
                                         version=request.POST.get("version"))  # fmt: skip
            except ValidationError as exc:
                add_service_errors(form, exc)
            except TransitionNotAllowed as exc:
                messages.error(request, str(exc))
                return redirect(campaign)
            else:
                messages.success(request, _("Campaign saved."))
                return redirect(campaign)
        context = {"form": form, "campaign": campaign}
        return render(request, "campaigns/form.html", context, status=400)


def preview_for(request, campaign, sample):
    """The message as a real recipient would get it: the one asked for (?preview=<id>,
    among the campaign's recipients the viewer may see), else the first of the sample."""
    client = None
    wanted = request.GET.get("preview", "")
    if wanted.isdigit():
        client = (
            services.segment_clients(campaign)
            .filter(pk__in=Client.objects.visible_to(request.user).values("pk"))
            .filter(pk=int(wanted))
            .first()
        )
    if client is None and sample:
        client = sample[0]
    if client is None:
        return None
    rendered = render_template(campaign.template, client)
    parts = sms_segments(rendered.body) if campaign.channel == "sms" else None
    return {"client": client, "rendered": rendered, "segments": parts}


def render_detail(request, campaign, forms=None, status=200):
    steps = [s for s in CAMPAIGN_WORKFLOW.allowed(request.user, campaign) if s.web]
    all_forms = {
        s.name: (s.form_class() or PlainForm).for_step(campaign, user=request.user, action=s.name)
        for s in steps
    }
    all_forms.update(forms or {})
    recipients = services.campaign_recipients(campaign)
    # the sample: recipients who pass address and consent, those the viewer may see
    eligible = (
        services.eligible_clients(campaign)
        .filter(pk__in=Client.objects.visible_to(request.user).values("pk"))
        .order_by("id")
    )
    page = page_without_count(request, eligible, per_page=SAMPLE_SIZE)
    sample = list(page.object_list)
    capped = rules.capped_client_ids([c.pk for c in sample]) if campaign.needs_approval else set()
    context = {
        "campaign": campaign,
        "segment_words": segments.describe(campaign.segment or {}),
        "actions": [(s.name, s.label, all_forms[s.name]) for s in steps],
        "recipients": recipients,
        "sample": [(c, c.pk in capped) for c in sample],
        "page": page,
        "preview": preview_for(request, campaign, sample),
        "progress": selectors.progress(campaign),
        "results": selectors.results(campaign),
        "reactivated": list(selectors.reactivated_clients(campaign)[:SAMPLE_SIZE]),
        "runs": list(campaign.runs.all()[:10]),
        "may_edit": services.may_edit(request.user, campaign),
    }
    return render(request, "campaigns/detail.html", context, status=status)


class DetailView(StaffRequiredMixin, View):
    def get(self, request, pk):
        return render_detail(request, _object(request, pk))


class ActionView(StaffRequiredMixin, View):
    """POST /campaigns/<pk>/<action>/ — one workflow step; a step the state does not
    allow now is refused with a message, nothing applied."""

    def post(self, request, pk, action):
        campaign = _object(request, pk)
        step = CAMPAIGN_WORKFLOW[action]
        form = (step.form_class() or PlainForm).for_step(
            campaign, user=request.user, action=action, data=request.POST
        )
        if not form.is_valid():
            return render_detail(request, campaign, forms={action: form}, status=400)
        try:
            CAMPAIGN_WORKFLOW.service(action)(user=request.user, campaign=campaign,
                                              **form.cleaned_data)  # fmt: skip
        except ValidationError as exc:
            add_service_errors(form, exc)
            return render_detail(request, campaign, forms={action: form}, status=400)
        except TransitionNotAllowed as exc:
            messages.error(request, str(exc))
            return redirect(campaign)
        messages.success(request, step.done_message)
        return redirect(campaign)
