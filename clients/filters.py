"""The client filter set, shared by the client list page and the `clients/` API."""

from datetime import date, timedelta

import django_filters
from dateutil.relativedelta import relativedelta
from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import RegexValidator
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.filters import DATE_INPUT, YES_NO_ANY, FilterSet, OrderingFilter, PersonFilter
from crm.models import Branch, Role

from .models import (
    AccountStatus,
    Client,
    ClientType,
    Gender,
    PotentialGrade,
    PreferredChannel,
    RetentionCase,
    RiskAssessment,
    RiskLevel,
    SavedClientFilter,
    Seeks,
    Stage,
    Tier,
)
from .regions import AREA_CODE, PROVINCE_CHOICES
from .selectors import search_clients

EXPIRY_WARNING_DAYS = 30
# age bands: (code, label, youngest age, oldest age); None: open-ended
AGE_BANDS = [
    ("under_30", _("Under 30"), None, 29),
    ("30_39", _("30–39"), 30, 39),
    ("40_49", _("40–49"), 40, 49),
    ("50_59", _("50–59"), 50, 59),
    ("60_plus", _("60 and over"), 60, None),
]
# parameters of the list that are not filters (kept out of a saved list's query)
NOT_FILTERS = ("ordering", "page", "per_page", "sort", "columns", "saved")
TAG_FILTER_LIMIT = 10


def born_between(today: date, youngest: int | None, oldest: int | None) -> dict:
    """The birth-date lookups of the ages from `youngest` to `oldest` on `today`."""
    lookups = {}
    if youngest is not None:  # at least `youngest` years old: born on or before
        lookups["birth_date__lte"] = today - relativedelta(years=youngest)
    if oldest is not None:  # at most `oldest`: born after the day `oldest + 1` years ago
        lookups["birth_date__gt"] = today - relativedelta(years=oldest + 1)
    return lookups


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
    # segmentation inputs (客户细分)
    tags = django_filters.CharFilter(
        method="filter_tags", label=_("Tags"), max_length=200,
        help_text=_("Any of these tags, separated by commas"),
    )  # fmt: skip
    grade = django_filters.ChoiceFilter(choices=PotentialGrade.choices, label=_("Potential grade"))
    seeks = django_filters.ChoiceFilter(choices=Seeks.choices, label=_("Seeks"))
    age_band = django_filters.ChoiceFilter(
        method="filter_age_band", label=_("Age"),
        choices=[(code, label) for code, label, _young, _old in AGE_BANDS],
    )  # fmt: skip
    gender = django_filters.ChoiceFilter(choices=Gender.choices, label=_("Gender"))
    occupation = django_filters.CharFilter(
        field_name="occupation", lookup_expr="icontains", label=_("Occupation"), max_length=100
    )
    province = django_filters.ChoiceFilter(
        method="filter_region", choices=PROVINCE_CHOICES, label=_("Province"),
        help_text=_("From the ID card's area code, else the address"),
    )  # fmt: skip
    area = django_filters.CharFilter(
        method="filter_region", label=_("Area code"), max_length=6,
        validators=[RegexValidator(AREA_CODE, _("2, 4 or 6 digits of the ID card's area code."))],
        help_text=_("The first 4 (city) or 6 (county) digits of the ID card number"),
    )  # fmt: skip
    preferred_channel = django_filters.ChoiceFilter(
        choices=PreferredChannel.choices, label=_("Preferred channel")
    )
    saved = django_filters.NumberFilter(
        method="filter_saved", label=_("Saved list"), widget=forms.HiddenInput,
        help_text=_("A saved client list, applied to the clients you may see"),
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
                  "opened_after", "opened_before", "tags", "grade", "seeks", "age_band",
                  "gender", "occupation", "province", "area", "preferred_channel",
                  "saved"]  # fmt: skip

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        user = user or getattr(self.request, "user", None)
        self.user = user
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

    def filter_tags(self, queryset, name, value):
        tags = sorted({t.strip() for t in value.replace("，", ",").split(",") if t.strip()})
        return queryset.filter(tags__overlap=tags[:TAG_FILTER_LIMIT]) if tags else queryset

    def filter_age_band(self, queryset, name, value):
        for code, _label, youngest, oldest in AGE_BANDS:
            if code == value:
                return queryset.filter(**born_between(timezone.localdate(), youngest, oldest))
        return queryset

    def filter_region(self, queryset, name, value):
        return queryset.filter(region_code__startswith=value)

    def filter_saved(self, queryset, name, value):
        """The saved list's filters on `queryset`, which is the user's own scope already:
        a list saved by someone who sees more never shows more than the user may see. A
        list the user may not use (or none of that number) selects nobody."""
        saved = None
        if value == int(value):
            saved = SavedClientFilter.objects.visible_to(self.user).filter(pk=int(value)).first()
        return saved_filter_apply(saved, queryset, user=self.user) if saved else queryset.none()

    def filter_pool(self, queryset, name, value):
        return queryset.filter(stage__in=[Stage.POTENTIAL, Stage.CHURNED])

    def filter_incomplete(self, queryset, name, value):
        return (
            queryset.filter(completeness__lt=100)
            if value
            else queryset.filter(completeness__gte=100)
        )


def saved_filter_params(query: str) -> QueryDict:
    """A saved list's query string as the filter set reads it, without the parameters
    that are not filters (a saved list never nests another)."""
    params = QueryDict(query or "", mutable=True)
    for name in NOT_FILTERS:
        params.pop(name, None)
    return params


def saved_filter_apply(saved: SavedClientFilter, queryset, *, user):
    """The clients of `queryset` the saved list selects; an invalid list selects none."""
    filterset = ClientFilterSet(saved_filter_params(saved.query), queryset=queryset, user=user)
    return filterset.qs if filterset.is_valid() else queryset.none()


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
