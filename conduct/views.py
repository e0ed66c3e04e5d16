from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from crm.forms import add_service_errors
from crm.once import submit_once
from crm.views import StaffRequiredMixin, TableListView

from . import selectors, services
from .filters import (
    EducationFilterSet,
    MisconductFilterSet,
    SelfCheckFilterSet,
    SuggestionFilterSet,
)
from .forms import EducationForm, MisconductForm, SelfCheckFormForm, SignForm
from .models import CONDUCT_ROLES, SelfCheckStatus
from .tables import EducationTable, MisconductTable, SelfCheckTable, SuggestionTable


class SelfCheckListView(TableListView):
    """Compliance: their branch's self-checks (HQ: every branch) and the year's forms;
    everyone else: their own."""

    filterset_class = SelfCheckFilterSet
    table_class = SelfCheckTable
    template_name = "conduct/selfchecks.html"
    table_target = "#selfcheck-table"

    def get_queryset(self):
        return selectors.selfchecks(self.request.user).order_by("-sent_at", "-id")

    def get_context(self) -> dict:
        if self.staff.role not in CONDUCT_ROLES:
            return {"can_define": False}
        counts = {
            row["form_id"]: row
            for row in selectors.selfchecks(self.request.user).order_by().values("form_id")
            .annotate(total=Count("id"), signed=Count("id", filter=Q(status="signed")))
        }  # fmt: skip
        forms = [(f, counts.get(f.pk, {"total": 0, "signed": 0}))
                 for f in selectors.forms(self.request.user)[:5]]  # fmt: skip
        return {"can_define": True, "forms": forms}


class FormCreateView(StaffRequiredMixin, View):
    roles = CONDUCT_ROLES

    def get(self, request):
        return render(request, "conduct/form_create.html", {"form": SelfCheckFormForm()})

    @submit_once
    def post(self, request):
        form = SelfCheckFormForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                _sheet, sent = services.selfcheck_form_send(
                    user=request.user, year=data["year"], title=data["title"],
                    questions=data["questions"].splitlines(), declaration=data["declaration"],
                    due_on=data["due_on"],
                )  # fmt: skip
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The self-check was sent to %(n)d members of staff.")
                                 % {"n": sent})  # fmt: skip
                return redirect("conduct:selfchecks")
        return render(request, "conduct/form_create.html", {"form": form}, status=400)


class MySelfCheckView(StaffRequiredMixin, View):
    """The user's self-check to sign (or the last one signed): the questions, the
    declaration, signed in the browser."""

    def context(self, request, form=None):
        checks = list(selectors.my_selfchecks(request.user)[:6])
        current = checks[0] if checks else None
        if current is not None and current.status == SelfCheckStatus.PENDING and form is None:
            form = SignForm(questions=current.form.questions)
        answered = []
        if current is not None and current.status == SelfCheckStatus.SIGNED:
            answered = list(zip(current.form.questions, current.answers, strict=False))
        return {"check": current, "form": form, "answered": answered, "history": checks[1:]}

    def get(self, request):
        return render(request, "conduct/mine.html", self.context(request))

    def post(self, request):
        check = selectors.my_pending_queue(request.user, None).first()
        if check is None:
            messages.info(request, _("You have no conduct self-check to sign."))
            return redirect("conduct:my-selfcheck")
        form = SignForm(request.POST, questions=check.form.questions)
        if form.is_valid():
            try:
                services.selfcheck_sign(
                    user=request.user, check=check, answers=form.answers(),
                    declaration_accepted=form.cleaned_data["declaration_accepted"],
                )  # fmt: skip
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Your conduct self-check is signed."))
                return redirect("conduct:my-selfcheck")
        return render(request, "conduct/mine.html", self.context(request, form), status=400)


class RegisterRoleMixin(StaffRequiredMixin):
    """The misconduct register is not there for anyone but compliance and HQ (404)."""

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except PermissionDenied:
            if request.user.is_authenticated:
                raise Http404 from None
            raise

    roles = CONDUCT_ROLES


class MisconductListView(RegisterRoleMixin, TableListView):
    filterset_class = MisconductFilterSet
    table_class = MisconductTable
    template_name = "conduct/misconduct.html"
    table_target = "#misconduct-table"

    def get_queryset(self):
        return selectors.misconduct(self.request.user).order_by("-occurred_on", "-id")


class MisconductCreateView(RegisterRoleMixin, View):
    def get(self, request):
        form = MisconductForm(user=request.user)
        return render(request, "conduct/misconduct_form.html", {"form": form})

    @submit_once
    def post(self, request):
        form = MisconductForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                services.misconduct_record(user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The misconduct is registered."))
                return redirect("conduct:misconduct")
        return render(request, "conduct/misconduct_form.html", {"form": form}, status=400)


class EducationListView(TableListView):
    filterset_class = EducationFilterSet
    table_class = EducationTable
    template_name = "conduct/education.html"
    table_target = "#education-table"

    def get_queryset(self):
        return selectors.education(self.request.user).order_by("-on", "-id")

    def get_context(self) -> dict:
        return {"can_record": self.staff.role in services.EDUCATORS}


class EducationCreateView(StaffRequiredMixin, View):
    roles = services.EDUCATORS

    def get(self, request):
        initial = {}
        if request.GET.get("client", "").isdigit():
            initial["client"] = f"id:{request.GET['client']}"
        form = EducationForm(user=request.user, initial=initial)
        return render(request, "conduct/education_form.html", {"form": form})

    @submit_once
    def post(self, request):
        form = EducationForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                services.education_record(user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The investor education is recorded."))
                return redirect(reverse("conduct:education"))
        return render(request, "conduct/education_form.html", {"form": form}, status=400)


class SuggestionListView(TableListView):
    """The clients the nightly rule suggests for investor education (an account manager:
    their own clients)."""

    filterset_class = SuggestionFilterSet
    table_class = SuggestionTable
    template_name = "conduct/suggestions.html"
    table_target = "#suggestion-table"

    def get_queryset(self):
        return selectors.suggestions(self.request.user).order_by("-suggested_at", "-id")

    def get_context(self) -> dict:
        return {"can_record": self.staff.role in services.EDUCATORS}
