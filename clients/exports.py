"""The client list export: masked, or unmasked through an approved request (crm.exports)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from . import selectors, services
from .filters import ClientFilterSet
from .masking import mask_id, mask_name, mask_phone

MAX_ROWS = 50_000


def client_table(user, params, unmasked: bool = False):
    """Headers and rows of the client list the user sees, filtered like the list page
    (at most 50,000 rows). Sensitive values are masked unless `unmasked`."""
    qs = selectors.client_list(user).order_by("-id")
    rows = ClientFilterSet(params, queryset=qs, user=user).qs[:MAX_ROWS]
    mask_names = services.names_masked_for(user) and not unmasked
    phone = (lambda v: v) if unmasked else mask_phone
    id_number = (lambda v: v) if unmasked else mask_id
    headers = [
        _("Client number"), _("Name"), _("Type"), _("Mobile phone"), _("ID number"),
        _("Stage"), _("Tier"), _("Risk level"), _("Account manager"), _("Branch"),
    ]  # fmt: skip

    def generate():
        for c in rows.iterator(chunk_size=2000):
            yield [
                c.client_no or "", mask_name(c.name) if mask_names else c.name,
                c.get_client_type_display(), phone(c.phone), id_number(c.id_number),
                c.get_stage_display(), c.get_tier_display(), c.risk_level,
                c.owner.username, c.branch.code,
            ]  # fmt: skip

    return headers, generate()
