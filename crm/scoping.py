"""Who sees which rows: the roles, a user's staff profile, and the one scoping base.

Every model that is scoped gives its queryset `ScopedQuerySet` and declares how a row
reaches its branch and the people it belongs to; `visible_to(user)` is written once, here:

    class CallbackQuerySet(ScopedQuerySet):
        scope_branch = "branch"                      # the default
        scope_owner = ("assignee", "client__owner")  # account managers and advisors

The rule, for a user with a staff profile (anyone else sees nothing):

1. `scope_roles`, when set: the only roles that see anything.
2. HQ, and integrations at headquarters, see every row.
3. A role in `scope_owner_roles` (account managers and advisors by default) sees the rows
   naming them in one of the `scope_owner` paths (or the role's own paths in
   `scope_owner_by_role`), inside their branch unless `scope_owner_within_branch` is
   False: a person of another branch named on a row never sees it through that name.
4. A role in `scope_branch_roles` sees every row of their branch, besides what it owns.
   Left unset, that is every role that has no owner paths on this model; so with no
   `scope_owner` at all (an event, a staff profile) everyone sees their branch.

Two declarations replace the rule altogether:
- `scope_via = ("client",)`: a row is visible when the related rows are (a risk
  assessment follows its client; an invitation needs both its event and its client).
- `scope_recipient = "recipient"`: a row addressed to one user is that user's alone,
  whatever their role, also without a staff profile (notifications).

And one widens rule 4: `scope_null_branch_shared = True` counts a row without a branch
as every branch's (an article HQ publishes to all branches, beside a branch's own); one
narrows it: `scope_branch_shared = "shared"` shows the branch only the rows so flagged,
the rest are their owners' (a saved client list).

One narrows every rule: `scope_never = ("staff_concerned",)` names the users who never
see a row whatever their role (a compliance case is never shown to the member of staff
it is about, even a compliance officer or HQ).

This module is the bottom of the kernel: `crm.models` builds its querysets on it, so it
imports no model; the headquarters fallback of `staff_of` reaches its two models through
the app registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import reduce
from operator import or_
from typing import Any, ClassVar, Protocol, Self, cast

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# A user as Django hands it over (settings.AUTH_USER_MODEL or AnonymousUser), or None.
User = Any


class Role(models.TextChoices):
    ACCOUNT_MANAGER = "account_manager", _("Account manager")
    ADVISOR = "advisor", _("Investment advisor")
    SERVICE_AGENT = "service_agent", _("Service agent")
    BRANCH_MANAGER = "branch_manager", _("Branch manager")
    COMPLIANCE = "compliance", _("Compliance officer")
    HQ = "hq", _("Headquarters staff")
    INTEGRATION = "integration", _("Integration system")


# The roles that see only what is theirs, unless a model says otherwise.
OWNER_ROLES: frozenset[str] = frozenset({Role.ACCOUNT_MANAGER, Role.ADVISOR})


class Staff(Protocol):
    """What scoping reads of a staff profile (crm.models.StaffProfile)."""

    role: str
    branch_id: int

    @property
    def sees_all_branches(self) -> bool: ...


def staff_of(user: User) -> Staff | None:
    """The staff profile of a user, or None for anonymous and inactive users and users
    without one. Superusers without a profile act as headquarters staff at the
    headquarters branch. (Callers use `crm.models.staff_of`, typed with the model.)"""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    try:
        return cast(Staff, user.staff)
    except ObjectDoesNotExist:
        if user.is_superuser:
            branch_model = apps.get_model("crm", "Branch")
            hq = branch_model._default_manager.filter(kind="hq").first()  # Kind.HEADQUARTERS
            if hq is not None:
                profile_model = apps.get_model("crm", "StaffProfile")
                return cast(Staff, profile_model(user=user, branch=hq, role=Role.HQ))
        return None


class ScopedQuerySet(models.QuerySet):
    """A queryset with `visible_to(user)`, from the declarations of its subclass."""

    # the path from a row to its branch ("pk" on Branch itself)
    scope_branch: ClassVar[str] = "branch"
    # paths from a row to the users it belongs to, and per role where roles differ
    scope_owner: ClassVar[tuple[str, ...]] = ()
    scope_owner_by_role: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    # the roles that see the rows naming them
    scope_owner_roles: ClassVar[frozenset[str]] = OWNER_ROLES
    scope_owner_within_branch: ClassVar[bool] = True
    # the roles that see their whole branch; None: every role without owner paths here
    scope_branch_roles: ClassVar[frozenset[str] | None] = None
    # the only roles that see anything; None: every role
    scope_roles: ClassVar[frozenset[str] | None] = None
    # instead of the rule: visible when the rows of these foreign keys are visible
    scope_via: ClassVar[tuple[str, ...]] = ()
    # instead of the rule: the foreign key to the one user who sees the row
    scope_recipient: ClassVar[str | None] = None
    # a row whose branch is empty belongs to headquarters and is shared with every branch
    # (knowledge-base articles HQ publishes); False: such a row is HQ's alone
    scope_null_branch_shared: ClassVar[bool] = False
    # paths to users who never see the row, whatever their role (applied after the rule)
    scope_never: ClassVar[tuple[str, ...]] = ()
    # a boolean field: the branch sees (rule 4) only the rows where it is true, the rest
    # stay their owners' (a saved client list shared with the branch)
    scope_branch_shared: ClassVar[str | None] = None

    def visible_to(self, user: User) -> Self:
        visible = self._visible_to(user)
        if self.scope_never and user is not None and user.is_authenticated:
            for path in self.scope_never:
                visible = visible.exclude(**{path: user.pk})
        return visible

    def naming(self, user: User, path: str) -> Self:
        """`visible_to(user).filter(<path>=user)`: the visible rows that name the user in
        `path` (an account manager's own visits). Where `path` is one of the user's owner
        paths, the rule's other paths cannot add a row, so they stay out of the SQL
        (PostgreSQL cannot tell, and joined every row's client to test them)."""
        if user is None or not user.is_authenticated:
            return self.none()
        mine = self.filter(**{path: user.pk})
        staff = staff_of(user)
        plain = staff is not None and not (
            self.scope_recipient or self.scope_via or self.scope_never
            or self.scope_branch_shared or self.scope_null_branch_shared
            or (self.scope_roles is not None and staff.role not in self.scope_roles)
        )  # fmt: skip
        if not plain or staff is None:
            return self.visible_to(user) & mine
        if staff.sees_all_branches:
            return mine
        if path not in self.owner_paths(staff):
            return self.visible_to(user) & mine
        if self.scope_owner_within_branch:
            return mine.filter(**{self.scope_branch: staff.branch_id})
        return mine

    def owner_paths(self, staff: Staff) -> tuple[str, ...]:
        """The paths through which rows are this staff member's own (none for a role
        that does not own rows of this model)."""
        if staff.role not in self.scope_owner_roles:
            return ()
        return self.scope_owner_by_role.get(staff.role, self.scope_owner)

    def _visible_to(self, user: User) -> Self:
        if self.scope_recipient is not None:
            if user is None or not user.is_authenticated:
                return self.none()
            return self.filter(**{self.scope_recipient: user})
        if self.scope_via:
            return self.filter(
                **{f"{path}__in": self._related_visible_to(path, user) for path in self.scope_via}
            )
        staff = staff_of(user)
        if staff is None:
            return self.none()
        if self.scope_roles is not None and staff.role not in self.scope_roles:
            return self.none()
        if staff.sees_all_branches:
            return self
        rule = self.scope_rule(staff, user.pk)
        return self.none() if rule is None else self.filter(rule)

    def scope_rule(self, staff: Staff, user_pk: int) -> Q | None:
        """The rows a staff member who does not see every branch sees; None: none."""
        branch = Q(**{self.scope_branch: staff.branch_id})
        if self.scope_null_branch_shared:
            branch |= Q(**{f"{self.scope_branch}__isnull": True})
        owner_paths = self.owner_paths(staff)
        if self.scope_branch_roles is None:
            sees_branch = not owner_paths
        else:
            sees_branch = staff.role in self.scope_branch_roles
        own = reduce(or_, (Q(**{path: user_pk}) for path in owner_paths)) if owner_paths else None
        if own is not None and self.scope_owner_within_branch:
            own &= branch
        if sees_branch:
            if self.scope_branch_shared:
                branch &= Q(**{self.scope_branch_shared: True})
            return branch if own is None else branch | own
        return own

    def _related_visible_to(self, path: str, user: User) -> models.QuerySet:
        related = cast("type[models.Model]", self.model._meta.get_field(path).related_model)
        return cast(ScopedQuerySet, related._default_manager.all()).visible_to(user)
