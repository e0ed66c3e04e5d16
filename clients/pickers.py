"""The client picker of every form that chooses a client (visit plans, consultations,
quota contacts, complaint intake): a type-ahead over the user's clients by name, pinyin
initials, the last 4 digits of a phone or the client number (clients.selectors
.search_clients), each result shown as name · masked phone · branch."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views import View

from crm.params import id_param
from crm.references import CLIENT_OUT_OF_SCOPE, VisibleChoiceField
from crm.views import StaffRequiredMixin
from crm.widgets import PickerInput

from .masking import display
from .models import Client
from .selectors import CJK, client_list, search_clients

PICK_LIMIT = 20
PREFIX = "id:"


def pick_label(user, client: Client) -> str:
    """名字 · 138****1234 · 营业部: the name masked as `user` sees names."""
    parts = [display(user, "name", client.name), display(user, "phone", client.phone),
             client.branch.name]  # fmt: skip
    return " · ".join(p for p in parts if p)


def long_enough(text: str) -> bool:
    """Two letters or digits, or one Chinese character, before any search runs."""
    return len(text) >= 2 or bool(CJK.search(text))


def pick_results(user, text: str) -> list[dict]:
    """The picker's answer: at most PICK_LIMIT clients of the user's scope, one query."""
    text = (text or "").strip()[:40]
    if not long_enough(text):
        return []
    qs = search_clients(client_list(user), text).order_by("name_initials", "name", "id")
    return [{"value": f"{PREFIX}{c.pk}", "text": pick_label(user, c)} for c in qs[:PICK_LIMIT]]


class ClientPickField(VisibleChoiceField):
    """A client of the user's scope, chosen in the picker (`id:<pk>`) or, without
    JavaScript, typed: the text must match exactly one of the user's clients."""

    default_error_messages = {
        "invalid_choice": CLIENT_OUT_OF_SCOPE,
        "no_match": _(
            "No client found among yours: type a name, pinyin initials or the last 4 "
            "digits of the phone, and choose from the list."
        ),
        "many": _("Several of your clients match: type more of the name, or choose from the list."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Client"))
        kwargs.setdefault(
            "widget",
            PickerInput(
                url=reverse_lazy("clients:pick"),
                placeholder=_("Name, pinyin initials or last 4 digits of the phone"),
            ),
        )
        super().__init__(Client.objects.select_related("branch"), **kwargs)
        self.user, self.picked = None, None

    def scope(self, user, branch=None) -> None:
        super().scope(user, branch)
        self.user = user

    def show(self, client: Client | None) -> None:
        self.widget.label = pick_label(self.user, client) if client is not None else ""

    def prepare_value(self, value):
        """The chosen client as the picker's value, with its label for the picker."""
        if isinstance(value, Client):
            self.show(value)
            return f"{PREFIX}{value.pk}"
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            client = self.queryset.filter(pk=value).first()  # an initial pk
            self.show(client)
            return f"{PREFIX}{client.pk}" if client else ""
        if self.picked is not None and value == f"{PREFIX}{self.picked.pk}":
            self.show(self.picked)  # the posted choice, shown again with the form's errors
        return value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Client):
            return value
        text = str(value).strip()
        if text.startswith(PREFIX):
            pk = id_param(text[len(PREFIX) :])
            client = self.queryset.filter(pk=pk).first() if pk else None
            if client is None:
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        else:
            matches = list(search_clients(self.queryset, text)[:2]) if long_enough(text) else []
            if len(matches) != 1:
                code = "many" if matches else "no_match"
                raise ValidationError(self.error_messages[code], code=code)
            client = matches[0]
        self.picked = client
        return client


class ClientPickView(StaffRequiredMixin, View):
    """GET `?q=` → the picker's JSON: the user's clients matching the text (none under
    2 letters or digits), one query whatever the number of clients."""

    def get(self, request):
        results = pick_results(request.user, request.GET.get("q", ""))
        response = JsonResponse({"results": results})
        response["Cache-Control"] = "private, no-store"
        return response
