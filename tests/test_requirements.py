"""The two lock files: production gets the runtime set only, development adds the tools.

`make check-runtime-deps` proves the same in a new virtual environment; these tests read
the files and the code, so they are cheap enough for every `make test`.
"""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

BASE = Path(__file__).resolve().parent.parent
APPS = ("config", "crm", "clients", "outreach", "opinions", "visits", "complaints",
        "servicedesk", "callcenter", "knowledge", "products", "compliance", "campaigns",
        "conduct")  # fmt: skip


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


def _direct(filename: str) -> set[str]:
    """The packages an .in file names itself (options such as -r and -c left out)."""
    lines = (line.split("#")[0].strip() for line in (BASE / filename).read_text().splitlines())
    return {_name(re.split(r"[<>=!~\[; ]", line)[0]) for line in lines if line[:1].isalnum()}


# What a production install must not get: every tool requirements-dev.in names, and the
# servers locust pulls in.
DEV_TOOLS = _direct("requirements-dev.in") | {"flask", "gevent"}

# Modules of the product that only development runs, so they may import development tools:
# the embedded PostgreSQL/Redis stack and the demo data (imported by `seed_demo` only).
DEV_ONLY_MODULES = {"config/devstack.py", "clients/demo.py"}


def _pins(filename: str) -> dict[str, str]:
    text = (BASE / filename).read_text()
    return {
        _name(m["name"]): m["version"]
        for m in re.finditer(r"^(?P<name>[A-Za-z0-9_.-]+)==(?P<version>\S+)", text, re.M)
    }


def _third_party_imports(path: Path) -> set[str]:
    """Top-level names of the modules a file imports, standard library and project left out."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in APPS}


def _product_files() -> list[Path]:
    return [p for app in APPS for p in (BASE / app).rglob("*.py")]


def test_runtime_lock_has_no_development_tool():
    assert sorted(DEV_TOOLS & set(_pins("requirements.txt"))) == []


def test_development_lock_has_the_tools_and_the_same_runtime_versions():
    runtime, dev = _pins("requirements.txt"), _pins("requirements-dev.txt")
    assert DEV_TOOLS - set(dev) == set()
    assert {name: dev.get(name) for name in runtime} == runtime


@pytest.mark.parametrize("filename", ["requirements.txt", "requirements-dev.txt"])
def test_every_pin_is_hashed(filename):
    text = (BASE / filename).read_text()
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 7)[-1])
    pinned = [b for b in blocks if "==" in b.split("\n")[0]]
    assert pinned
    assert [b.split()[0] for b in pinned if "--hash=sha256:" not in b] == []


def test_every_import_of_the_product_is_in_its_lock_file():
    """Discovers each third-party import of the apps and config: the runtime lock must have
    it, except in the development-only modules, where the development lock must."""
    runtime, dev = set(_pins("requirements.txt")), set(_pins("requirements-dev.txt"))
    distributions = packages_distributions()
    missing = []
    for path in _product_files():
        relative = path.relative_to(BASE).as_posix()
        lock = dev if relative in DEV_ONLY_MODULES else runtime
        for module in _third_party_imports(path):
            names = {_name(d) for d in distributions.get(module, [module])}
            if not names & lock:
                missing.append((relative, module))
    assert missing == []


def test_development_tools_are_imported_only_inside_functions():
    """Importing a module must not need a development tool: the apps import their demo
    seeders and the devstack when they load (seen in `make check-runtime-deps`)."""
    distributions = packages_distributions()
    offenders = []
    for path in _product_files():
        for node in ast.parse(path.read_text()).body:  # module level only
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if {_name(d) for d in distributions.get(top, [top])} & DEV_TOOLS:
                    offenders.append((path.relative_to(BASE).as_posix(), module))
    assert offenders == []
