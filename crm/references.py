"""References to people and clients, checked in one place.

A field that names a person (owner, advisor, handler, agent, assignee, ...) or a client
accepts only what the acting user may see, and a person only if they belong to the branch
of the object the field is on (staff who see every branch, HQ, may be named anywhere).
Everything else is refused with the same message as a value that does not exist, so no
answer tells that a person or client of another scope exists.

- `people_in_scope()` is the rule; `check_branch()` repeats its branch half in the
  services (defence in depth, and for a create, where the branch follows from the data).
- `PersonChoiceField` and `VisibleChoiceField` are the form fields; `ScopedFormMixin`
  scopes them to the acting user. An unscoped field refuses every value (fail closed).
- The serializer fields are in `crm.api.references`.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _

from .choices import labels_of
from .models import Branch, Role, StaffProfile, name_in_order, person_name

# Everyone who can be given work: every role but the integration systems.
PEOPLE = frozenset(Role.values) - {Role.INTEGRATION}
PERSON_OUT_OF_SCOPE = _("Choose a member of staff of this branch whom you may assign.")
CLIENT_OUT_OF_SCOPE = _("No such client among the clients you may see.")


def _branch_id(branch) -> int | None:
    return getattr(branch, "pk", branch)


def serves_everywhere() -> Q:
    """Staff who see every branch (HQ staff and HQ integrations), as a filter on users."""
    return Q(staff__role=Role.HQ) | Q(
        staff__role=Role.INTEGRATION, staff__branch__kind=Branch.Kind.HEADQUARTERS
    )


def people_in_scope(user, roles=PEOPLE, branch=None):
    """The active staff of `roles` that `user` may see (and so name), limited to those
    who may work on an object of `branch` when it is known."""
    qs = get_user_model().objects.filter(
        is_active=True,
        staff__role__in=list(roles),
        staff__in=StaffProfile.objects.visible_to(user),
    )
    if branch is not None:
        qs = qs.filter(Q(staff__branch_id=_branch_id(branch)) | serves_everywhere())
    return qs.select_related("staff__branch").order_by("last_name", "first_name", "username")


def may_work_in(person, branch) -> bool:
    """Whether `person` belongs to `branch` (or sees every branch)."""
    staff = getattr(person, "staff", None) if person is not None else None
    if staff is None:
        return False
    return staff.sees_all_branches or staff.branch_id == _branch_id(branch)


def check_branch(branch, **people) -> None:
    """Refuse (ValidationError per field) any person named who does not belong to
    `branch`; None means no one is named."""
    errors = {
        name: [PERSON_OUT_OF_SCOPE]
        for name, person in people.items()
        if person is not None and not may_work_in(person, branch)
    }
    if errors:
        raise ValidationError(errors)


class PersonLabelsMixin:
    """A choice of people labelled by person_label(). `plain_choices()` gives the
    choices from one values() query: no user, profile and branch object per person,
    a third of the time of a filter bar's people drop-down."""

    def label_from_instance(self, obj):
        return person_label(obj)

    def plain_choices(self) -> list[tuple[str, str]]:
        rows = self.queryset.values_list(  # type: ignore[attr-defined]
            self.to_field_name or "pk",  # type: ignore[attr-defined]
            "last_name", "first_name", "username", "staff__role", "staff__branch__name",
        )  # fmt: skip
        return [
            (str(value), label_of(name_in_order(last, first, username), role, branch))
            for value, last, first, username, role, branch in rows
        ]


class PersonChoiceField(PersonLabelsMixin, forms.ModelChoiceField):
    """A member of staff of `roles` whom the acting user may name (by id)."""

    default_error_messages = {"invalid_choice": PERSON_OUT_OF_SCOPE}

    def __init__(self, *, roles=PEOPLE, **kwargs):
        self.roles = frozenset(roles)
        kwargs.setdefault("queryset", get_user_model().objects.none())
        super().__init__(**kwargs)

    def scope(self, user, branch=None) -> None:
        self.queryset = people_in_scope(user, self.roles, branch)


def person_label(user) -> str:
    """A person as a picker lists them: name, role and branch (王伟 · 客户经理 · 北京营业部),
    which tells two 王伟 apart without showing a login name."""
    staff = getattr(user, "staff", None)
    if staff is None:
        return person_name(user)
    return label_of(person_name(user), staff.role, staff.branch.name)


def label_of(name: str, role: str | None, branch_name: str | None) -> str:
    """person_label() from a name, a role code and a branch name (None: no profile)."""
    if role is None:
        return name
    role_label = force_str(labels_of(StaffProfile._meta.get_field("role")).get(role, role))
    return f"{name} · {role_label} · {branch_name}"


class VisibleChoiceField(forms.ModelChoiceField):
    """A record (a client, by default by id) the acting user may see: the queryset's
    model must have `visible_to(user)`."""

    default_error_messages = {"invalid_choice": CLIENT_OUT_OF_SCOPE}

    def __init__(self, queryset, **kwargs):
        self.base_queryset = queryset
        super().__init__(queryset=queryset.none(), **kwargs)

    def scope(self, user, branch=None) -> None:
        self.queryset = self.base_queryset.visible_to(user)

    def to_python(self, value):
        return super().to_python(value.strip() if isinstance(value, str) else value)


SCOPED_FIELDS = (PersonChoiceField, VisibleChoiceField)


def scope_form(form, user, branch=None) -> None:
    """Scope every person and client field of `form` to `user` (and `branch`)."""
    for field in form.fields.values():
        if isinstance(field, SCOPED_FIELDS):
            field.scope(user, branch)


class ScopedFormMixin:
    """Forms with person or client fields take the acting `user` (and, when the object
    is known, its `branch`) and scope those fields."""

    def __init__(self, *args, user, branch=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        scope_form(self, user, branch)
