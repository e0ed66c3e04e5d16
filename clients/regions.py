"""Where a client comes from: the administrative area code (GB/T 2260) of the resident ID
card, whose first 2 digits are the province, 4 the city and 6 the county; without an ID
card, the province named at the start of the address.

The ID number is stored encrypted, so the area is kept beside it in `Client.region_code`
(the 6 digits of the ID card, or the 2 of the province found in the address), written by
the services that write the number or the address. The client list filters on its
prefix (`?province=31`, `?area=3101`).
"""

from __future__ import annotations

import re

from .models import IdType

# GB/T 2260 provinces: code, name (the names are proper names, shown as written)
PROVINCES = [
    ("11", "北京"), ("12", "天津"), ("13", "河北"), ("14", "山西"), ("15", "内蒙古"),
    ("21", "辽宁"), ("22", "吉林"), ("23", "黑龙江"), ("31", "上海"), ("32", "江苏"),
    ("33", "浙江"), ("34", "安徽"), ("35", "福建"), ("36", "江西"), ("37", "山东"),
    ("41", "河南"), ("42", "湖北"), ("43", "湖南"), ("44", "广东"), ("45", "广西"),
    ("46", "海南"), ("50", "重庆"), ("51", "四川"), ("52", "贵州"), ("53", "云南"),
    ("54", "西藏"), ("61", "陕西"), ("62", "甘肃"), ("63", "青海"), ("64", "宁夏"),
    ("65", "新疆"), ("71", "台湾"), ("81", "香港"), ("82", "澳门"),
]  # fmt: skip
PROVINCE_CHOICES = [(code, f"{code} {name}") for code, name in PROVINCES]
PROVINCE_NAMES = dict(PROVINCES)
AREA_CODE = re.compile(r"^\d{2}(\d{2}){0,2}$")


def region_from_address(address: str) -> str:
    """The province's 2 digits when the address starts with its name (上海市…, 广东省…)."""
    text = (address or "").strip()
    for code, name in PROVINCES:
        if text.startswith(name):
            return code
    return ""


def region_code(id_type: str, number: str, address: str = "") -> str:
    """The 6-digit area of a resident ID card number, else the address's province."""
    number = (number or "").strip()
    if (id_type == IdType.ID_CARD and len(number) >= 6 and number[:6].isdigit()
            and number[:2] in PROVINCE_NAMES):  # fmt: skip
        return number[:6]
    return region_from_address(address)


def describe(code: str) -> str:
    """`310104` -> `上海 310104`, for the client page."""
    if not code:
        return ""
    name = PROVINCE_NAMES.get(code[:2], "")
    return f"{name} {code}".strip()
