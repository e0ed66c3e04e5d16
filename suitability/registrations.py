"""What suitability plugs into the kernel: two clocks (identity re-verification of the
higher- and high-risk clients, identity-document expiry), three workbench sections for
compliance, the buttons on the client page, the demo and the permissions."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.demo import register_seeder
from crm.models import Role, StaffProfile
from crm.record_actions import RecordAction, register_record_action
from crm.roles import grant
from crm.sla import Clock, declare_policy, register_clock
from crm.workbench import Section, register_section

from . import selectors
from .models import AML_READERS, APPROVER_ROLES, HIGH_RATINGS, PRO_ROLES, AmlProfile

DAY = 24 * 60
REVERIFY_POLICY = "suitability.aml_reverify"
ID_EXPIRY_POLICY = "suitability.id_expiry"


def _compliance_officers(profiles):
    """The branch's compliance officers, for each rating."""
    branches = {p.branch_id for p in profiles}
    officers: dict[int, set[int]] = {}
    for user_id, branch_id in StaffProfile.objects.filter(
        branch_id__in=branches, role=Role.COMPLIANCE, user__is_active=True
    ).values_list("user_id", "branch_id"):
        officers.setdefault(branch_id, set()).add(user_id)
    return {p.pk: officers.get(p.branch_id, set()) for p in profiles}


def _owners(profiles):
    return {p.pk: {p.client.owner_id} - {None} for p in profiles}


def _seed(users, stdout):
    from .demo import seed

    seed(users, stdout)


def _not_potential(client):
    return client.stage != "potential"


def register() -> None:
    declare_policy(REVERIFY_POLICY, name="反洗钱客户身份重新识别（较高、高风险）",
                   target_value=365, target_unit="days", warn_before_minutes=30 * DAY,
                   escalation_roles=[Role.HQ], escalation_interval_minutes=7 * DAY)  # fmt: skip
    declare_policy(ID_EXPIRY_POLICY, name="客户身份证件到期更新", target_value=365,
                   target_unit="days", warn_before_minutes=30 * DAY,
                   escalation_roles=[Role.COMPLIANCE],
                   escalation_interval_minutes=7 * DAY)  # fmt: skip
    register_clock(Clock(
        name="suitability.aml_reverify", model=AmlProfile, due_field="reverify_due_on",
        policy_code=REVERIFY_POLICY,
        open_filter=Q(rating__in=HIGH_RATINGS, reverify_due_on__isnull=False),
        recipients=_compliance_officers, select_related=("client",),
        describe=lambda p: str(_("re-verify the identity of %(name)s")) % {"name": p.client.name},
        url=lambda p: reverse("suitability:aml-detail", args=[p.pk]),
    ))  # fmt: skip
    register_clock(Clock(
        name="suitability.id_expiry", model=AmlProfile, due_field="id_expires_on",
        policy_code=ID_EXPIRY_POLICY,
        open_filter=Q(id_expires_on__isnull=False) & ~Q(client__account_status="closed"),
        recipients=_owners, select_related=("client",),
        describe=lambda p: str(_("the identity document of %(name)s expires"))
        % {"name": p.client.name},
        url=lambda p: reverse("clients:detail", args=[p.client_id]),
    ))  # fmt: skip
    register_section(Section(
        key="pro_approvals", title=_("Investor classifications to approve"),
        template="suitability/workbench/pro.html", queryset=selectors.approvals_waiting,
        roles=APPROVER_ROLES, url_name="suitability:pro-list",
        url_query="status=requested&ordering=requested_at", order=5,
        empty=_("No investor classification waits for approval."),
    ))  # fmt: skip
    register_section(Section(
        key="pro_reviews", title=_("Professional investor reviews due"),
        template="suitability/workbench/pro.html", queryset=selectors.reviews_due,
        due_field="review_due_on", roles=APPROVER_ROLES, url_name="suitability:pro-list",
        url_query="review_due=true&ordering=review_due_on", order=6,
        empty=_("No professional investor review is due within 30 days."),
    ))  # fmt: skip
    register_section(Section(
        key="aml_high_due", title=_("High AML-risk clients to re-verify"),
        template="suitability/workbench/aml.html", queryset=selectors.high_risk_due,
        due_field="reverify_due_on", roles=APPROVER_ROLES, url_name="suitability:aml-list",
        url_query="high=true&reverify_due=true&ordering=reverify_due_on", order=7,
        empty=_("No higher- or high-risk client is due for re-verification."),
    ))  # fmt: skip
    register_record_action(RecordAction(
        kind="client", key="pro-classification", label=_("Investor classification"),
        roles=PRO_ROLES, icon="bi-award", when=_not_potential,
        url=lambda c: reverse("suitability:pro-create", args=[c.pk]),
    ))  # fmt: skip
    register_record_action(RecordAction(
        kind="client", key="aml-rating", label=_("AML risk rating"), roles=AML_READERS,
        icon="bi-shield-check", when=_not_potential,
        url=lambda c: reverse("suitability:aml-client", args=[c.pk]),
    ))  # fmt: skip
    register_seeder(85, "suitability", _seed)
    grant(PRO_ROLES, "suitability.view_proclassification", "suitability.add_proclassification")
    grant(APPROVER_ROLES, "suitability.change_proclassification",
          "suitability.change_amlprofile")  # fmt: skip
    grant(AML_READERS, "suitability.view_amlprofile", "suitability.view_amlfactor")
