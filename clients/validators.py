"""Check digits and formats of Chinese identity numbers, credit codes and mobile numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
MOBILE = re.compile(r"^1[3-9]\d{9}$")


@dataclass(frozen=True)
class IdCardInfo:
    number: str
    birth_date: date
    gender: str  # "male" / "female"


def id_check_character(body: str) -> str:
    """The 18th character of an ID card number whose first 17 digits are `body`."""
    return ID_CHECK[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]


def parse_id_card(value: str) -> IdCardInfo:
    """Validate a resident ID card number (GB 11643) and read birth date and gender."""
    number = (value or "").strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise ValidationError(
            _("An ID card number has 17 digits and a check digit or X."), code="id_format"
        )
    if id_check_character(number[:17]) != number[17]:
        raise ValidationError(
            _("The check digit of this ID card number is wrong."), code="id_check"
        )
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise ValidationError(
            _("The birth date in this ID card number does not exist."), code="id_birth"
        ) from exc
    if birth >= timezone.localdate() or birth.year < 1900:
        raise ValidationError(
            _("The birth date in this ID card number is not in the past."), code="id_birth"
        )
    gender = "male" if int(number[16]) % 2 else "female"
    return IdCardInfo(number=number, birth_date=birth, gender=gender)


def credit_code_is_valid(value: str) -> bool:
    """The check character of a unified social credit code (GB 32100)."""
    code = (value or "").strip().upper()
    if len(code) != 18 or any(c not in CREDIT_ALPHABET for c in code):
        return False
    total = sum(
        CREDIT_ALPHABET.index(c) * w for c, w in zip(code[:17], CREDIT_WEIGHTS, strict=True)
    )
    check = (31 - total % 31) % 31
    return CREDIT_ALPHABET[check] == code[17]


def normalize_mobile(value: str) -> str:
    """Mainland mobile number as 11 digits: accepts +86, 0086, spaces and dashes."""
    raw = (value or "").strip()
    if not raw:
        return ""
    if raw.isascii() and MOBILE.match(raw):  # 11 digits: what the parse below would answer
        return raw
    try:
        parsed = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("Enter a mainland mobile number, e.g. 13800138000."), code="mobile"
        ) from exc
    national = str(parsed.national_number)
    if parsed.country_code != 86 or not MOBILE.match(national):
        raise ValidationError(_("Enter a mainland mobile number, e.g. 13800138000."), code="mobile")
    return national


def phone_digits(value: str) -> str:
    """The last 11 digits of whatever a telephone system sends (+86, spaces...)."""
    digits = re.sub(r"\D", "", value or "")
    return digits[-11:]
