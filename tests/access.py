"""Generic role-by-action access tests (after NetBox's view test cases).

Subclass `ApiAccessCase` (or `WebAccessCase`) for one endpoint or page, declare which
status each role gets for each action, and say how to build an object inside and outside
the role's scope. Every role is then tested for list, detail, create and update, and the
object of another branch (or another account manager) answers 404, never its data.

    class TestTodoApi(ApiAccessCase):
        list_url = "api:todo-list"
        detail_url = "api:todo-detail"
        expected = {"account_manager": {"list": 200, "detail": 200, "create": 201, ...}, ...}

        def make_in_scope(self, org, user): ...
        def make_out_of_scope(self, org, user): ...
        def create_payload(self, org, user): ...
        def update_payload(self, org, user, obj): ...

Roles: the keys of `tests.roles.ORG_ROLE_USERS` (whose values are attribute names of the
`org` fixture) plus "anonymous". A role missing from `expected` must be denied everything.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.roles import ANON, ORG_ROLE_USERS, ORG_ROLES
from tests.roles import ORG_ACCESS_ROLES as ALL_ROLES

ACTIONS = ["list", "detail", "create", "update"]


class _AccessCase:
    list_url: str = ""
    detail_url: str = ""
    create_url: str = ""  # when creating posts elsewhere than the list (web forms)
    expected: dict[str, dict[str, int]] = {}
    denied_status: dict[str, int] = {}
    out_of_scope_status = 404

    # --- to be provided by subclasses ----------------------------------------
    def make_in_scope(self, org, user):
        raise NotImplementedError

    def make_out_of_scope(self, org, user):
        raise NotImplementedError

    def create_payload(self, org, user) -> dict | None:
        return None  # no create action

    def update_payload(self, org, user, obj) -> dict | None:
        return None  # no update action

    # --- machinery ---------------------------------------------------------------
    def user_for(self, org, role):
        return None if role == ANON else getattr(org, ORG_ROLE_USERS[role])

    def expected_status(self, role: str, action: str) -> int:
        return self.expected.get(role, {}).get(action, self.denied_status[role])

    def client_for(self, client, user):
        raise NotImplementedError

    def request(self, client, method, url, data=None):
        raise NotImplementedError

    def _check(self, response, expected, role, action):
        assert response.status_code == expected, (
            f"{role} {action}: expected {expected}, got {response.status_code}: "
            f"{getattr(response, 'content', b'')[:300]!r}"
        )

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_list(self, role, org, client):
        user = self.user_for(org, role)
        helper_user = user or org.am
        self.make_in_scope(org, helper_user)
        c = self.client_for(client, user)
        response = self.request(c, "get", reverse(self.list_url))
        self._check(response, self.expected_status(role, "list"), role, "list")

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_detail(self, role, org, client):
        user = self.user_for(org, role)
        obj = self.make_in_scope(org, user or org.am)
        c = self.client_for(client, user)
        response = self.request(c, "get", reverse(self.detail_url, args=[obj.pk]))
        self._check(response, self.expected_status(role, "detail"), role, "detail")

    @pytest.mark.parametrize("role", ORG_ROLES)
    def test_out_of_scope_is_404(self, role, org, client):
        user = self.user_for(org, role)
        obj = self.make_out_of_scope(org, user)
        if obj is None:
            pytest.skip(f"{role} sees every object of this kind")
        c = self.client_for(client, user)
        response = self.request(c, "get", reverse(self.detail_url, args=[obj.pk]))
        expected = self.out_of_scope_status
        if self.expected_status(role, "detail") in (401, 403):
            expected = self.expected_status(role, "detail")
        self._check(response, expected, role, "out-of-scope detail")

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_create(self, role, org, client):
        user = self.user_for(org, role)
        payload = self.create_payload(org, user or org.am)
        if payload is None:
            pytest.skip("no create action")
        c = self.client_for(client, user)
        response = self.request(c, "post", reverse(self.create_url or self.list_url), payload)
        self._check(response, self.expected_status(role, "create"), role, "create")

    @pytest.mark.parametrize("role", ALL_ROLES)
    def test_update(self, role, org, client):
        user = self.user_for(org, role)
        obj = self.make_in_scope(org, user or org.am)
        payload = self.update_payload(org, user or org.am, obj)
        if payload is None:
            pytest.skip("no update action")
        c = self.client_for(client, user)
        response = self.request(c, "patch", reverse(self.detail_url, args=[obj.pk]), payload)
        self._check(response, self.expected_status(role, "update"), role, "update")


class ApiAccessCase(_AccessCase):
    """For a DRF endpoint: anonymous gets 401, a role without rights 403."""

    denied_status = {ANON: 401, **dict.fromkeys(ORG_ROLES, 403)}

    def client_for(self, client, user):
        from rest_framework.test import APIClient

        api = APIClient()
        if user is not None:
            api.force_authenticate(user)
        return api

    def request(self, client, method, url, data=None):
        return getattr(client, method)(url, data, format="json")


class WebAccessCase(_AccessCase):
    """For a web page: anonymous is sent to the login page (302), others get 403."""

    denied_status = {ANON: 302, **dict.fromkeys(ORG_ROLES, 403)}

    def client_for(self, client, user):
        if user is not None:
            client.force_login(user)
        return client

    def request(self, client, method, url, data=None):
        if method == "patch":  # web forms post to the edit page
            url = url.rstrip("/") + "/edit/"
            method = "post"
        return getattr(client, method)(url, data or {})
