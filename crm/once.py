"""Create forms submitted once: a double click, a second tab or a resent POST of the same
form leads to what the first submission created instead of creating it again.

The page puts a fresh token in the form (`{% form_token %}`); the view's `post` is
wrapped with `@submit_once`. The token is claimed in the same transaction as the write,
so a second request with it waits on the first and then follows it; a submission that
failed (the form shown again with its errors) gives its token back."""

from __future__ import annotations

import functools
import uuid

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .models import FormSubmission

FIELD = "form_token"


def new_token() -> str:
    return uuid.uuid4().hex


def _token(request) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.POST.get(FIELD, ""))
    except ValueError:
        return None


def _led_to(response) -> str:
    if 300 <= response.status_code < 400:
        return response.get("Location", "")
    return response.get("HX-Redirect", "") if response.status_code < 300 else ""


def submit_once(post):
    """Wrap a view's `post` that creates something."""

    @functools.wraps(post)
    def wrapped(view, request, *args, **kwargs):
        token = _token(request)
        if token is None or not request.user.is_authenticated:
            return post(view, request, *args, **kwargs)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    claim = FormSubmission.objects.create(
                        token=token, user=request.user, path=request.path[:200]
                    )
            except IntegrityError:
                done = FormSubmission.objects.filter(token=token, user=request.user).first()
                if done is not None and done.result_url:
                    messages.info(request, _("This form was already sent; it was saved once."))
                    return redirect(done.result_url)
                return post(view, request, *args, **kwargs)
            response = post(view, request, *args, **kwargs)
            result = _led_to(response)
            if result:
                claim.result_url = result[:500]
                claim.save(update_fields=["result_url"])
            else:
                claim.delete()
        return response

    return wrapped
