"""Demo knowledge base: categories serving the complaint categories and callback reasons,
about thirty HQ and branch articles, a couple overdue for review, some helpful marks."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from . import services
from .models import Article, Category

CATEGORIES = {
    # name: (parent, codes whose pages suggest it)
    "账户业务": (None, ["new_account", "annual_sample", "general", "account", "info_change"]),
    "开户与销户": ("账户业务", ["new_account", "account_open", "account_close"]),
    "转托管与转户": ("账户业务", ["general", "transfer", "transfer_custody"]),
    "密码与账户安全": ("账户业务", ["general", "periodic", "password_security"]),
    "交易规则": (None, ["periodic", "trading"]),
    "两融与权限": (None, ["suitability", "periodic", "trading_rights"]),
    "适当性管理": (None, ["suitability", "new_account"]),
    "费用说明": (None, ["general", "major_economic", "fees"]),
    "投诉与回访": (None, ["general", "major_economic", "unjustified", "complaint_closed",
                         "visit", "retention"]),
}  # fmt: skip

# (title, category, kind, tags, body); HQ's unless the last item names a branch user
ARTICLES = [
    ("个人开户需要哪些材料", "开户与销户", "faq", ["开户"],
     "个人投资者开户需本人持有效身份证原件办理，并提供本人名下的银行卡用于三方存管。\n\n"
     "开户时须完成风险测评和适当性匹配，签署风险揭示书。未满十八周岁的投资者不能单独开户。"),
    ("线上开户视频见证的注意事项", "开户与销户", "sop", ["开户", "视频见证"],
     "视频见证时客户须本人出镜，环境安静、光线充足。见证人员应核对身份证件并朗读风险提示。\n\n"
     "见证过程全程录像保存，不得由他人代为回答问题。"),
    ("销户流程与所需材料", "开户与销户", "sop", ["销户"],
     "客户申请销户需本人携带身份证到营业部柜台办理，账户内不得有持仓和未了结的负债。\n\n"
     "销户前应先办理三方存管解约，资金转出后方可注销资金账户和证券账户。"),
    ("客户申请转托管需要准备什么", "转托管与转户", "faq", ["转托管"],
     "转托管是指投资者将持有的证券从一个证券公司转移到另一个证券公司托管。深市证券可以办理转托管，"
     "沪市实行指定交易，需办理撤销指定。\n\n客户申请转托管需要携带身份证，并确认转入券商的席位号和交易单元。"),
    ("转托管当日能否卖出", "转托管与转户", "faq", ["转托管", "交易"],
     "转托管申报当日证券不能卖出，次一交易日到达转入方后可正常交易。客户咨询时应说明到账时间。"),
    ("撤销指定交易的办理方法", "转托管与转户", "sop", ["撤销指定"],
     "沪市账户转户需先撤销指定交易。客户可在交易时间通过柜台或线上渠道申请，当日收市后生效。"),
    ("交易密码重置", "密码与账户安全", "sop", ["密码重置"],
     "客户忘记交易密码时，须本人持身份证到营业部办理密码重置，或通过线上人脸识别方式重置。\n\n"
     "工作人员不得询问或代客户设置密码。"),
    ("账户被锁定怎么办", "密码与账户安全", "faq", ["密码重置", "账户安全"],
     "连续多次输错密码后账户会被临时锁定，通常三十分钟后自动解锁。如仍无法登录，请引导客户办理密码重置。"),
    ("防范电信诈骗提示话术", "密码与账户安全", "script", ["账户安全"],
     "您好，提醒您：我公司工作人员不会索要您的密码和验证码，也不会要求您向陌生账户转账，请注意防范诈骗。"),
    ("新股申购规则", "交易规则", "rule", ["新股申购"],
     "投资者申购新股须持有一定市值的非限售股份，申购额度按市值计算。中签后须在规定时间内足额缴款。"),
    ("国债逆回购的操作方法", "交易规则", "faq", ["国债逆回购"],
     "国债逆回购是一种短期资金出借方式，在交易软件中选择融券卖出即可操作，到期资金自动返还。"),
    ("风险警示板股票的买入限制", "交易规则", "rule", ["风险警示板"],
     "买入风险警示股票须签署风险揭示书，单日买入数量有上限。退市整理期股票仅限具备相应权限的投资者买入。"),
    ("融资融券开户条件", "两融与权限", "rule", ["融资融券", "两融"],
     "开通融资融券（两融）须满足：证券交易经验满半年，前二十个交易日日均资产不低于五十万元，风险测评结果匹配。"),
    ("两融维持担保比例与平仓", "两融与权限", "faq", ["两融"],
     "维持担保比例低于平仓线时，客户须在规定时间内追加担保物，否则公司将强制平仓。应提前电话提示客户。"),
    ("创业板权限开通", "两融与权限", "sop", ["创业板"],
     "开通创业板交易权限须满足前二十个交易日日均资产不低于十万元，并具有二十四个月以上交易经验。"),
    ("科创板权限开通", "两融与权限", "sop", ["科创板"],
     "开通科创板权限要求前二十个交易日日均资产不低于五十万元，参与证券交易满二十四个月，并通过知识测评。"),
    ("北交所权限开通", "两融与权限", "sop", ["北交所"],
     "开通北交所交易权限须满足日均资产不低于五十万元、交易经验满二十四个月，并签署风险揭示书。"),
    ("港股通开通条件", "两融与权限", "rule", ["港股通"],
     "开通港股通须账户资产不低于五十万元，并通过港股通业务知识测试，风险承受能力须匹配。"),
    ("适当性管理的基本要求", "适当性管理", "rule", ["适当性"],
     "公司应当了解客户的风险承受能力，将适当的产品销售给适合的投资者。不得向风险等级不匹配的客户推荐产品。"),
    ("风险测评过期的处理", "适当性管理", "sop", ["风险测评", "适当性"],
     "风险测评有效期为两年。测评过期后客户不能购买新的产品，应提醒客户重新进行风险测评。"),
    ("专业投资者认定条件", "适当性管理", "rule", ["专业投资者"],
     "自然人申请成为专业投资者，须金融资产不低于五百万元或近三年年均收入不低于五十万元，并具有两年以上投资经历。"),
    ("禁止全权委托和代客操作", "适当性管理", "rule", ["全权委托", "代客操作"],
     "员工不得接受客户的全权委托，不得代客操作账户、代客设置密码或代为决策买卖。发现后应立即报告合规专员。"),
    ("交易佣金的收取标准", "费用说明", "faq", ["佣金"],
     "交易佣金按成交金额的一定比例收取，单笔不足五元按五元收取。具体费率以客户签约为准。"),
    ("印花税和过户费说明", "费用说明", "faq", ["印花税", "过户费"],
     "卖出股票时按成交金额缴纳印花税，过户费按成交金额双向收取，由登记结算公司收取。"),
    ("投诉处理流程", "投诉与回访", "sop", ["投诉"],
     "接到投诉后首问负责人应在三十分钟内首次响应，二十四小时内受理，调查核实后书面答复客户并结案回访。"),
    ("重大经济纠纷投诉的上报", "投诉与回访", "sop", ["投诉", "重大投诉"],
     "涉及客户经济损失的重大投诉应当日上报营业部负责人和总部合规部门，赔偿须经审批。"),
    ("投诉结案后回访话术", "投诉与回访", "script", ["回访", "投诉"],
     "您好，关于您前期反映的问题已经处理完毕，想了解您对处理结果是否满意，您还有其他意见或建议吗？"),
    ("新开户回访话术", "开户与销户", "script", ["回访", "开户"],
     "您好，我是营业部的回访专员。请核实身份后确认：开户是否本人办理，风险测评是否本人完成，是否有员工代您操作账户。"),
    ("拜访后回访话术", "投诉与回访", "script", ["回访"],
     "您好，近期我们的客户经理拜访过您，想了解拜访中是否充分揭示了风险，您对服务是否满意。"),
    ("营业部周六理财讲座安排", "交易规则", "faq", ["投资者教育"],
     "本营业部每月第一个周六下午举办投资者教育讲座，客户可通过客户经理报名。", "bm_bj"),
    ("营业部柜台办理时间", "账户业务", "faq", ["营业部"],
     "本营业部柜台办理时间为交易日上午九点至下午四点，"
     "转托管、销户等业务请在下午三点半前办理。", "bm_bj"),
    ("上海营业部停车指引", "账户业务", "faq", ["营业部"],
     "本营业部大楼地下车库可免费停车两小时，请在柜台盖章。", "bm_sh"),
]  # fmt: skip


def seed_knowledge(users: dict, stdout) -> None:
    if Category.objects.exists():
        return
    made: dict[str, Category] = {}
    for name, (parent, serves) in CATEGORIES.items():
        made[name] = Category.objects.create(name=name, parent=made.get(parent), serves=serves)
    hq = users["hq_admin"]
    articles = []
    for title, category, kind, tags, body, *by in ARTICLES:
        author = users[by[0]] if by else hq
        articles.append(services.article_create(
            user=author, title=title, body=body, category=made[category], kind=kind, tags=tags,
            publish=True,
        ))  # fmt: skip
    # a second version of one, and two overdue for review (their owner is reminded)
    first = articles[3]
    services.article_update(
        user=hq, article=first, version=first.version, title=first.title,
        body=first.body + "\n\n转托管完成后，客户可在转入券商查询持仓。", category=first.category,
        kind=first.kind, tags=first.tags,
    )  # fmt: skip
    overdue = timezone.localdate() - timedelta(days=10)
    Article.objects.filter(pk__in=[articles[9].pk, articles[30].pk]).update(review_due=overdue)
    for article in articles[:6]:
        services.article_mark_helpful(user=users["agent_bj"], article=article)
    stdout.write(f"knowledge: {len(articles)} articles")
