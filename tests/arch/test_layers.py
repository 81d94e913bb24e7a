"""The floors of docs/development.md, read from the folders (ruff holds the rest)."""

from __future__ import annotations

import ast

import pytest

from tests.arch.imports import (
    ENTRY_POINTS,
    FLOORS,
    INDEPENDENT,
    PACKAGE,
    cycles,
    documented,
    floor,
    floor_table,
    folder,
    graph,
    module_name,
)

_OWN_MAINS = {"mlops_new.__main__", "mlops_new.templates.release"}
"""Entry points with their own ``main``: the console script, the maintainers' release tool."""


def test_the_graph_sees_the_whole_package() -> None:
    edges = graph()
    assert "mlops_new.cli" in edges
    assert "mlops_new.core.git" in edges["mlops_new.ops.create"]
    assert len(edges) > 40


def test_every_module_lives_in_a_floor_folder() -> None:
    """``ls src/mlops_new`` shows the floors: no module beside them but the entry points."""
    loose = sorted(
        path.name for path in PACKAGE.glob("*.py") if module_name(path) not in ENTRY_POINTS
    )
    assert loose == []
    folders = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists()}
    assert folders == set().union(*FLOORS)
    for module in graph():
        floor(module)  # raises for a module outside every floor


def test_no_import_cycles() -> None:
    assert cycles(graph()) == []


def test_cycles_are_found() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _upward(edges: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {
        (name, target)
        for name, targets in edges.items()
        for target in targets
        if target not in ENTRY_POINTS
        and (
            floor(target) > floor(name)
            or (floor(target) == floor(name) and folder(target) != folder(name))
        )
    }


def test_no_package_imports_a_floor_above_it_nor_a_sibling() -> None:
    assert _upward(graph()) == set()


def test_the_floor_rule_catches_an_upward_import() -> None:
    edges = {
        "mlops_new.core.git": {"mlops_new.ops.update"},
        "mlops_new.ops.update": {"mlops_new.standards.model", "mlops_new.core.git"},
    }
    assert _upward(edges) == {
        ("mlops_new.core.git", "mlops_new.ops.update"),
        ("mlops_new.ops.update", "mlops_new.standards.model"),
    }


def _crossing(edges: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {
        (name, target)
        for name, targets in edges.items()
        if folder(name) in INDEPENDENT and name.count(".") > 1
        for target in targets
        if folder(target) == folder(name) and target.count(".") > 1
    }


def test_use_cases_never_import_each_other() -> None:
    assert _crossing(graph()) == set()
    assert _crossing({"mlops_new.ops.update": {"mlops_new.ops.create"}}) == {
        ("mlops_new.ops.update", "mlops_new.ops.create")
    }


@pytest.mark.parametrize("module", ["mlops_new.loose", "mlops_new.nowhere.thing"])
def test_a_module_outside_the_floors_is_refused(module: str) -> None:
    with pytest.raises(KeyError, match="in no floor folder"):
        floor(module)


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


def test_the_documented_floors_are_current() -> None:
    """docs/development.md shows the floors; regenerate: python -m tests.arch.imports --write."""
    assert documented() == floor_table(graph())
