"""Masked display of sensitive values (DOMAIN.md: 138****1234, 110105********002X, 张*)."""


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
