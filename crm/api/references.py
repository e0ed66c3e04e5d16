"""Serializer fields that name a person or a client: the rule of crm.references.

The acting user comes from the serializer's context (`request`); without one, every value
is refused. The object's branch is the instance's (an update) or `context["branch"]`
(an action on a known object); on a create the service checks it (crm.references
.check_branch), since the branch follows from the data."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from ..references import CLIENT_OUT_OF_SCOPE, PEOPLE, PERSON_OUT_OF_SCOPE, people_in_scope


def _acting_user(field):
    request = field.context.get("request")
    return getattr(request, "user", None)


def object_branch(field):
    """The branch (id) of the object the field is on, when the serializer knows it."""
    parent = field.parent
    while isinstance(parent, serializers.ManyRelatedField):
        parent = parent.parent
    branch_id = getattr(getattr(parent, "instance", None), "branch_id", None)
    return branch_id if branch_id is not None else field.context.get("branch")


class PersonField(serializers.SlugRelatedField):
    """A member of staff of `roles`, by username, whom the acting user may name."""

    default_error_messages = {"does_not_exist": PERSON_OUT_OF_SCOPE, "invalid": PERSON_OUT_OF_SCOPE}

    def __init__(self, *, roles=PEOPLE, **kwargs):
        self.roles = frozenset(roles)
        kwargs.setdefault("slug_field", "username")
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", get_user_model().objects.none())
        super().__init__(**kwargs)

    def get_queryset(self):
        user = _acting_user(self)
        if user is None:
            return get_user_model().objects.none()
        return people_in_scope(user, self.roles, object_branch(self))

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data.strip())


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A record (a client, unless told) by id, among those the acting user may see: the
    queryset's model must have `visible_to(user)`."""

    default_error_messages = {
        "does_not_exist": CLIENT_OUT_OF_SCOPE,
        "incorrect_type": CLIENT_OUT_OF_SCOPE,
    }

    def __init__(self, queryset=None, **kwargs):
        self.base_queryset = queryset
        super().__init__(queryset=queryset, **kwargs)

    def get_queryset(self):
        user = _acting_user(self)
        if user is None:
            return self.base_queryset.none()
        return self.base_queryset.visible_to(user)


SCOPED_FIELDS = (PersonField, VisibleRelatedField)
