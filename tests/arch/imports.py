"""The package's import graph, read from its source (for the layering test and the docs).

``python -m tests.arch.imports`` prints it as a Mermaid diagram;
``python -m tests.arch.imports --write`` puts it into ``docs/development.md``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Mapping
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "mlops_new"
USE_CASES = frozenset({"mlops_new.create", "mlops_new.update", "mlops_new.link", "mlops_new.drift"})
"""One floor: each a user-facing operation; they never import each other."""
BATCH = frozenset({"mlops_new.fleet", "mlops_new.fleet_report", "mlops_new.fleet_render"})
"""Above the use cases: run one of them over many repositories."""


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


def mermaid(edges: dict[str, set[str]]) -> str:
    """The graph without the CLI's internals, as a Mermaid flowchart."""

    def short(name: str) -> str:
        return name.removeprefix("mlops_new.").replace(".", "/") or "mlops_new"

    lines = ["```mermaid", "flowchart TD"]
    for name in sorted(edges):
        if name.startswith("mlops_new.cli.") or name in {"mlops_new", "mlops_new.__main__"}:
            continue
        lines.extend(
            f"    {short(name)} --> {short(target)}"
            for target in sorted(edges[name])
            if target != "mlops_new"
        )
    lines.append("```")
    return "\n".join(lines)


DOC = PACKAGE.parents[1] / "docs" / "development.md"
_START, _END = "<!-- import-graph:start -->\n", "<!-- import-graph:end -->"


def documented() -> str:
    """The graph as ``docs/development.md`` shows it."""
    text = DOC.read_text(encoding="utf-8")
    return text[text.index(_START) + len(_START) : text.index(_END)].strip()


def write_doc() -> None:
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(_START)
    DOC.write_text(f"{head}{_START}{mermaid(graph())}\n{_END}{rest.split(_END)[1]}", "utf-8")


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write_doc()
    else:
        sys.stdout.write(mermaid(graph()) + "\n")
