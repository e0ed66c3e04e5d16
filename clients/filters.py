"""The client filter set, shared by the client list page and the `clients/` API."""

from datetime import timedelta

import django_filters
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.filters import DATE_INPUT, YES_NO_ANY, FilterSet, OrderingFilter, PersonFilter
from crm.models import Branch, Role

from .models import (
    AccountStatus,
    Client,
    ClientType,
    RetentionCase,
    RiskAssessment,
    RiskLevel,
    Stage,
    Tier,
)
from .selectors import search_clients

EXPIRY_WARNING_DAYS = 30


class ClientFilterSet(FilterSet):
    q = django_filters.CharFilter(
        method="filter_q", label=_("Search"),
        help_text=_("Name, client number, last 4 digits of a phone, or pinyin initials"),
    )  # fmt: skip
    branch = django_filters.ModelChoiceFilter(
        field_name="branch", queryset=Branch.objects.filter(kind="branch"), to_field_name="code",
        label=_("Branch"), empty_label=_("All"),
    )  # fmt: skip
    owner = PersonFilter(
        field_name="owner",
        queryset=get_user_model().objects.filter(staff__role=Role.ACCOUNT_MANAGER)
        .select_related("staff__branch").order_by("last_name", "first_name", "username"),
        to_field_name="username", label=_("Account manager"), empty_label=_("All"),
    )  # fmt: skip
    stage = django_filters.ChoiceFilter(choices=Stage.choices, label=_("Stage"))
    tier = django_filters.ChoiceFilter(choices=Tier.choices, label=_("Tier"))
    risk_level = django_filters.ChoiceFilter(choices=RiskLevel.choices, label=_("Risk level"))
    client_type = django_filters.ChoiceFilter(choices=ClientType.choices, label=_("Type"))
    account_status = django_filters.ChoiceFilter(
        choices=AccountStatus.choices, label=_("Account status")
    )
    assessment_expiring = django_filters.BooleanFilter(
        method="filter_expiring", label=_("Assessment expiring"), widget=YES_NO_ANY,
        help_text=_("Expired or expiring within 30 days"),
    )  # fmt: skip
    incomplete = django_filters.BooleanFilter(
        method="filter_incomplete", label=_("Incomplete profile"), widget=YES_NO_ANY
    )
    opened_after = django_filters.DateFilter(
        field_name="opened_on", lookup_expr="gte", label=_("Opened from"), widget=DATE_INPUT
    )
    opened_before = django_filters.DateFilter(
        field_name="opened_on", lookup_expr="lte", label=_("Opened to"), widget=DATE_INPUT
    )
    churn_min = django_filters.NumberFilter(
        field_name="churn_score", lookup_expr="gte", label=_("Churn risk from")
    )
    rfm_recency = django_filters.NumberFilter(label=_("Recency score (R)"))
    rfm_frequency = django_filters.NumberFilter(label=_("Frequency score (F)"))
    rfm_monetary = django_filters.NumberFilter(label=_("Monetary score (M)"))
    sleeping = django_filters.BooleanFilter(label=_("Sleeping"), widget=YES_NO_ANY)
    pool = django_filters.ChoiceFilter(
        method="filter_pool", label=_("Pool"), choices=[("potential", _("Potential pool"))],
        help_text=_("Potential clients and churned clients to win back"),
    )  # fmt: skip
    # the sortable columns of the list, each served by the indexes of Client.Meta
    ordering = OrderingFilter(
        orders={
            "client_no": ("client_no",),
            "name": ("name_initials", "name", "id"),
            "opened_on": ("opened_on", "id"),
            "completeness": ("completeness", "id"),
            "avg_assets": ("avg_assets", "id"),
        },
        nulls_smallest=("opened_on", "avg_assets"),
    )

    class Meta:
        model = Client
        fields = ["q", "branch", "owner", "stage", "tier", "risk_level", "client_type",
                  "account_status", "assessment_expiring", "incomplete", "churn_min",
                  "rfm_recency", "rfm_frequency", "rfm_monetary", "sleeping", "pool",
                  "opened_after", "opened_before"]  # fmt: skip

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        user = user or getattr(self.request, "user", None)
        if user is not None:
            from crm.models import staff_of

            staff = staff_of(user)
            if staff is not None and not staff.sees_all_branches:
                self.filters["branch"].queryset = Branch.objects.filter(pk=staff.branch_id)
                self.filters["owner"].queryset = self.filters["owner"].queryset.filter(
                    staff__branch_id=staff.branch_id
                )

    def filter_q(self, queryset, name, value):
        return search_clients(queryset, value)

    def filter_expiring(self, queryset, name, value):
        limit = timezone.localdate() + timedelta(days=EXPIRY_WARNING_DAYS)
        if value:
            return queryset.filter(risk_expires_on__lte=limit)
        return queryset.exclude(risk_expires_on__lte=limit)

    def filter_pool(self, queryset, name, value):
        return queryset.filter(stage__in=[Stage.POTENTIAL, Stage.CHURNED])

    def filter_incomplete(self, queryset, name, value):
        return (
            queryset.filter(completeness__lt=100)
            if value
            else queryset.filter(completeness__gte=100)
        )


class ClientApiFilterSet(ClientFilterSet):
    """The list's filters for the `clients/` API. It pages by cursor, newest first, and a
    cursor keeps its own order (nullable columns such as the client number and the
    opening date cannot carry one): no `ordering`."""

    ordering = None


class RiskAssessmentFilterSet(FilterSet):
    client_no = django_filters.CharFilter(field_name="client__client_no", label=_("Client number"))
    ordering = OrderingFilter(orders={"assessed_on": ("assessed_on", "id")})

    class Meta:
        model = RiskAssessment
        fields = ["client", "client_no", "risk_level", "lowest_category"]


class RetentionCaseFilterSet(FilterSet):
    ordering = OrderingFilter(
        orders={"opened_at": ("opened_at", "id"), "score_at_open": ("score_at_open", "id")}
    )

    class Meta:
        model = RetentionCase
        fields = ["status", "outcome", "owner__username"]


class ChurnFilterSet(FilterSet):
    """The churn risk list (clients:churn): highest risk first; sorted by risk only, the
    order the partial indexes on (branch|owner, -churn_score) serve."""

    tier = django_filters.ChoiceFilter(choices=Tier.choices, label=_("Tier"))
    churn_min = django_filters.NumberFilter(
        field_name="churn_score", lookup_expr="gte", label=_("Churn risk from")
    )
    ordering = OrderingFilter(orders={"churn_score": ("churn_score", "-id")})

    class Meta:
        model = Client
        fields = ["tier", "churn_min"]
