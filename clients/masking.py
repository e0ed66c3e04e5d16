"""Masked display of sensitive values (DOMAIN.md: 138****1234, 110105********002X, 张*)."""

from crm.models import Role, staff_of


def mask_phone(value: str) -> str:
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return f"{value[:3]}****{value[-4:]}"


def mask_id(value: str) -> str:
    if not value:
        return ""
    if len(value) <= 10:
        return value[:2] + "*" * (len(value) - 2)
    return f"{value[:6]}{'*' * (len(value) - 10)}{value[-4:]}"


def mask_name(value: str) -> str:
    if not value:
        return ""
    return value[0] + "*" * max(1, min(len(value) - 1, 2))


# --- What a viewer sees -------------------------------------------------------------
# Names are masked for service agents and integrations (and anyone without a staff
# role); phones and ID numbers for everyone: the full value only through a logged reveal.
NAME_FIELDS = frozenset({"name", "complainant_name"})
MASKS = {
    "name": mask_name, "complainant_name": mask_name, "phone": mask_phone,
    "phone_alt": mask_phone, "complainant_phone": mask_phone, "id_number": mask_id,
}  # fmt: skip


def names_masked_for(user) -> bool:
    """Service agents and integrations see names masked (张*): pages, lists, API, exports."""
    staff = staff_of(user)
    return staff is None or staff.role in (Role.SERVICE_AGENT, Role.INTEGRATION)


def display(user, field: str, value) -> str:
    """`value` of a client's (or complainant's) `field` as `user` may see it: the one
    masking display of every page, API answer and export."""
    value = value or ""
    if field in NAME_FIELDS and not names_masked_for(user):
        return value
    return MASKS[field](value)
