"""The update report as Markdown: ``update --format markdown``, fleet commits and sync PRs.

The one rendering of an :class:`UpdateResult` as text meant for people on a
forge: a commit message, a pull or merge request body, a CI job summary.
Every field a reviewer needs is here, so no caller keeps its own copy.
"""

from __future__ import annotations

import json

from mlops_new.core.results import UpdateResult

_SECTIONS = (
    ("conflicts", "Conflicts (resolve the markers, then `git add`)"),
    ("removed_modified", "Removed by the template although edited here (kept as conflicts)"),
    ("changed", "Changed"),
    ("added", "Added"),
    ("removed", "Removed"),
    ("renamed", "Renamed (your edits followed)"),
    ("skipped", "Template changes skipped (deleted here; `mlops-new restore` brings them back)"),
    ("excluded", "Left alone (`[tool.mlops-new] exclude`, the template's `_skip_if_exists`)"),
    ("ignored", "Git-ignored files merged on disk"),
    ("migrations", "Migrations"),
    ("warnings", "Warnings"),
    ("messages", "From the template"),
)
_PROSE = frozenset({"migrations", "warnings", "messages"})
"""Sections of sentences, not paths: not set in code spans."""


def title(result: UpdateResult) -> str:
    """One line: the commit subject and the pull request title."""
    if result.up_to_date:
        return f"Template v{result.to_version}: up to date"
    return f"Update template v{result.from_version} -> v{result.to_version}"


def markdown(result: UpdateResult) -> str:
    """The body: what changed, what needs a reviewer, the new answers and the changelog."""
    lines: list[str] = []
    for field, heading in _SECTIONS:
        items = _items(result, field)
        if items:
            shown = items if field in _PROSE else tuple(_code(item) for item in items)
            lines += [f"### {heading}", "", *[f"- {item}" for item in shown], ""]
    if result.reconciled:
        lines += ["### Version pins reconciled (both sides bumped them; the higher kept)", ""]
        lines += [
            f"- `{path}`: `{pin}` {kept} (over {dropped})"
            for path, pin, kept, dropped in result.reconciled
        ]
        lines.append("")
    if result.new_answers:
        lines += ["### New questions, answered", ""]
        lines += [f"- `{key}` = `{json.dumps(value)}`" for key, value in result.new_answers.items()]
        lines.append("")
    if result.relocked:
        lines += ["`uv.lock` was refreshed because `pyproject.toml` changed.", ""]
    if result.changelog:
        lines += ["### Template changelog", ""]
        lines += [
            f"- v{note.version}: {note.summary}" if note.summary else f"- v{note.version}"
            for note in result.changelog
        ]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n" if lines else "Nothing changed.\n"


def commit_message(result: UpdateResult) -> str:
    """The subject, a blank line, then :func:`markdown`."""
    return f"{title(result)}\n\n{markdown(result)}"


def _items(result: UpdateResult, field: str) -> tuple[str, ...]:
    if field == "renamed":
        return tuple(f"{old} -> {new}" for old, new in result.renamed)
    value = getattr(result, field)
    return tuple(str(item) for item in value)


def _code(item: str) -> str:
    """A path or note in backticks, with backticks inside made harmless."""
    if " -> " in item and "`" not in item:
        old, new = item.split(" -> ", 1)
        return f"`{old}` -> `{new}`"
    fence = "``" if "`" in item else "`"
    return f"{fence}{item.replace(chr(10), ' ')}{fence}"
