"""A real OpenLDAP server (Debian's slapd) for the directory login tests.

Started once per test session on 127.0.0.1 with a free port, as the current user, with its
configuration and data in a temporary directory; the entries are loaded with slapadd
before it starts. `make test` installs slapd (Makefile `testservers`); where it is missing
the tests are skipped with a message saying how to get it.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SLAPD = shutil.which("slapd") or ("/usr/sbin/slapd" if Path("/usr/sbin/slapd").exists() else None)
SLAPADD = shutil.which("slapadd") or (
    "/usr/sbin/slapadd" if Path("/usr/sbin/slapadd").exists() else None
)
MISSING = (
    "slapd (OpenLDAP) is not installed: `make test` installs it when run as root, "
    "otherwise `sudo apt-get install slapd ldap-utils`"
)

SUFFIX = "dc=branch,dc=example"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "directory-admin-secret"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
PASSWORD = "Dir3ctory-Pass!"

# uid: (surname, given name, e-mail, groups)
USERS = {
    "zhangwei": (
        "张",
        "伟",
        "zhang.wei@branch.example",
        ["crm-account-managers", "crm-branch-BJ01"],
    ),
    "wangfang": (
        "王",
        "芳",
        "wang.fang@branch.example",
        ["crm-branch-managers", "crm-branch-BJ01"],
    ),
    "liqiang": ("李", "强", "li.qiang@branch.example", ["crm-account-managers", "crm-branch-SH01"]),
    "zhaomin": (
        "赵",
        "敏",
        "zhao.min@branch.example",
        ["crm-account-managers", "crm-branch-BJ01", "crm-disabled"],
    ),
    "chenjing": ("陈", "静", "chen.jing@branch.example", ["crm-branch-BJ01"]),  # no role
    # The same name as a local account of the test organisation (tests/roles.py).
    "hq": ("冒", "名", "fake.hq@branch.example", ["crm-account-managers", "crm-branch-SH01"]),
}
# departmentNumber: the branch code, for the tests of LDAP_BRANCH_ATTRIBUTE.
DEPARTMENTS = {"zhangwei": "BJ01", "liqiang": "SH01"}
GROUP_NAMES = [
    "crm-account-managers",
    "crm-branch-managers",
    "crm-hq",
    "crm-branch-BJ01",
    "crm-branch-SH01",
    "crm-branch-HQ",
    "crm-disabled",
]


def user_dn(uid: str) -> str:
    return f"uid={uid},{PEOPLE}"


def group_dn(name: str) -> str:
    return f"cn={name},{GROUPS}"


def ldif() -> str:
    entries = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: branch\no: Branch",
        f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people",
        f"dn: {GROUPS}\nobjectClass: organizationalUnit\nou: groups",
    ]
    for uid, (sn, given, mail, _groups) in USERS.items():
        entries.append(
            f"dn: {user_dn(uid)}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {sn}{given}\n"
            f"sn: {sn}\ngivenName: {given}\nmail: {mail}\nuserPassword: {PASSWORD}"
            + (f"\ndepartmentNumber: {DEPARTMENTS[uid]}" if uid in DEPARTMENTS else "")
        )
    for name in GROUP_NAMES:
        members = [user_dn(uid) for uid, (*_, groups) in USERS.items() if name in groups]
        # groupOfNames needs one member at least: the admin stands in for an empty group.
        lines = "\n".join(f"member: {dn}" for dn in members or [ADMIN_DN])
        entries.append(f"dn: {group_dn(name)}\nobjectClass: groupOfNames\ncn: {name}\n{lines}")
    return "\n\n".join(entries) + "\n"


def _config(root: Path) -> str:
    return f"""\
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {root}/slapd.pid
database mdb
maxsize 10485760
suffix "{SUFFIX}"
rootdn "{ADMIN_DN}"
rootpw {ADMIN_PASSWORD}
directory {root}/data
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Slapd:
    uri: str
    process: subprocess.Popen
    root: Path

    def connect(self):
        """A connection bound as the directory's administrator, to change entries."""
        import ldap

        conn = ldap.initialize(self.uri)
        conn.simple_bind_s(ADMIN_DN, ADMIN_PASSWORD)
        return conn

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def start() -> Slapd:
    """slapd on a free loopback port with the entries of ldif(); raises RuntimeError with
    slapd's own words when it does not come up."""
    root = Path(tempfile.mkdtemp(prefix="crm-slapd-"))
    (root / "data").mkdir()
    conf = root / "slapd.conf"
    conf.write_text(_config(root))
    (root / "entries.ldif").write_text(ldif())
    loaded = subprocess.run(
        [SLAPADD, "-f", str(conf), "-l", str(root / "entries.ldif")],
        capture_output=True,
        text=True,
    )
    if loaded.returncode:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"slapadd failed: {loaded.stderr.strip()}")
    port = free_port()
    uri = f"ldap://127.0.0.1:{port}"
    log = open(root / "slapd.log", "w")  # noqa: SIM115 - closed with the process's end
    # -d 0: stay in the foreground (the fixture owns the process), no debug output.
    process = subprocess.Popen(
        [SLAPD, "-f", str(conf), "-h", f"{uri}/", "-d", "0"], stdout=log, stderr=log
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return Slapd(uri=uri, process=process, root=root)
        except OSError:
            time.sleep(0.1)
    if process.poll() is None:
        process.kill()
    words = (root / "slapd.log").read_text().strip()
    shutil.rmtree(root, ignore_errors=True)
    raise RuntimeError(f"slapd did not start on {uri}: {words}")
