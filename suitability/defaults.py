"""The default AML factors (stored by the app's data migration and by the demo; an
administrator edits them in the admin). Points add up; the bands of suitability.rules
turn the sum into the rating (medium from 20, higher from 40, high from 60)."""

DEFAULT_FACTORS = [
    # (kind, value, points, label)
    ("client_type", "institution", 15, "机构客户"),
    ("occupation", "个体", 15, "个体工商户"),
    ("occupation", "珠宝", 25, "贵金属、珠宝经营"),
    ("occupation", "典当", 25, "典当、拍卖"),
    ("occupation", "娱乐", 20, "娱乐场所经营"),
    ("occupation", "房地产", 15, "房地产中介、开发"),
    ("occupation", "无业", 10, "无固定职业"),
    ("nationality", "KP", 60, "国籍：高风险国家（朝鲜）"),
    ("nationality", "IR", 60, "国籍：高风险国家（伊朗）"),
    ("nationality", "MM", 40, "国籍：受加强监控国家（缅甸）"),
    ("residence", "KP", 60, "居住地：高风险国家（朝鲜）"),
    ("residence", "IR", 60, "居住地：高风险国家（伊朗）"),
    ("residence", "MM", 40, "居住地：受加强监控国家（缅甸）"),
    ("product_type", "private_fund", 10, "持有私募基金"),
    ("product_type", "options", 10, "持有期权"),
    ("product_type", "structured", 10, "持有结构化产品"),
    ("cash_day", "500000", 20, "单日资金进出≥50万元"),
    ("cash_90_days", "5000000", 20, "90日资金进出合计≥500万元"),
]


def store_default_factors(factor_model) -> int:
    """Create the defaults that are missing (never overwrites an edited factor)."""
    made = 0
    for kind, value, points, label in DEFAULT_FACTORS:
        _obj, created = factor_model.objects.get_or_create(
            kind=kind, value=value, defaults={"points": points, "label": label}
        )
        made += created
    return made
