"""Professional investors and AML ratings: the DOMAIN thresholds, the second person's
approval (never the requester, also in the database), review lapses, a professional's
request to be treated as ordinary; the AML rating from the factors, a rating set by hand,
the re-verification schedule by rating and its clocks; the nightly job over 10,000
clients; scoping (404 out of scope, 403 by role), the workbench, fixed query counts."""

from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clients.models import AccountSnapshot, Client, Holding
from crm import sla
from crm.models import Notification
from suitability import rules, services
from suitability.defaults import store_default_factors
from suitability.models import AmlFactor, AmlProfile, ProClassification, ProStatus
from tests.factories import make_client, make_product


def api_for(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def opened(owner, seq=1, **extra):
    extra.setdefault("opened_on", timezone.localdate() - timedelta(days=30))
    return make_client(owner, client_no=f"11{seq:08d}", phone=f"138{seq:08d}", **extra)


def request_pro(org, client, user=None, **data):
    values = {"kind": "professional", "financial_assets": Decimal("6000000"),
              "experience_years": Decimal("3"), "evidence": "资产证明",
              "evidence_date": timezone.localdate() - timedelta(days=1), **data}  # fmt: skip
    return services.pro_request(user=user or org.am, client=client, data=values)


@pytest.fixture
def factors(db):
    store_default_factors(AmlFactor)


# --- Thresholds ---------------------------------------------------------------------------
@pytest.mark.parametrize("client_type, data, rule", [
    ("individual", {"financial_assets": 5_000_000, "experience_years": 2}, "financial_assets"),
    ("individual", {"financial_assets": 4_999_999, "experience_years": 5}, ""),
    ("individual", {"average_income": 500_000, "experience_years": 2}, "income"),
    ("individual", {"average_income": 499_999, "experience_years": 2}, ""),
    ("individual", {"financial_assets": 9_000_000, "experience_years": 1.5}, ""),
    ("institution", {"net_assets": 20_000_000, "financial_assets": 10_000_000}, "institution"),
    ("institution", {"net_assets": 19_999_999, "financial_assets": 10_000_000}, ""),
    ("institution", {"net_assets": 30_000_000, "financial_assets": 9_999_999}, ""),
    ("institution", {"financial_assets": 99_000_000}, ""),
])  # fmt: skip
def test_the_domain_thresholds(client_type, data, rule):
    check = rules.check_professional("professional", client_type,
                                     {k: Decimal(str(v)) for k, v in data.items()})  # fmt: skip
    assert check.rule == rule
    assert bool(check.errors) is (not rule)


def test_thresholds_follow_the_settings(settings):
    settings.PRO_PERSON_FINANCIAL_ASSETS = 3_000_000
    data = {"financial_assets": Decimal("3000000"), "experience_years": Decimal("2")}
    assert rules.check_professional("professional", "individual", data).met


def test_a_request_below_the_thresholds_is_refused(org):
    c = opened(org.am)
    with pytest.raises(ValidationError) as exc:
        request_pro(org, c, financial_assets=Decimal("4000000"))
    assert "financial_assets" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        request_pro(org, c, experience_years=Decimal("1"))
    assert "experience_years" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        request_pro(org, c, evidence="", evidence_date=timezone.localdate() + timedelta(days=1))
    assert {"evidence", "evidence_date"} <= set(exc.value.message_dict)
    assert not ProClassification.objects.exists()


# --- The second person's approval ---------------------------------------------------------
def test_approval_by_a_second_person_changes_the_class(org, django_capture_on_commit_callbacks):
    c = opened(org.am)
    with django_capture_on_commit_callbacks(execute=True):
        pro = request_pro(org, c)
    assert pro.status == ProStatus.REQUESTED and pro.rule == "financial_assets"
    c.refresh_from_db()
    assert c.investor_class == "ordinary"  # not before the approval
    assert Notification.objects.filter(recipient=org.compliance,
                                       kind="suitability.pro_requested").count() == 1  # fmt: skip
    # a second request of the same client waits for the first
    with pytest.raises(ValidationError):
        request_pro(org, c)
    # the account manager and the branch manager may not decide
    for user in (org.am, org.bm):
        with pytest.raises(PermissionDenied):
            services.pro_approve(user=user, pro=pro)
    pro = services.pro_approve(user=org.compliance, pro=pro, note="核实")
    c.refresh_from_db()
    assert c.investor_class == "professional" and c.version == 2
    assert pro.decided_by == org.compliance
    assert pro.review_due_on == timezone.localdate() + relativedelta(months=12)
    last = c.history.order_by("-history_id").first()
    assert last.history_user == org.compliance and pro.reference in last.history_change_reason


def test_the_requester_never_approves_their_own_request(org):
    c = opened(org.am)
    pro = request_pro(org, c, user=org.compliance)
    with pytest.raises(PermissionDenied):
        services.pro_approve(user=org.compliance, pro=pro)
    with pytest.raises(PermissionDenied):
        services.pro_reject(user=org.compliance, pro=pro, note="不符合")
    # nor by writing the row: the database refuses it
    with pytest.raises(IntegrityError), transaction.atomic():
        ProClassification.objects.filter(pk=pro.pk).update(decided_by=org.compliance,
                                                           status="approved")  # fmt: skip
    services.pro_approve(user=org.hq, pro=pro)
    c.refresh_from_db()
    assert c.investor_class == "professional"


def test_a_rejection_needs_a_reason_and_leaves_the_class(org):
    c = opened(org.am)
    pro = request_pro(org, c)
    with pytest.raises(ValidationError):
        services.pro_reject(user=org.compliance, pro=pro, note="")
    pro = services.pro_reject(user=org.compliance, pro=pro, note="资产证明过期")
    c.refresh_from_db()
    assert pro.status == "rejected" and c.investor_class == "ordinary"


def test_a_professional_asks_to_be_treated_as_ordinary(org):
    c = opened(org.am)
    with pytest.raises(ValidationError):  # an ordinary investor already
        request_pro(org, c, kind="ordinary", evidence="客户书面申请")
    first = services.pro_approve(user=org.compliance, pro=request_pro(org, c))
    back = request_pro(org, c, kind="ordinary", evidence="客户书面申请转为普通投资者",
                       financial_assets=None, experience_years=None)  # fmt: skip
    assert back.rule == "client_request"
    services.pro_approve(user=org.compliance, pro=back)
    c.refresh_from_db()
    first.refresh_from_db()
    assert c.investor_class == "ordinary" and first.status == ProStatus.SUPERSEDED


def test_an_approval_lapses_at_its_review_date(org):
    c = opened(org.am)
    pro = services.pro_approve(user=org.compliance, pro=request_pro(org, c))
    assert services.pro_expire_due(today=pro.review_due_on) == 0  # due that day, not past
    assert services.pro_expire_due(today=pro.review_due_on + timedelta(days=1)) == 1
    assert services.pro_expire_due(today=pro.review_due_on + timedelta(days=1)) == 0
    pro.refresh_from_db()
    c.refresh_from_db()
    assert pro.status == ProStatus.EXPIRED and c.investor_class == "ordinary"


def test_stale_version_is_refused(org):
    from crm.services import ConcurrentUpdate

    pro = request_pro(org, opened(org.am))
    with pytest.raises(ConcurrentUpdate):
        services.pro_approve(user=org.compliance, pro=pro, version=pro.version + 1)


# --- AML rating from the factors ----------------------------------------------------------
def rate_one(client):
    services.aml_rate(client_ids=[client.pk])
    return AmlProfile.objects.get(client=client)


def test_rating_from_the_factors(org, factors):
    today = timezone.localdate()
    plain = opened(org.am, 1, occupation="教师")
    p = rate_one(plain)
    assert (p.score, p.rating, p.factors) == (0, "low", [])
    assert p.last_verified_on == plain.opened_on
    assert p.reverify_due_on == plain.opened_on + relativedelta(years=5)
    # an institution (15) in the jewellery trade (25): 40, higher
    firm = opened(org.am, 2, client_type="institution", occupation="珠宝批发",
                  name="某某珠宝有限公司")  # fmt: skip
    p = rate_one(firm)
    assert (p.score, p.rating) == (40, "higher")
    assert {f["label"] for f in p.factors} == {"机构客户", "贵金属、珠宝经营"}
    assert p.reverify_due_on == firm.opened_on + relativedelta(years=2)
    # options held on the last holdings date (10) and a day of 600,000 cash out (20): 70, high
    make_product(code="OP001", name="50ETF购", product_type="options", risk_level="R5")
    Holding.objects.create(client=firm, date=today - timedelta(days=2), security_code="OP001",
                           quantity=10, price=1)  # fmt: skip
    AccountSnapshot.objects.create(client=firm, date=today - timedelta(days=5),
                                   total_assets=100, net_inflow=Decimal("-600000"))  # fmt: skip
    p = rate_one(firm)
    assert (p.score, p.rating) == (70, "high")
    assert p.reverify_due_on == firm.opened_on + relativedelta(years=1)
    # medium: 20 points; a resident of a country under enhanced monitoring (40): higher
    medium = opened(org.am, 3, occupation="娱乐场所经营")
    assert rate_one(medium).rating == "medium"
    assert rate_one(medium).reverify_due_on == medium.opened_on + relativedelta(years=3)
    p = services.aml_set_residence(user=org.compliance, profile=rate_one(medium),
                                   nationality="cn", residence="mm")  # fmt: skip
    assert (p.residence, p.score, p.rating) == ("MM", 60, "high")
    # a factor switched off counts no more
    AmlFactor.objects.filter(kind="residence").update(is_active=False)
    assert rate_one(medium).rating == "medium"
    # potential clients have no account: not rated
    potential = make_client(org.am, name="潜在", phone="13900000001")
    services.aml_rate(client_ids=[potential.pk])
    assert not AmlProfile.objects.filter(client=potential).exists()


def test_the_bands_and_intervals_follow_the_settings(org, factors, settings):
    settings.AML_RATING_BANDS = {"high": 30, "higher": 20, "medium": 10}
    settings.AML_REVERIFY_YEARS = {"medium": 4}
    c = opened(org.am, 1, occupation="无业")
    p = rate_one(c)
    assert p.rating == "medium" and p.reverify_due_on == c.opened_on + relativedelta(years=4)


def test_a_second_run_rewrites_nothing(org, factors):
    for i in range(5):
        opened(org.am, i + 1)
    assert services.aml_rate() == 5
    assert services.aml_rate() == 0


def test_a_rating_set_by_hand_needs_a_reason_and_survives_the_job(org, factors):
    c = opened(org.am)
    p = rate_one(c)
    with pytest.raises(ValidationError):
        services.aml_override(user=org.compliance, profile=p, rating="high", reason="")
    with pytest.raises(PermissionDenied):
        services.aml_override(user=org.bm, profile=p, rating="high", reason="可疑交易")
    p = services.aml_override(user=org.compliance, profile=p, rating="high",
                              reason="可疑交易报告后提升")  # fmt: skip
    assert (p.rating, p.computed_rating, p.override_by) == ("high", "low", org.compliance)
    assert p.reverify_due_on == c.opened_on + relativedelta(years=1)
    AmlProfile.objects.filter(pk=p.pk).update(score=99)  # the job writes it again
    p = rate_one(c)
    assert (p.rating, p.score) == ("high", 0)
    p = services.aml_override(user=org.compliance, profile=p, rating="", reason="")
    assert p.rating == "low" and p.override_reason == ""


def test_reverification_schedule_and_its_clocks(org, factors):
    c = opened(org.am, 1, opened_on=timezone.localdate() - timedelta(days=400))
    p = services.aml_override(user=org.compliance, profile=rate_one(c), rating="high",
                              reason="大额现金交易频繁")  # fmt: skip
    assert p.reverify_due_on < timezone.localdate()  # opened 400 days ago, yearly
    p = services.aml_verify(user=org.compliance, profile=p,
                            id_expires_on=timezone.localdate() + timedelta(days=10))  # fmt: skip
    assert p.last_verified_on == timezone.localdate()
    assert p.reverify_due_on == timezone.localdate() + relativedelta(years=1)
    with pytest.raises(ValidationError):
        services.aml_verify(user=org.compliance, profile=p,
                            id_expires_on=timezone.localdate() - timedelta(days=1))  # fmt: skip
    # the identity document expires in 10 days: the account manager is told, once
    assert sla.scan(only=("suitability.",)) >= 1
    assert (
        Notification.objects.filter(recipient=org.am, kind="suitability.id_expiry:warning").count()
        == 1
    )
    sla.scan(only=("suitability.",))
    assert (
        Notification.objects.filter(recipient=org.am, kind="suitability.id_expiry:warning").count()
        == 1
    )
    # a re-verification past due: the compliance officer is told
    AmlProfile.objects.filter(pk=p.pk).update(reverify_due_on=timezone.localdate()
                                              - timedelta(days=1))  # fmt: skip
    sla.scan(only=("suitability.",))
    assert Notification.objects.filter(
        recipient=org.compliance, kind="suitability.aml_reverify:breach"
    ).exists()
    assert not Notification.objects.filter(
        recipient=org.am, kind__startswith="suitability.aml"
    ).exists()


def test_the_nightly_task(org, factors):
    from suitability.tasks import nightly_suitability

    opened(org.am)
    assert nightly_suitability() == {"rated": 1, "lapsed": 0}
    assert nightly_suitability() == {"rated": 0, "lapsed": 0}


def test_rating_10000_clients_is_set_based_and_fast(org, factors, capsys):
    """10,000 clients, a tenth with holdings and snapshots, rated in one statement."""
    today = timezone.localdate()
    Client.objects.bulk_create(
        [Client(client_type="institution" if i % 10 == 0 else "individual",
                client_no=f"B{i:07d}", name=f"客户{i}", branch=org.bj, owner=org.am,
                occupation="个体经营" if i % 7 == 0 else "", stage="active",
                opened_on=today - timedelta(days=i % 3000))
         for i in range(1, 10001)],
        batch_size=2000,
    )  # fmt: skip
    with connection.cursor() as cur:
        cur.execute("""
            INSERT INTO clients_accountsnapshot (client_id, date, total_assets, cash,
                market_value, net_inflow, trading_volume, trade_count, commission, received_at)
            SELECT id, %s::date - d, 100000, 0, 0, (id %% 900) * 1000, 0, 0, 0, now()
            FROM clients_client, generate_series(0, 29, 3) d WHERE id %% 10 = 0
        """, [today])  # fmt: skip
    started = time.perf_counter()
    rated = services.aml_rate()
    seconds = time.perf_counter() - started
    with capsys.disabled():
        print(f"\n  AML rating of 10,000 clients: {seconds:.2f} s")
    assert rated == 10000
    assert seconds < 10
    assert AmlProfile.objects.filter(rating="medium").exists()
    assert AmlProfile.objects.filter(score__gte=15).count() > 1000


# --- Scoping, roles, pages ---------------------------------------------------------------
def test_scoping_of_classifications(org, client):
    mine = request_pro(org, opened(org.am, 1))
    other = request_pro(org, opened(org.am2, 2), user=org.am2)
    sh = request_pro(org, opened(org.am_sh, 3), user=org.am_sh)
    visible = ProClassification.objects.visible_to
    assert set(visible(org.am)) == {mine}
    assert set(visible(org.compliance)) == {mine, other}
    assert set(visible(org.hq)) == {mine, other, sh}
    assert not visible(org.agent).exists() and not visible(org.advisor).exists()
    client.force_login(org.am)
    assert client.get(reverse("suitability:pro-detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("suitability:pro-detail", args=[mine.pk])).status_code == 200
    client.force_login(org.compliance)
    assert client.get(reverse("suitability:pro-detail", args=[sh.pk])).status_code == 404
    post = client.post(reverse("suitability:pro-action", args=[sh.pk, "approve"]), {})
    assert post.status_code == 404
    client.force_login(org.agent)
    assert client.get(reverse("suitability:pro-list")).status_code == 403
    # an account manager cannot request for another's client
    with pytest.raises(PermissionDenied):
        request_pro(org, Client.objects.get(pk=other.client_id))


def test_scoping_of_aml_ratings(org, client, factors):
    bj = rate_one(opened(org.am, 1))
    sh = rate_one(opened(org.am_sh, 2))
    assert set(AmlProfile.objects.visible_to(org.compliance)) == {bj}
    assert set(AmlProfile.objects.visible_to(org.hq)) == {bj, sh}
    assert not AmlProfile.objects.visible_to(org.am).exists()
    client.force_login(org.compliance)
    assert client.get(reverse("suitability:aml-detail", args=[sh.pk])).status_code == 404
    assert client.get(reverse("suitability:aml-detail", args=[bj.pk])).status_code == 200
    api = api_for(org.compliance)
    assert api.get(reverse("api:amlrating-detail", args=[sh.pk])).status_code == 404
    assert api.get(reverse("api:amlrating-list")).json()["count"] == 1
    assert api_for(org.am).get(reverse("api:amlrating-list")).status_code == 403
    client.force_login(org.am)
    assert client.get(reverse("suitability:aml-list")).status_code == 403
    client.force_login(org.bm)  # reads, does not change
    assert client.get(reverse("suitability:aml-detail", args=[bj.pk])).status_code == 200
    post = client.post(reverse("suitability:aml-action", args=[bj.pk, "override"]),
                       {"override-rating": "high", "override-reason": "x"})  # fmt: skip
    assert post.status_code == 403


def test_web_request_and_approval(org, client):
    c = opened(org.am)
    client.force_login(org.am)
    page = client.get(c.get_absolute_url()).content.decode()
    assert f"/suitability/professional/new/{c.pk}/" in page
    assert "/suitability/aml/client/" not in page  # not the account manager's
    url = reverse("suitability:pro-create", args=[c.pk])
    form = client.get(url)
    assert form.status_code == 200
    bad = client.post(url, {
        "kind": "professional", "financial_assets": "100",
        "experience_years": "3", "evidence": "x", "evidence_date": "2020-01-01"})  # fmt: skip
    assert bad.status_code == 400 and not ProClassification.objects.exists()
    ok = client.post(url, {
        "kind": "professional", "financial_assets": "5500000",
        "experience_years": "3", "evidence": "证券账户资产证明",
        "evidence_date": timezone.localdate().isoformat()})  # fmt: skip
    pro = ProClassification.objects.get()
    assert ok.status_code == 302 and ok["Location"] == pro.get_absolute_url()
    page = client.get(pro.get_absolute_url()).content.decode()
    assert 'id="pro-own"' in page and 'id="btn-approve"' not in page
    client.force_login(org.compliance)
    page = client.get(pro.get_absolute_url()).content.decode()
    assert 'id="btn-approve"' in page
    done = client.post(reverse("suitability:pro-action", args=[pro.pk, "approve"]),
                       {"approve-version": pro.version, "approve-note": "同意"})  # fmt: skip
    assert done.status_code == 302
    c.refresh_from_db()
    assert c.investor_class == "professional"


def test_web_aml_steps(org, client, factors):
    c = opened(org.am)
    client.force_login(org.compliance)
    first = client.get(reverse("suitability:aml-client", args=[c.pk]))
    p = AmlProfile.objects.get(client=c)
    assert first.status_code == 302 and first["Location"] == p.get_absolute_url()
    url = reverse("suitability:aml-action", args=[p.pk, "override"])
    assert client.post(url, {"override-rating": "high", "override-version": p.version,
                             "override-reason": ""}).status_code == 400  # fmt: skip
    assert client.post(url, {"override-rating": "high", "override-version": p.version,
                             "override-reason": "可疑交易"}).status_code == 302  # fmt: skip
    p.refresh_from_db()
    assert p.rating == "high"
    url = reverse("suitability:aml-action", args=[p.pk, "verify"])
    expiry = (timezone.localdate() + timedelta(days=900)).isoformat()
    assert client.post(url, {"verify-id_expires_on": expiry,
                             "verify-version": p.version}).status_code == 302  # fmt: skip
    p.refresh_from_db()
    assert p.id_expires_on == date.fromisoformat(expiry)
    html = client.get(p.get_absolute_url()).content.decode()
    assert 'id="aml-override"' in html and "可疑交易" in html


def test_workbench_sections(org, client, factors):
    c = opened(org.am, 1, opened_on=timezone.localdate() - timedelta(days=800))
    pro = request_pro(org, c)
    p = services.aml_override(user=org.hq, profile=rate_one(c), rating="high", reason="调查")
    client.force_login(org.compliance)
    html = client.get(reverse("crm:workbench")).content.decode()
    assert f'data-pro="{pro.pk}"' in html and f'data-aml="{p.pk}"' in html
    client.force_login(org.am)
    html = client.get(reverse("crm:workbench")).content.decode()
    assert "data-pro=" not in html and "data-aml=" not in html
    # the requester's own request is not in their approvals queue
    own = request_pro(org, opened(org.am, 2), user=org.compliance)
    client.force_login(org.compliance)
    assert f'data-pro="{own.pk}"' not in client.get(reverse("crm:workbench")).content.decode()


@pytest.mark.parametrize("n", [2, 30])
def test_list_query_counts_are_fixed(client, org, factors, query_baseline, n):
    for i in range(n):
        c = opened(org.am, i + 1)
        request_pro(org, c)
    services.aml_rate()
    client.force_login(org.compliance)
    with query_baseline("suitability:pro-list"):
        html = client.get(reverse("suitability:pro-list")).content.decode()
    assert html.count('<tr id="pro-') == min(n, 25)
    with query_baseline("suitability:aml-list"):
        html = client.get(reverse("suitability:aml-list")).content.decode()
    assert html.count('<tr id="aml-') == min(n, 25)
    with query_baseline("api:amlrating-list"):
        data = api_for(org.hq).get(reverse("api:amlrating-list")).json()
    assert data["count"] == n


def test_demo_is_idempotent(org, factors):
    import io

    from suitability.demo import seed

    for i in range(6):
        opened(org.am, i + 1)
    users = {"am_bj": org.am, "comp_bj": org.compliance, "hq_admin": org.hq}
    seed(users, io.StringIO())
    counts = (ProClassification.objects.count(), AmlProfile.objects.count())
    assert counts == (2, 6)
    assert AmlProfile.objects.filter(rating="high").exists()
    seed(users, io.StringIO())
    assert (ProClassification.objects.count(), AmlProfile.objects.count()) == counts
