"""Directory login (crm.directory, config.directory) against a real OpenLDAP server.

tests/ldap_server.py starts Debian's slapd on a free loopback port for the session; the
tests are skipped, saying why, where slapd is not installed.
"""

from __future__ import annotations

import os
import subprocess
import sys

import ldap
import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.directory import BACKEND, ldap_settings
from crm.auth import directory_mapping
from crm.models import StaffProfile
from tests import ldap_server
from tests.crm.test_login_security import is_logged_in, log_in, zh
from tests.factories import PASSWORD as LOCAL_PASSWORD

DIR_PASSWORD = ldap_server.PASSWORD
User = get_user_model()

DIRECTORY_DOWN = (
    "The staff directory cannot be reached, so directory accounts cannot log in right now. "
    "Try again in a few minutes or call the IT desk."
)


@pytest.fixture(scope="session")
def slapd():
    if ldap_server.SLAPD is None or ldap_server.SLAPADD is None:
        pytest.skip(ldap_server.MISSING)
    server = ldap_server.start()
    yield server
    server.stop()


class Directory:
    """Changes to the test directory's groups, undone after the test."""

    def __init__(self, server):
        self.server = server
        self.undo: list[tuple[int, str, str]] = []

    def _modify(self, op: int, group: str, uid: str) -> None:
        conn = self.server.connect()
        dn = ldap_server.user_dn(uid).encode()
        conn.modify_s(ldap_server.group_dn(group), [(op, "member", [dn])])
        conn.unbind_s()

    def add(self, group: str, uid: str) -> None:
        self._modify(ldap.MOD_ADD, group, uid)
        self.undo.append((ldap.MOD_DELETE, group, uid))

    def remove(self, group: str, uid: str) -> None:
        self._modify(ldap.MOD_DELETE, group, uid)
        self.undo.append((ldap.MOD_ADD, group, uid))

    def restore(self) -> None:
        for op, group, uid in reversed(self.undo):
            self._modify(op, group, uid)


def configure(settings, uri: str, **overrides) -> None:
    arguments = {
        "server_uri": uri,
        "bind_dn": ldap_server.ADMIN_DN,
        "bind_password": ldap_server.ADMIN_PASSWORD,
        "user_search_base": ldap_server.PEOPLE,
        "group_search_base": ldap_server.GROUPS,
        "role_groups": {
            "crm-hq": "hq",
            "crm-branch-managers": "branch_manager",
            "crm-account-managers": "account_manager",
        },
        "branch_groups": {
            "crm-branch-BJ01": "BJ01",
            "crm-branch-SH01": "SH01",
            "crm-branch-HQ": "HQ",
        },
        "disabled_group": "crm-disabled",
        "backends": django_settings.AUTHENTICATION_BACKENDS,
    }
    values = ldap_settings(**{**arguments, **overrides})
    for name, value in values.items():
        setattr(settings, name, value)


@pytest.fixture
def directory(slapd, settings, org):
    configure(settings, slapd.uri)
    changes = Directory(slapd)
    yield changes
    changes.restore()


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True


def form_error(response) -> str:
    return " ".join(str(e) for e in response.context["form"].non_field_errors())


def test_the_directory_is_asked_after_the_lockout_and_before_local_passwords(settings):
    assert BACKEND not in django_settings.AUTHENTICATION_BACKENDS  # off without LDAP_SERVER_URI
    values = ldap_settings(
        server_uri="ldap://dir.example",
        user_search_base="ou=people,dc=x",
        backends=["axes.backends.AxesStandaloneBackend", "crm.auth.StaffModelBackend"],
    )
    assert values["AUTHENTICATION_BACKENDS"] == [
        "axes.backends.AxesStandaloneBackend",
        BACKEND,
        "crm.auth.StaffModelBackend",
    ]


