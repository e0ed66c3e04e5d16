"""The client list export: masked, or unmasked through an approved request (crm.exports)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from crm.references import person_label

from . import selectors
from .filters import ClientFilterSet
from .masking import display

MAX_ROWS = 50_000


def client_table(user, params, unmasked: bool = False):
    """Headers and rows of the client list the user sees, filtered like the list page
    (at most 50,000 rows). Sensitive values are masked unless `unmasked`."""
    qs = selectors.client_list(user).order_by("-id")
    rows = ClientFilterSet(params, queryset=qs, user=user).qs.select_related("owner__staff__branch")
    rows = rows[:MAX_ROWS]

    def shown(field, value):
        return value if unmasked else display(user, field, value)

    headers = [
        _("Client number"), _("Name"), _("Type"), _("Mobile phone"), _("ID number"),
        _("Stage"), _("Tier"), _("Risk level"), _("Account manager"), _("Branch"),
    ]  # fmt: skip

    def generate():
        for c in rows.iterator(chunk_size=2000):
            yield [
                c.client_no or "", shown("name", c.name), c.get_client_type_display(),
                shown("phone", c.phone), shown("id_number", c.id_number),
                c.get_stage_display(), c.get_tier_display(), c.risk_level,
                person_label(c.owner), c.branch.name,
            ]  # fmt: skip

    return headers, generate()
