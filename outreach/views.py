"""The pages of outreach."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from clients.models import Client

from .models import Channel
from .services.consent import client_opt_out
from .services.sending import unsubscribe_read


@csrf_exempt  # a mail client's one-click unsubscribe (RFC 8058) posts without a session
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mail's unsubscribe link (public, signed): opts the client out of marketing
    e-mail (source email_link) and says so."""
    value = unsubscribe_read(token)
    client = Client.objects.filter(pk=value["c"]).first() if value else None
    if client is None:
        return render(request, "outreach/unsubscribe.html", {"done": False}, status=404)
    client_opt_out(client=client, channel=Channel.EMAIL, source="email_link")
    return render(request, "outreach/unsubscribe.html", {"done": True})
