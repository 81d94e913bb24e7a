"""The package's import graph and its floors, read from its source (layering test, docs).

``python -m tests.arch.imports`` prints the floors as a Markdown table;
``python -m tests.arch.imports --write`` puts it into ``docs/development.md``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Mapping
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "mlops_new"
FLOORS: tuple[frozenset[str], ...] = (
    frozenset({"core"}),
    frozenset({"inputs"}),
    frozenset({"templates"}),
    frozenset({"project"}),
    frozenset({"engine"}),
    frozenset({"ops", "standards"}),
    frozenset({"fleet"}),
    frozenset({"cli"}),
)
"""The package's folders, bottom to top: a module imports only its own floor or lower ones.

``ops`` (the use cases) and ``standards`` (``check``) share a floor and never import each
other; inside ``ops`` the use cases never import each other either.
"""
ENTRY_POINTS = frozenset({"mlops_new", "mlops_new.__main__"})
"""The package itself (its version) and the console script: above every floor."""
INDEPENDENT = frozenset({"ops"})
"""Folders whose modules never import each other (each is one use case)."""


def folder(module: str) -> str:
    """The floor folder of a module: ``mlops_new.ops.update`` -> ``ops``."""
    return "" if module in ENTRY_POINTS else module.split(".")[1]


def floor(module: str) -> int:
    """The index of a module's floor in :data:`FLOORS` (entry points: above them all)."""
    if module in ENTRY_POINTS:
        return len(FLOORS)
    name = folder(module)
    for index, folders in enumerate(FLOORS):
        if name in folders:
            return index
    raise KeyError(
        f"{module} is in no floor folder: put it in one of {sorted(set().union(*FLOORS))}"
    )


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports (lazy, in-function imports too)."""
    modules = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            edges[name].update(_targets(node, name, path, modules) - {name})
    return edges


def _targets(node: ast.AST, name: str, path: Path, modules: Mapping[str, Path]) -> set[str]:
    """The package modules an import statement loads (``from pkg import mod``: ``pkg.mod``)."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names} & modules.keys()
    if not isinstance(node, ast.ImportFrom):
        return set()
    base = node.module or ""
    if node.level:
        package = name.split(".")
        package = package[: len(package) - node.level + (path.name == "__init__.py")]
        base = ".".join([*package, *([base] if base else [])])
    found = {
        f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
        for alias in node.names
    }
    return found & modules.keys()


def reachable(edges: dict[str, set[str]], start: str) -> set[str]:
    """Every module ``start`` imports, directly or not."""
    seen: set[str] = set()
    pending = list(edges.get(start, ()))
    while pending:
        node = pending.pop()
        if node not in seen:
            seen.add(node)
            pending.extend(edges.get(node, ()))
    return seen


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import one another (directly or not), sorted."""
    reach = {name: reachable(edges, name) for name in edges}
    groups = {
        tuple(sorted({name} | {other for other in reach[name] if name in reach[other]}))
        for name in edges
        if name in reach[name]
    }
    return sorted(list(group) for group in groups)


def floor_table(edges: dict[str, set[str]]) -> str:
    """The floors as docs/development.md shows them: modules and the floors each imports."""
    rows = ["| floor | modules | imports from |", "|---|---|---|"]
    for folders in reversed(FLOORS):
        for name in sorted(folders):
            members = sorted(m for m in edges if m not in ENTRY_POINTS and folder(m) == name)
            below = sorted(
                {folder(t) for m in members for t in edges[m] if t not in ENTRY_POINTS} - {name}
            )
            short = ", ".join(f"`{m.rsplit('.', 1)[-1]}`" for m in members if m.count(".") > 1)
            rows.append(f"| `{name}/` | {short} | {', '.join(f'`{b}/`' for b in below) or '-'} |")
    return "\n".join(rows)


DOC = PACKAGE.parents[1] / "docs" / "development.md"
_START, _END = "<!-- floors:start -->\n", "<!-- floors:end -->"


def documented() -> str:
    """The graph as ``docs/development.md`` shows it."""
    text = DOC.read_text(encoding="utf-8")
    return text[text.index(_START) + len(_START) : text.index(_END)].strip()


def write_doc() -> None:
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(_START)
    DOC.write_text(f"{head}{_START}{floor_table(graph())}\n{_END}{rest.split(_END)[1]}", "utf-8")


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write_doc()
    else:
        sys.stdout.write(floor_table(graph()) + "\n")