def test_the_settings_come_from_the_environment():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LDAP_SERVER_URI": "ldaps://ad.branch.example",
        "LDAP_USER_SEARCH_BASE": "ou=staff,dc=branch,dc=example",
        "LDAP_USER_FILTER": "(sAMAccountName=%(user)s)",
        "LDAP_GROUP_TYPE": "ad",
        "LDAP_ROLE_GROUPS": "CRM-BM=branch_manager,CRM-AM=account_manager",
        "LDAP_BRANCH_GROUPS": "CRM-Branch-BJ01=BJ01",
    }
    script = (
        "from django.conf import settings as s; print(s.AUTHENTICATION_BACKENDS[1], "
        "s.AUTH_LDAP_USER_SEARCH.filterstr, type(s.AUTH_LDAP_GROUP_TYPE).__name__, "
        "s.AUTH_LDAP_GROUP_SEARCH.filterstr, list(s.CRM_LDAP_ROLE_GROUPS.items()), "
        "s.CRM_LDAP_BRANCH_GROUPS)"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == (
        "crm.directory.DirectoryBackend (sAMAccountName=%(user)s) ActiveDirectoryGroupType "
        "(objectClass=group) [('crm-bm', 'branch_manager'), ('crm-am', 'account_manager')] "
        "{'crm-branch-bj01': 'BJ01'}"
    )


def test_a_mapping_to_no_staff_role_or_no_branch_fails_the_checks(settings):
    configure(settings, "ldap://dir.example")
    assert directory_mapping(None) == []  # the configuration of the tests below
    configure(settings, "ldap://dir.example", branch_groups={}, branch_attribute="department")
    assert directory_mapping(None) == []
    settings.CRM_LDAP_BRANCH_ATTRIBUTE = ""
    settings.CRM_LDAP_ROLE_GROUPS = {"crm-systems": "integration", "crm-x": "boss"}
    assert [e.id for e in directory_mapping(None)] == ["crm.E021", "crm.E021", "crm.E022"]
    settings.CRM_LDAP_ROLE_GROUPS = {}
    assert [e.id for e in directory_mapping(None)] == ["crm.E020", "crm.E022"]
    settings.AUTHENTICATION_BACKENDS = ["crm.auth.StaffModelBackend"]
    assert directory_mapping(None) == []  # directory login off: nothing to check


def test_login_creates_the_user_with_role_and_branch_from_the_groups(directory, org, client):
    response = log_in(client, "zhangwei", DIR_PASSWORD)
    assert response.status_code == 302
    assert is_logged_in(client)
    user = User.objects.get(username="zhangwei")
    assert (user.last_name, user.first_name, user.email) == ("张", "伟", "zhang.wei@branch.example")
    assert not user.has_usable_password()  # a directory user has no local password
    assert (user.staff.role, user.staff.branch.code) == ("account_manager", "BJ01")
    assert list(user.groups.values_list("name", flat=True)) == ["account_manager"]
    assert client.get(reverse("crm:workbench")).status_code == 200

    manager = Client()
    assert log_in(manager, "wangfang", DIR_PASSWORD).status_code == 302
    staff = StaffProfile.objects.get(user__username="wangfang")
    assert (staff.role, staff.branch.code) == ("branch_manager", "BJ01")


def test_a_changed_group_changes_the_role_at_the_next_login(directory, org, client):
    assert log_in(client, "zhangwei", DIR_PASSWORD).status_code == 302
    StaffProfile.objects.filter(user__username="zhangwei").update(team="财富一组")
    client.post(reverse("logout"))
    directory.remove("crm-account-managers", "zhangwei")
    directory.add("crm-branch-managers", "zhangwei")
    directory.remove("crm-branch-BJ01", "zhangwei")
    directory.add("crm-branch-SH01", "zhangwei")

    assert log_in(client, "zhangwei", DIR_PASSWORD).status_code == 302
    staff = StaffProfile.objects.get(user__username="zhangwei")
    assert (staff.role, staff.branch.code, staff.team) == ("branch_manager", "SH01", "财富一组")
    assert list(staff.user.groups.values_list("name", flat=True)) == ["branch_manager"]


def test_a_disabled_directory_user_is_refused(directory, org, client):
    response = log_in(client, "zhaomin", DIR_PASSWORD)
    assert response.status_code == 200
    assert not is_logged_in(client)
    assert not User.objects.get(username="zhaomin").is_active
    assert not StaffProfile.objects.filter(user__username="zhaomin").exists()


def test_disabling_in_the_directory_ends_access(directory, org, client):
    assert log_in(client, "zhangwei", DIR_PASSWORD).status_code == 302
    directory.add("crm-disabled", "zhangwei")
    again = Client()
    assert log_in(again, "zhangwei", DIR_PASSWORD).status_code == 200
    assert not is_logged_in(again)
    assert not User.objects.get(username="zhangwei").is_active
    # The session opened before is no longer accepted either.
    response = client.get(reverse("crm:workbench"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_user_in_no_role_group_is_refused(directory, org, client):
    response = log_in(client, "chenjing", DIR_PASSWORD)
    assert response.status_code == 200
    assert not is_logged_in(client)
    assert not StaffProfile.objects.filter(user__username="chenjing").exists()


def test_a_wrong_password_is_refused_and_counted_toward_the_lockout(
    directory, org, client, axes_on
):
    response = log_in(client, "zhangwei", "not-the-password")
    assert response.status_code == 200
    assert form_error(response)
    assert form_error(response) != zh(DIRECTORY_DOWN)  # the directory answered: "wrong"
    assert not is_logged_in(client)
    for _ in range(4):
        response = log_in(client, "zhangwei", "not-the-password")
    assert response.status_code == 429
    assert AccessAttempt.objects.get(username="zhangwei").failures_since_start == 5
    # Locked: the right directory password is refused too, and the directory not asked.
    response = log_in(client, "zhangwei", DIR_PASSWORD)
    assert response.status_code == 429
    assert zh("Account locked") in response.content.decode()
    assert not is_logged_in(client)
    assert not User.objects.filter(username="zhangwei").exists()


def test_a_directory_manager_with_a_device_still_gets_the_code_step(directory, org, client):
    assert log_in(client, "wangfang", DIR_PASSWORD).status_code == 302
    user = User.objects.get(username="wangfang")
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    client.post(reverse("logout"))

    assert log_in(client, "wangfang", DIR_PASSWORD).status_code == 302
    response = client.get(reverse("crm:workbench"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("two-factor-verify"))


def test_local_accounts_still_log_in_and_are_not_taken_over(directory, org, client):
    # "bm" is not in the directory: its local password.
    assert log_in(client, "bm", LOCAL_PASSWORD).status_code == 302
    # "hq" is a local account and also a directory entry (another role, another branch):
    # the directory's password does not open it, and the directory changes nothing.
    email = org.hq.email
    other = Client()
    assert log_in(other, "hq", DIR_PASSWORD).status_code == 200
    assert not is_logged_in(other)
    assert log_in(other, "hq", LOCAL_PASSWORD).status_code == 302
    org.hq.refresh_from_db()
    assert (org.hq.staff.role, org.hq.staff.branch.code, org.hq.email) == ("hq", "HQ", email)
    assert org.hq.has_usable_password()


def test_directory_down_local_accounts_log_in_directory_users_are_told(
    directory, org, client, settings
):
    assert log_in(Client(), "zhangwei", DIR_PASSWORD).status_code == 302  # known before
    configure(settings, f"ldap://127.0.0.1:{ldap_server.free_port()}")  # nothing listens

    assert log_in(client, "bm", LOCAL_PASSWORD).status_code == 302
    for username in ("zhangwei", "newcomer"):
        response = log_in(Client(), username, DIR_PASSWORD)
        assert response.status_code == 200
        assert form_error(response) == zh(DIRECTORY_DOWN)
        assert "目录" in form_error(response)


def test_the_branch_can_come_from_an_attribute(directory, org, client, settings):
    configure(
        settings,
        settings.AUTH_LDAP_SERVER_URI,
        branch_groups={},
        branch_attribute="departmentNumber",
    )
    assert log_in(client, "liqiang", DIR_PASSWORD).status_code == 302
    assert StaffProfile.objects.get(user__username="liqiang").branch.code == "SH01"
    # wangfang has no departmentNumber: no branch, refused.
    assert log_in(Client(), "wangfang", DIR_PASSWORD).status_code == 200
    assert not StaffProfile.objects.filter(user__username="wangfang").exists()


def test_a_user_in_two_branch_groups_is_refused(directory, org, client):
    directory.add("crm-branch-SH01", "zhangwei")
    assert log_in(client, "zhangwei", DIR_PASSWORD).status_code == 200
    assert not is_logged_in(client)
    assert not StaffProfile.objects.filter(user__username="zhangwei").exists()
