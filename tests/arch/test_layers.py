"""The layers of docs/development.md, held by a test (ruff's banned imports hold the rest)."""

from __future__ import annotations

import ast

from tests.arch.imports import (
    BATCH,
    PACKAGE,
    USE_CASES,
    cycles,
    documented,
    graph,
    mermaid,
    module_name,
)

_OWN_MAINS = {"mlops_new.__main__", "mlops_new._release"}
"""Entry points with their own ``main``: the console script, the maintainers' release tool."""


def test_the_graph_sees_the_whole_package() -> None:
    edges = graph()
    assert "mlops_new.cli" in edges
    assert "mlops_new.git" in edges["mlops_new.create"]
    assert len(edges) > 30


def test_no_import_cycles() -> None:
    assert cycles(graph()) == []


def test_cycles_are_found() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_use_cases_never_import_each_other() -> None:
    edges = graph()
    crossing = {(name, target) for name in USE_CASES for target in edges[name] & USE_CASES}
    assert crossing == set()


def test_nothing_below_the_cli_imports_it_nor_the_batch_floor() -> None:
    edges = graph()
    upward = {
        (name, target)
        for name, targets in edges.items()
        if not name.startswith("mlops_new.cli") and name != "mlops_new.__main__"
        for target in targets
        if target.startswith("mlops_new.cli")
        or (target in BATCH and name not in BATCH)
        or (target in USE_CASES and name not in BATCH | USE_CASES)
    }
    assert upward == set()


def test_the_core_never_writes_to_the_terminal() -> None:
    """Only ``cli/`` prints: no print(), sys.stdout/sys.stderr or input() in the core."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        if name.startswith("mlops_new.cli") or name in _OWN_MAINS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if _writes(node):
                offenders.append(f"{name}:{getattr(node, 'lineno', 0)}")
    assert offenders == []


def _writes(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute) and node.attr in {"stdout", "stderr"}:
        return isinstance(node.value, ast.Name) and node.value.id == "sys"
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in {"print", "input", "breakpoint"}
    )


def test_the_documented_import_graph_is_current() -> None:
    """docs/development.md shows the graph; regenerate: python -m tests.arch.imports --write."""
    assert documented() == mermaid(graph())
