"""Saved client lists (客户名单): the client list's filters kept under a name, for event
invitations, campaigns and exports. Using one always runs on the user's own clients."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from crm.models import staff_of

from ..filters import ClientFilterSet, saved_filter_params
from ..models import Client, SavedClientFilter

NAME_LIMIT = 60


def saved_filter_clean_query(query: str, *, user) -> str:
    """The query string as stored (list parameters dropped), or ValidationError when it
    names no filter of the client list or a filter the list refuses."""
    query = (query or "").strip().lstrip("?")
    if "?" in query:
        query = query.split("?", 1)[1]
    params = saved_filter_params(query)
    for key in [k for k, values in params.lists() if not any(v.strip() for v in values)]:
        params.pop(key)
    if not params:
        raise ValidationError({"query": [_("Choose at least one filter before saving the list.")]})
    filterset = ClientFilterSet(params, queryset=Client.objects.none(), user=user)
    unknown = sorted(set(params) - set(filterset.filters))
    if unknown:
        message = _("The client list has no filter %(names)s.") % {"names": ", ".join(unknown)}
        raise ValidationError({"query": [message]})
    if not filterset.is_valid():
        raise ValidationError({"query": [
            f"{filterset.filters[name].label}: {' '.join(messages)}"
            for name, messages in filterset.errors.items()
        ]})  # fmt: skip
    return params.urlencode()


def saved_filter_create(*, user, name: str, query: str, shared: bool = False) -> SavedClientFilter:
    """Save the client list's current filters under a name of the user's."""
    staff = staff_of(user)
    if staff is None:
        raise PermissionDenied(_("Only members of staff save client lists."))
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the list a name.")]
    elif len(name) > NAME_LIMIT:
        errors["name"] = [_("At most 60 characters.")]
    try:
        query = saved_filter_clean_query(query, user=user)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return SavedClientFilter.objects.create(
                owner=user, branch_id=staff.branch_id, name=name, query=query, shared=bool(shared)
            )
    except IntegrityError as exc:
        raise ValidationError({"name": [_("You have a list of this name already.")]}) from exc


def saved_filter_delete(*, user, saved: SavedClientFilter) -> None:
    """Only its owner deletes a list (a shared one too)."""
    if saved.owner_id != user.pk:
        raise PermissionDenied(_("Only the person who saved the list may delete it."))
    saved.delete()
