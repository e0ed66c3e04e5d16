"""Where to go after a POST: the `next` the page sent, only when it stays on this site."""

from __future__ import annotations

from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request, default: str, *args) -> str:
    """`next` from the form (or the query string) when it points to this host, else
    `default` (a URL, or a URL name resolved with `args`). `//evil.example`,
    `https://evil.example/`, `javascript:` and the like fall back to the default."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(default, *args)
