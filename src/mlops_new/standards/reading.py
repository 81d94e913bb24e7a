"""Reading other people's files, bounded: listing, text, YAML/TOML, Dockerfiles, CI shapes.

The low floor of :mod:`mlops_new.standards.inputs`: plain functions that never
raise on a hostile or malformed file, never follow a symlink into a folder,
and read at most :data:`MAX_TEXT_BYTES` of anything.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from mlops_new.core.bounded import InputError, load_toml, load_yaml
from mlops_new.project.facts import strings

MAX_TEXT_BYTES = 1_000_000
"""Files larger than this are not read (nor scanned for markers or secrets)."""
MAX_WALK_DEPTH = 64
"""Deepest folder read outside git (a 1,200-level tree is not walked to its end)."""
_SKIP_DIRS = frozenset(
    {".git", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache",
     ".pytest_cache", ".tox", ".nox", "dist", "build", "site"}
)  # fmt: skip
_FIXTURE = re.compile(
    r"(^|/)(tests?|testing|testdata|test_data|fixtures?|__fixtures__|__snapshots__|spec)/"
    r"|(^|/)(conftest\.py|test_[^/]*|[^/]*_test\.py)$"
)
"""Paths of tests and test fixtures: fake keys and conflict markers there are data."""


OTHER_CI = re.compile(
    r"((.*/)?Jenkinsfile[^/]*|\.circleci/config\.ya?ml|\.?azure-pipelines[^/]*\.ya?ml"
    r"|\.azure-pipelines/.+\.ya?ml|\.azure/pipelines/.+\.ya?ml|\.travis\.ya?ml"
    r"|\.buildkite/[^/]+\.ya?ml|bitbucket-pipelines\.ya?ml|\.drone\.ya?ml|\.woodpecker\.ya?ml"
    r"|\.woodpecker/[^/]+\.ya?ml|\.prow\.ya?ml|\.prow/[^/]+\.ya?ml|cloudbuild\.ya?ml"
    r"|\.cirrus\.ya?ml)$"
)
"""CI systems beyond GitHub Actions and GitLab, by their conventional file names."""
_JENKINS_STEP = re.compile(
    r"\b(?:sh|bat|powershell|pwsh)\b\s*\(?\s*(?:script\s*:\s*)?(\"\"\"|'\'\'|\"|')"
)
"""The start of a Jenkins shell step and its opening quote (the script runs to the next one)."""
MAX_JENKINS_STEPS = 1000
_COMMAND_KEYS = frozenset(
    {"run", "command", "commands", "script", "scripts", "bash", "pwsh", "powershell",
     "before_script", "after_script", "install", "before_install", "args", "entrypoint"}
)  # fmt: skip


def is_fixture(path: str) -> bool:
    """Whether ``path`` belongs to tests or their fixtures."""
    return bool(_FIXTURE.search(path))


@lru_cache(maxsize=256)
def parse_yaml(text: str) -> tuple[Any, str]:
    """``(data, "")`` or ``(None, error)``; cached by content.

    The files of a fleet's repositories are often identical (rendered from one
    template): each distinct text is parsed once per process. Callers never
    mutate what they get.
    """
    try:
        return load_yaml(text, "<text>"), ""
    except InputError as exc:
        return None, exc.message


@lru_cache(maxsize=256)
def parse_toml(text: str) -> tuple[dict[str, Any] | None, str]:
    """Like :func:`parse_yaml`, for TOML."""
    try:
        return load_toml(text, "<text>"), ""
    except InputError as exc:
        return None, exc.message


def parse_dockerfile(text: str) -> list[tuple[str, str, int]]:
    """``(INSTRUCTION, arguments, line)`` of a Dockerfile, continuation lines joined."""
    instructions: list[tuple[str, str, int]] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("#") or (not pending and not line):
            continue
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full, pending = (pending + line).strip(), ""
        if full:
            word, *rest = full.split(None, 1)  # `FROM\timage` is an instruction too
            instructions.append((word.upper(), rest[0].strip() if rest else "", start))
    return instructions


def gitlab_includes(data: dict[str, Any]) -> list[dict[str, Any]]:
    """``include:`` entries of a GitLab CI file as mappings (a string: ``local``/``remote``)."""
    raw = data.get("include")
    entries = raw if isinstance(raw, list) else [raw] if raw is not None else []
    found: list[dict[str, Any]] = []
    for entry in entries:
        if isinstance(entry, str):
            found.append({"remote" if "://" in entry else "local": entry})
        elif isinstance(entry, dict):
            found.append(entry)
    return found


def yaml_commands(data: Any) -> list[str]:
    """Every command of a CI file of any system: the strings under the keys CI systems use
    for shell (``run``, ``script``, ``commands``, ``command``+``args``), found at any depth."""
    commands: list[str] = []
    todo: list[Any] = [data]
    while todo and len(commands) < 10_000:
        node = todo.pop()
        if isinstance(node, list):
            todo += node
        elif isinstance(node, dict):
            for key, value in node.items():
                if key in _COMMAND_KEYS and isinstance(value, str):
                    commands.append(value)
                elif key in _COMMAND_KEYS and isinstance(value, list):
                    words = strings(value)
                    commands += [" ".join(words)] if key in {"command", "args"} else words
                todo.append(value)
    return commands


def jenkins_commands(text: str) -> list[str]:
    """The scripts of a Jenkinsfile's ``sh``/``bat``/``powershell`` steps (the first
    :data:`MAX_JENKINS_STEPS`; each closing quote found with one ``str.find``)."""
    scripts: list[str] = []
    position = 0
    while len(scripts) < MAX_JENKINS_STEPS:
        match = _JENKINS_STEP.search(text, position)
        if match is None:
            break
        end = text.find(match[1], match.end())
        if end < 0:
            break
        scripts.append(text[match.end() : end])
        position = end + len(match[1])
    return scripts


def steps(job: Any) -> list[dict[str, Any]]:
    """The steps of a GitHub job (or composite action's ``runs``) that are mappings."""
    found = job.get("steps") if isinstance(job, dict) else None
    return [s for s in found if isinstance(s, dict)] if isinstance(found, list) else []


def templated(path: str) -> bool:
    """A file of template content (``{{ cookiecutter.name }}/...``, ``*.jinja``): not the
    repository's own configuration, secrets or code."""
    return "{{" in path or "{%" in path or path.endswith((".jinja", ".j2"))


def regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except (OSError, ValueError):  # ValueError: a NUL in a name taken from a file
        return False


def read(path: Path) -> str | None:
    """A regular file's text (never a symbolic link, device or FIFO), bounded."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except (OSError, ValueError):  # ValueError: a NUL in a name taken from a file
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_TEXT_BYTES:
            return None  # a folder, device or FIFO (opened, never read), or too large
        data = os.read(fd, MAX_TEXT_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(data) > MAX_TEXT_BYTES or b"\0" in data[:8192]:
        return None
    return data.decode("utf-8", errors="replace")


def walk(root: Path) -> Iterator[str]:
    """Regular files under ``root`` (relative), without following symlinks, depth-bounded."""
    stack: list[tuple[Path, int]] = [(root, 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in _SKIP_DIRS and depth < MAX_WALK_DEPTH:
                    stack.append((Path(entry.path), depth + 1))
            elif entry.is_file(follow_symlinks=False):
                yield Path(entry.path).relative_to(root).as_posix()
