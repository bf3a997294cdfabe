"""What each handler of app.py imports, read from its source: the chalicelib modules of
app.py's own imports that the handler uses, and those it imports itself when it first runs
(with the app.py helpers it calls). tests/jobs/test_policy.py follows them to the AWS calls
a role must allow; bench/cold_start.py imports them to time a cold start.

The API function (`API_FUNCTION`, the Chalice app object behind API Gateway) runs every
route of app.py: its imports are the union of those of every `@app.route` handler."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app.py"
API_FUNCTION = "portal"  # the function behind API Gateway: handler `app.app`, every route


@dataclass(frozen=True)
class HandlerImports:
    shared: frozenset[str]  # imported by app.py itself (every function loads them)
    own: frozenset[str]  # imported by the handler when it first runs


def handler_imports(function: str, source: Path = APP) -> HandlerImports:
    """`function`: a handler's name in app.py, or `API_FUNCTION` (every route's)."""
    tree = ast.parse(source.read_text(encoding="utf-8"))
    top = _names(node for node in tree.body if isinstance(node, ast.ImportFrom))
    defs = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    if function == API_FUNCTION:
        todo = route_handlers(tree)
        if not todo:
            raise ValueError(f"{source.name} has no @app.route handler")
    elif function in defs:
        todo = [function]
    else:
        raise ValueError(f"{function!r} is not a handler of {source.name}")
    shared: set[str] = set()
    own: set[str] = set()
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        body = list(ast.walk(defs[name]))
        own |= set(_names(node for node in body if isinstance(node, ast.ImportFrom)).values())
        for node in body:
            if isinstance(node, ast.Name) and node.id in top:
                shared.add(top[node.id])
            if isinstance(node, ast.Name) and node.id in defs:
                todo.append(node.id)  # a helper in app.py
    return HandlerImports(frozenset(shared), frozenset(own))


def route_handlers(tree: ast.Module) -> list[str]:
    """The functions of the module decorated `@<app>.route(…)`."""
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any(
            isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr == "route"
            for d in node.decorator_list
        )
    ]


def _names(imports: Iterable[ast.ImportFrom]) -> dict[str, str]:
    """The chalicelib names of `from … import …` statements -> the module each is (a
    submodule imported by name) or belongs to."""
    names: dict[str, str] = {}
    for node in imports:
        module = node.module or ""
        if not module.startswith("chalicelib"):
            continue
        for alias in node.names:
            submodule = f"{module}.{alias.name}"
            names[alias.asname or alias.name] = submodule if _is_module(submodule) else module
    return names


def _is_module(module: str) -> bool:
    base = APP.parent / Path(*module.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()
