from datetime import date

import pytest
from django.core.exceptions import ValidationError

from clients.masking import mask_id, mask_name, mask_phone
from clients.validators import (
    credit_code_is_valid,
    id_check_character,
    normalize_mobile,
    parse_id_card,
    phone_digits,
)


def test_id_card_from_domain_is_valid_and_gives_birth_date_and_gender():
    info = parse_id_card("11010519491231002X")
    assert info.birth_date == date(1949, 12, 31)
    assert info.gender == "female"  # sequence 002: even


def test_id_card_lowercase_x_is_accepted():
    assert parse_id_card("11010519491231002x").number == "11010519491231002X"


@pytest.mark.parametrize(
    "number,code",
    [
        ("110105194912310021", "id_check"),  # wrong check digit
        ("11010519491331002X", "id_birth"),  # month 13 (check digit recomputed below)
        ("1101051949123100", "id_format"),
        ("11010519491231002Y", "id_format"),
    ],
)
def test_invalid_id_cards(number, code):
    if code == "id_birth":
        number = number[:17] + id_check_character(number[:17])
    with pytest.raises(ValidationError) as exc:
        parse_id_card(number)
    assert exc.value.code == code


def test_id_card_birth_date_in_the_future_is_refused():
    number = "11010520991231002" + id_check_character("11010520991231002")
    with pytest.raises(ValidationError):
        parse_id_card(number)


def test_credit_code_from_domain():
    assert credit_code_is_valid("91350100M000100Y43")
    assert not credit_code_is_valid("91350100M000100Y44")
    assert not credit_code_is_valid("91350100M000100Y4")
    assert not credit_code_is_valid("91350100M000100YI3")  # I is not in the alphabet


@pytest.mark.parametrize(
    "raw", ["13800138000", "+86 138 0013 8000", "0086-138-0013-8000", "+8613800138000"]
)
def test_mobile_numbers_are_normalised(raw):
    assert normalize_mobile(raw) == "13800138000"


@pytest.mark.parametrize(
    "raw", ["12800138000", "1380013800", "010-12345678", "+1 415 555 0100", "abc"]
)
def test_bad_mobile_numbers(raw):
    with pytest.raises(ValidationError):
        normalize_mobile(raw)


def test_phone_digits_for_screen_pop():
    assert phone_digits("+86 138-0013-8000") == "13800138000"


def test_masks_match_domain_examples():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_id("11010519491231002X") == "110105********002X"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧**"
