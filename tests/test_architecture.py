"""The direction of imports (DESIGN.md, "Layout") kept by a test.

Every module of the project is parsed (nothing is imported, so this runs in well under a
second) and each `import` statement is read, at module level and inside functions alike:
an import moved into a function to dodge a loop is still a loop. Importing `a.b.c` also
runs the package `a.b` (its `__init__.py`), unless the importer sits inside that package
already, so that edge is counted too.

- no two project modules import each other, directly or round a longer circle;
- `crm`, the kernel, imports no app and not `config`: apps plug into it through its
  registries (clocks, workbench sections, dashboard panels, exports, purges, demo seeders).
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("config", "crm", "clients", "outreach", "products", "opinions", "visits",
            "complaints", "servicedesk", "callcenter", "knowledge", "compliance",
            "campaigns", "scorecards", "suitability", "conduct")  # fmt: skip
APPS = ("clients", "outreach", "products", "opinions", "visits", "complaints", "servicedesk",
        "callcenter", "knowledge", "compliance", "campaigns", "scorecards",
        "suitability", "conduct")  # fmt: skip


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                modules[module_name(path)] = path
    return modules


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST):
    """Every import statement, wherever it stands, except under `if TYPE_CHECKING:`."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _targets(importer: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The project modules an import statement names (`from a import b`: the module
    `a.b` when there is one, else `a`)."""
    modules = project_modules()
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    if node.level:
        is_package = project_modules()[importer].name == "__init__.py"
        base = importer.split(".")
        base = base[: len(base) - node.level + (1 if is_package else 0)]
        source = ".".join([*base, node.module] if node.module else base)
    else:
        source = node.module or ""
    found = set()
    for alias in node.names:
        candidate = f"{source}.{alias.name}"
        found.add(candidate if candidate in modules else source)
    return found


@cache
def import_graph() -> dict[str, set[str]]:
    """{module: the project modules it runs by importing}."""
    modules = project_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges = set()
        for node in _import_nodes(ast.parse(path.read_text(), filename=str(path))):
            for target in _targets(name, node):
                parts = target.split(".")
                for end in range(1, len(parts) + 1):
                    ran = ".".join(parts[:end])
                    if ran in modules and ran != name and not name.startswith(ran + "."):
                        edges.add(ran)
        graph[name] = edges
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def describe(cycle: list[str], graph: dict[str, set[str]]) -> str:
    members = set(cycle)
    return "; ".join(
        f"{a} -> {', '.join(sorted(graph[a] & members))}" for a in cycle if graph[a] & members
    )


def test_no_module_imports_one_that_imports_it_back():
    graph = import_graph()
    cycles = import_cycles(graph)
    assert not cycles, "import loops:\n" + "\n".join(describe(c, graph) for c in cycles)


def test_the_kernel_imports_no_app_and_not_config():
    graph = import_graph()
    upward = sorted(
        f"{name} -> {target}"
        for name, targets in graph.items()
        if name.split(".")[0] == "crm"
        for target in targets
        if target.split(".")[0] in (*APPS, "config")
    )
    assert not upward, "crm imports upward:\n" + "\n".join(upward)


def test_the_checker_sees_imports_inside_functions():
    """A guard on the guard: crm/apps.py imports its registrations inside ready()."""
    assert "crm.registrations" in import_graph()["crm.apps"]
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
