"""tests/roles.py names the product's roles (crm.models.Role) and nothing else."""

from crm.models import Role
from tests import roles


def test_every_role_of_the_tests_is_a_product_role():
    product_roles = set(Role.values)
    assert set(roles.STAFF_ROLES) | {roles.INT} == product_roles
    for people in (roles.ORG_PEOPLE, roles.WORLD_PEOPLE):
        assert {role for _username, _branch, role in people.values()} <= product_roles
    assert set(roles.ORG_ROLE_USERS) <= product_roles
    assert set(roles.ORG_ROLE_USERS.values()) <= set(roles.ORG_PEOPLE)


def test_the_world_has_a_user_for_every_matrix_role():
    assert set(roles.MATRIX_ROLES) - {roles.ANON} <= set(roles.WORLD_PEOPLE)
