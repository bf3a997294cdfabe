"""Imports point one way, in the order the data flows (README, Layout):

    core ← intake ← evaluate ← ledger ← notify ← portal ← channels ← aws ← flows ← app.py, jobs/, bench/

Every import is read from the source (at module level, inside functions and under
TYPE_CHECKING alike), so a late import cannot hide an upward one."""

from __future__ import annotations

import ast
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WINGS = ("core", "intake", "evaluate", "ledger", "notify", "portal", "channels", "aws", "flows")
ADAPTERS = ("chalicelib.aws", "chalicelib.channels")
MAY_IMPORT_ADAPTERS = (*ADAPTERS, "chalicelib.flows", "app", "jobs", "bench")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    found = {module_name(p): p for p in (ROOT / "chalicelib").rglob("*.py")}
    for top in ("jobs", "bench"):
        found |= {module_name(p): p for p in (ROOT / top).rglob("*.py")}
    return found | {"app": ROOT / "app.py"}


@cache
def imports_of(module: str) -> frozenset[str]:
    """The chalicelib modules `module` imports (a name imported from a package counts as
    its submodule when there is one)."""
    tree = ast.parse(modules()[module].read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("chalicelib"):
            base = str(node.module)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in modules() else base)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("chalicelib")}
    return frozenset(found)


def wing(module: str) -> str:
    parts = module.split(".")
    return parts[1] if parts[0] == "chalicelib" and len(parts) > 1 else parts[0]


def node(module: str) -> str:
    """The unit whose cycles count: a wing's subpackage, or a module directly in a wing."""
    parts = module.split(".")
    path = modules().get(module)
    is_package = path is not None and path.name == "__init__.py"
    return ".".join(parts[:3]) if len(parts) > 3 or is_package else module


CHALICELIB = sorted(m for m in modules() if m.startswith("chalicelib."))


def test_chalicelib_holds_only_the_wings() -> None:
    top = {p.name for p in (ROOT / "chalicelib").iterdir() if not p.name.startswith("__")}
    assert top - {"py.typed"} == set(WINGS)
    assert (ROOT / "chalicelib" / "__init__.py").read_text().count("import") == 0


@pytest.mark.parametrize("module", CHALICELIB)
def test_no_import_runs_back_up_the_flow(module: str) -> None:
    rank = WINGS.index(wing(module))
    upward = sorted(i for i in imports_of(module) if WINGS.index(wing(i)) > rank)
    assert upward == [], f"{module} ({wing(module)}) imports later wings"


def test_no_cycle_between_packages() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for module in CHALICELIB:
        graph[node(module)] |= {node(i) for i in imports_of(module)} - {node(module)}
    cycle = _find_cycle(graph)
    assert cycle is None, " → ".join(cycle or [])


def test_only_the_flows_app_jobs_and_bench_import_the_aws_adapters() -> None:
    importers = sorted(
        module
        for module in modules()
        if not module.startswith(MAY_IMPORT_ADAPTERS)
        and any(i.startswith(ADAPTERS) for i in imports_of(module))
    )
    assert importers == []


@pytest.mark.parametrize("package", ["chalicelib", *(f"chalicelib.{w}" for w in WINGS)])
def test_the_wings_own_inits_import_nothing(package: str) -> None:
    """Importing `chalicelib.flows` for one flow must not import the others: the roles follow
    each handler's imports (tests/jobs/test_policy.py)."""
    assert imports_of(package) == frozenset()


def test_the_meta_tests_see_a_planted_upward_import() -> None:
    """The checks above, on a graph with one import back up the flow and one cycle."""
    assert WINGS.index(wing("chalicelib.flows.weekly")) > WINGS.index(wing("chalicelib.core.x"))
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) is not None
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of `graph` as the nodes along it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        path.append(name)
        for target in sorted(graph.get(name, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)) is not None:
                return found
        path.pop()
        state[name] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)) is not None:
            return found
    return None
