"""Demo catalogue (idempotent): about 60 products over every type and level, upserted
through the same service as the import, by HQ."""

from __future__ import annotations

from datetime import date

from .models import Product
from .services import products_upsert

# (code, name, type, issuer, level, status)
PRODUCTS = [
    ("600519", "贵州茅台", "stock", "上海证券交易所", "R4", "on_sale"),
    ("000001", "平安银行", "stock", "深圳证券交易所", "R4", "on_sale"),
    ("601318", "中国平安", "stock", "上海证券交易所", "R4", "on_sale"),
    ("300750", "宁德时代", "stock", "深圳证券交易所", "R5", "on_sale"),
    ("688981", "中芯国际", "stock", "上海证券交易所", "R5", "on_sale"),
    ("600036", "招商银行", "stock", "上海证券交易所", "R4", "on_sale"),
    ("000858", "五粮液", "stock", "深圳证券交易所", "R4", "on_sale"),
    ("510300", "沪深300ETF", "fund", "华泰柏瑞基金", "R3", "on_sale"),
    ("510500", "中证500ETF", "fund", "南方基金", "R3", "on_sale"),
    ("159915", "创业板ETF", "fund", "易方达基金", "R4", "on_sale"),
    ("000961", "天弘沪深300指数", "fund", "天弘基金", "R3", "on_sale"),
    ("110011", "易方达中小盘混合", "fund", "易方达基金", "R3", "on_sale"),
    ("000300", "华夏成长混合", "fund", "华夏基金", "R3", "on_sale"),
    ("003095", "中欧医疗健康混合", "fund", "中欧基金", "R4", "on_sale"),
    ("000198", "天弘余额宝货币", "fund", "天弘基金", "R1", "on_sale"),
    ("003003", "华夏现金增利货币", "fund", "华夏基金", "R1", "on_sale"),
    ("217022", "招商产业债券", "fund", "招商基金", "R2", "on_sale"),
    ("000171", "易方达裕丰回报债券", "fund", "易方达基金", "R2", "on_sale"),
    ("519732", "交银定期支付双息平衡", "fund", "交银施罗德基金", "R3", "closed"),
    ("SF0001", "稳健增利1号", "wealth", "本公司资产管理部", "R2", "on_sale"),
    ("SF0002", "稳健增利2号", "wealth", "本公司资产管理部", "R2", "on_sale"),
    ("SF0003", "金享天天利", "wealth", "本公司资产管理部", "R1", "on_sale"),
    ("SF0004", "季季盈90天", "wealth", "本公司资产管理部", "R2", "on_sale"),
    ("SF0005", "年年丰一年期", "wealth", "本公司资产管理部", "R2", "closed"),
    ("SF0006", "收益凭证安盈28天", "wealth", "本公司", "R1", "on_sale"),
    ("SF0007", "固收增强6个月", "wealth", "本公司资产管理部", "R3", "on_sale"),
    ("SF0008", "多元配置精选", "wealth", "本公司资产管理部", "R3", "on_sale"),
    ("019547", "24国债09", "bond", "财政部", "R1", "on_sale"),
    ("019666", "22国债01", "bond", "财政部", "R1", "on_sale"),
    ("113050", "南银转债", "bond", "南京银行", "R3", "on_sale"),
    ("127045", "牧原转债", "bond", "牧原股份", "R3", "on_sale"),
    ("163123", "21万科01", "bond", "万科企业", "R3", "closed"),
    ("175890", "21国开05", "bond", "国家开发银行", "R1", "on_sale"),
    ("188110", "21华能Y1", "bond", "华能国际", "R2", "on_sale"),
    ("JG0001", "沪深300雪球结构1期", "structured", "本公司场外衍生品部", "R4", "on_sale"),
    ("JG0002", "中证500鲨鱼鳍2期", "structured", "本公司场外衍生品部", "R4", "on_sale"),
    ("JG0003", "黄金看涨保本结构", "structured", "本公司场外衍生品部", "R3", "on_sale"),
    ("JG0004", "中证1000雪球3期", "structured", "本公司场外衍生品部", "R5", "on_sale"),
    ("JG0005", "双币挂钩增强", "structured", "本公司场外衍生品部", "R4", "closed"),
    ("QQ0001", "50ETF期权", "options", "上海证券交易所", "R5", "on_sale"),
    ("QQ0002", "沪深300ETF期权", "options", "上海证券交易所", "R5", "on_sale"),
    ("QQ0003", "创业板ETF期权", "options", "深圳证券交易所", "R5", "on_sale"),
    ("QQ0004", "中证1000股指期权", "options", "中国金融期货交易所", "R5", "on_sale"),
    ("SM0001", "远航价值成长1号私募", "private_fund", "远航私募基金", "R4", "on_sale"),
    ("SM0002", "磐石量化对冲私募", "private_fund", "磐石投资", "R4", "on_sale"),
    ("SM0003", "长青中性策略私募", "private_fund", "长青资本", "R3", "on_sale"),
    ("SM0004", "启明科技创新私募", "private_fund", "启明资产", "R5", "on_sale"),
    ("SM0005", "汇泽CTA趋势私募", "private_fund", "汇泽投资", "R5", "closed"),
    ("SM0006", "恒信债券增强私募", "private_fund", "恒信资产", "R3", "on_sale"),
    ("QT0001", "融资融券", "other", "本公司", "R4", "on_sale"),
    ("QT0002", "股票质押式回购", "other", "本公司", "R4", "on_sale"),
    ("QT0003", "港股通", "other", "本公司", "R4", "on_sale"),
    ("QT0004", "科创板交易权限", "other", "本公司", "R4", "on_sale"),
    ("QT0005", "北交所交易权限", "other", "本公司", "R4", "on_sale"),
    ("QT0006", "投顾组合·稳健理财", "other", "本公司投资顾问部", "R2", "on_sale"),
    ("QT0007", "投顾组合·积极成长", "other", "本公司投资顾问部", "R4", "on_sale"),
    ("QT0008", "国债逆回购", "other", "上海证券交易所", "R1", "on_sale"),
    ("QT0009", "现金理财·天天宝", "other", "本公司", "R1", "on_sale"),
    ("QT0010", "退市整理板交易权限", "other", "本公司", "R5", "on_sale"),
    ("QT0011", "风险警示板交易权限", "other", "本公司", "R5", "on_sale"),
]


def seed_products(users, stdout) -> None:
    hq = users.get("hq_admin")
    if hq is None or Product.objects.filter(code=PRODUCTS[-1][0]).exists():
        return
    start = date(2026, 1, 5)
    rows = [{"code": code, "name": name, "product_type": kind, "issuer": issuer,
             "risk_level": level, "status": status,
             "starts_on": start.isoformat() if kind in ("wealth", "structured") else "",
             "ends_on": "2026-06-30" if status == "closed" and kind != "stock" else ""}
            for code, name, kind, issuer, level, status in PRODUCTS]  # fmt: skip
    result = products_upsert(user=hq, rows=rows)
    stdout.write(f"  {result.stored} catalogue products")
