"""The account pages: password change and the optional second factor (crm.twofactor)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache

from .. import twofactor
from ..forms import BoundedForm
from ..redirects import next_url


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change with the validators of AUTH_PASSWORD_VALIDATORS."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("crm:workbench")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been changed."))
        return response


class CodeForm(BoundedForm):
    code = forms.RegexField(
        label=gettext_lazy("6-digit code"),
        regex=r"^\d{6}$",
        max_length=6,
        error_messages={"invalid": gettext_lazy("Enter the 6 digits of the code.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "pattern": "[0-9]{6}",
            }
        ),
    )


@method_decorator(never_cache, name="dispatch")
class TwoFactorSetupView(LoginRequiredMixin, View):
    """Branch managers and HQ: enrol an authenticator app (QR code or key, then a first
    code). Other roles get 404: the option does not exist for them."""

    template_name = "registration/two_factor_setup.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not twofactor.may_enrol(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self.render(request, CodeForm())

    def post(self, request):
        form = CodeForm(request.POST)
        if twofactor.confirmed_device(request.user) is None and form.is_valid():
            device = twofactor.enrolment_device(request.user)
            if twofactor.enrolment_confirm(request, device, form.cleaned_data["code"]):
                messages.success(
                    request,
                    _("Two-factor authentication is on: each login now asks for a code."),
                )
                return redirect("two-factor-setup")
            form.add_error("code", _("Wrong code. Check the time on your phone and try again."))
        return self.render(request, form)

    def render(self, request, form):
        device = twofactor.confirmed_device(request.user)
        context = {"form": form, "device": device}
        if device is None:
            pending = twofactor.enrolment_device(request.user)
            context["qr_svg"] = twofactor.enrolment_qr_svg(pending)
            context["manual_key"] = twofactor.manual_key(pending)
        return render(request, self.template_name, context)


@method_decorator(never_cache, name="dispatch")
class TwoFactorVerifyView(LoginRequiredMixin, View):
    """The second step of the login for users with a device: the 6-digit code."""

    template_name = "registration/two_factor_verify.html"

    def get(self, request):
        if not request.session.get(twofactor.SESSION_KEY) or request.user.is_verified():
            return redirect(self.next_url(request))
        return self.render(request, CodeForm())

    def post(self, request):
        form = CodeForm(request.POST)
        if form.is_valid():
            error = twofactor.verify_code(request, form.cleaned_data["code"])
            if error is None:
                return redirect(self.next_url(request))
            form.add_error("code", error)
        return self.render(request, form)

    def render(self, request, form):
        return render(request, self.template_name, {"form": form, "next": self.next_url(request)})

    @staticmethod
    def next_url(request) -> str:
        return next_url(request, "crm:workbench")
