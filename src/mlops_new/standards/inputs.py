"""A repository's inputs, each parsed once and only when a check asks for it.

Nothing here raises on a malformed file: a file that cannot be parsed reads as
absent (``None``) and its parse error is kept in :attr:`Repo.parse_errors`, so
that checks fail or skip with a message instead of crashing.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from mlops_new import git
from mlops_new.answers import ANSWERS_FILE
from mlops_new.config import Policy
from mlops_new.errors import MlopsNewError

if TYPE_CHECKING:
    from mlops_new.standards.model import Currency

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover  (Python 3.10)
    import tomli as tomllib

MAX_TEXT_BYTES = 1_000_000
"""Files larger than this are not scanned for markers or secrets."""
_SKIP_DIRS = frozenset(
    {".git", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache",
     ".pytest_cache", ".tox", ".nox", "dist", "build", "site"}
)  # fmt: skip
_NAME = re.compile(r"^\s*[A-Za-z0-9][A-Za-z0-9._-]*")
_DVC_SECTION = re.compile(r"""^\s*\[\s*'?\s*(?P<name>[^'\]]+?)\s*'?\s*\]\s*$""")

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML has it: ten times faster, for fleet reports."""


class Repo:
    """The repository under check: a folder, ideally a git work tree."""

    def __init__(self, root: Path, policy: Policy | None = None) -> None:
        self.root = root
        self.policy = policy or Policy()
        """The policy in force (the user's settings merged with the project's own file)."""
        self.parse_errors: dict[str, str] = {}
        self._texts: dict[str, str | None] = {}

    # -- files -------------------------------------------------------------

    @cached_property
    def is_git(self) -> bool:
        return self._git_files is not None

    @cached_property
    def _git_listing(self) -> list[tuple[str, str]] | None:
        """``(tag, path)`` of tracked (``H`` ...) and untracked (``?``) files: one git call."""
        if not (self.root / ".git").exists():
            return None
        try:
            proc = git.run(
                "ls-files", "-z", "-t", "--cached", "--others", "--exclude-standard",
                cwd=self.root,
                check=False,
            )  # fmt: skip
        except (OSError, MlopsNewError):
            return None
        if proc.returncode != 0:
            return None
        entries = (os.fsdecode(p) for p in proc.stdout.split(b"\0") if p)
        return [(entry[:1], entry[2:]) for entry in entries]

    @cached_property
    def _git_files(self) -> tuple[str, ...] | None:
        if self._git_listing is None:
            return None
        return tuple(sorted({path for _tag, path in self._git_listing}))

    @cached_property
    def tracked(self) -> tuple[str, ...]:
        """Files git tracks (``git ls-files``); empty outside git."""
        if self._git_listing is None:
            return ()
        return tuple(sorted({path for tag, path in self._git_listing if tag != "?"}))

    @cached_property
    def files(self) -> tuple[str, ...]:
        """Files of the repository: tracked plus untracked-not-ignored (git), else a walk."""
        if self._git_files is not None:
            return tuple(f for f in self._git_files if (self.root / f).is_file())
        found: list[str] = []
        for folder, dirs, names in os.walk(self.root):
            dirs[:] = [d for d in dirs if d not in _SKIP_DIRS]
            rel = Path(folder).relative_to(self.root)
            found += [(rel / name).as_posix() for name in names]
        return tuple(sorted(found))

    @cached_property
    def file_set(self) -> frozenset[str]:
        return frozenset(self.files)

    def has(self, *names: str) -> bool:
        """Whether any of ``names`` is a file of the repository."""
        return any(name in self.file_set or (self.root / name).is_file() for name in names)

    def matching(self, pattern: str) -> list[str]:
        """Files whose path matches the regular expression ``pattern`` (from the start)."""
        compiled = re.compile(pattern)
        return [f for f in self.files if compiled.match(f)]

    def text(self, name: str) -> str | None:
        """The file's text (``None`` when absent, binary, or too large to scan)."""
        return self._texts[name] if name in self._texts else self._read(name)

    def _read(self, name: str) -> str | None:
        path = self.root / name
        text: str | None = None
        try:
            if path.is_file() and path.stat().st_size <= MAX_TEXT_BYTES:
                data = path.read_bytes()
                if b"\0" not in data[:8192]:
                    text = data.decode("utf-8", errors="replace")
        except OSError:
            text = None
        self._texts[name] = text
        return text

    def text_files(self) -> Iterator[tuple[str, str]]:
        """``(path, text)`` of every scannable text file of the repository."""
        for name in self.files:
            text = self.text(name)
            if text is not None:
                yield name, text

    @cached_property
    def python_files(self) -> tuple[str, ...]:
        return tuple(f for f in self.files if f.endswith(".py"))

    # -- parsed inputs -----------------------------------------------------

    @cached_property
    def pyproject(self) -> dict[str, Any] | None:
        text = self.text("pyproject.toml")
        if text is None:
            return None
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            self.parse_errors["pyproject.toml"] = str(exc)
            return None

    def tool(self, name: str) -> dict[str, Any] | None:
        """``[tool.NAME]`` of pyproject.toml."""
        table = (self.pyproject or {}).get("tool", {}).get(name)
        return table if isinstance(table, dict) else None

    def _yaml(self, name: str) -> Any:
        text = self.text(name)
        if text is None:
            return None
        try:
            return yaml.load(text, Loader=_LOADER)  # noqa: S506  (a safe loader, in C when built)
        except yaml.YAMLError as exc:
            self.parse_errors[name] = str(exc).splitlines()[0]
            return None

    @cached_property
    def github_workflows(self) -> dict[str, dict[str, Any]]:
        """Parsed ``.github/workflows/*.yml`` by path (unparsable ones left out)."""
        found = self.matching(r"\.github/workflows/[^/]+\.ya?ml$")
        parsed = {name: self._yaml(name) for name in found}
        return {name: data for name, data in parsed.items() if isinstance(data, dict)}

    @cached_property
    def gitlab_ci(self) -> dict[str, Any] | None:
        data = self._yaml(".gitlab-ci.yml")
        return data if isinstance(data, dict) else None

    @cached_property
    def ci_files(self) -> list[str]:
        """Every CI definition file present (parsable or not)."""
        return [
            *self.matching(r"\.github/workflows/[^/]+\.ya?ml$"),
            *self.matching(r"\.gitlab-ci\.yml$"),
        ]

    @cached_property
    def ci_commands(self) -> list[str]:
        """Every shell command of every CI job (GitHub ``run``, GitLab ``script``)."""
        commands: list[str] = []
        for workflow in self.github_workflows.values():
            for job in mapping(workflow.get("jobs")).values():
                commands += [str(s["run"]) for s in steps(job) if "run" in s]
        for job in mapping(self.gitlab_ci).values():
            if isinstance(job, dict):
                for key in ("before_script", "script", "after_script"):
                    commands += _strings(job.get(key))
        return commands

    @cached_property
    def dvc_yaml(self) -> dict[str, Any] | None:
        data = self._yaml("dvc.yaml")
        return data if isinstance(data, dict) else None

    @cached_property
    def dvc_config(self) -> dict[str, dict[str, str]]:
        """``.dvc/config`` as ``{section: {key: value}}``, sections as DVC writes them."""
        sections: dict[str, dict[str, str]] = {}
        current: dict[str, str] | None = None
        for line in (self.text(".dvc/config") or "").splitlines():
            match = _DVC_SECTION.match(line)
            if match:
                name = " ".join(match["name"].replace('"', " ").split())
                current = sections.setdefault(name, {})
            elif current is not None and "=" in line and not line.lstrip().startswith(("#", ";")):
                key, _, value = line.partition("=")
                current[key.strip()] = value.strip()
        return sections

    @cached_property
    def dockerfile(self) -> list[tuple[str, str]]:
        """Instructions of ``Dockerfile`` as ``(INSTRUCTION, arguments)``, lines joined."""
        instructions: list[tuple[str, str]] = []
        pending = ""
        for raw in (self.text("Dockerfile") or "").splitlines():
            line = raw.strip()
            if not pending and (not line or line.startswith("#")):
                continue
            if line.startswith("#"):
                continue
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            full = (pending + line).strip()
            pending = ""
            if full:
                word, _, args = full.partition(" ")
                instructions.append((word.upper(), args.strip()))
        return instructions

    @cached_property
    def answers(self) -> dict[str, Any] | None:
        """The copier answers file, when present and a mapping."""
        data = self._yaml(ANSWERS_FILE)
        return data if isinstance(data, dict) else None

    @property
    def generated(self) -> bool:
        """Whether the repository comes from a template (answers name a source and version)."""
        return bool(self.answers and self.answers.get("_src_path") and self.answers.get("_commit"))

    def answer(self, key: str) -> Any:
        return (self.answers or {}).get(key)

    @cached_property
    def dependencies(self) -> frozenset[str]:
        """Normalised names of every dependency in pyproject.toml (all groups and extras)."""
        data = self.pyproject or {}
        project = mapping(data.get("project"))
        specs: list[str] = _strings(project.get("dependencies"))
        for group in (*mapping(project.get("optional-dependencies")).values(),
                      *mapping(data.get("dependency-groups")).values()):  # fmt: skip
            specs += _strings(group)
        return frozenset(
            match[0].lower().replace("_", "-") for spec in specs if (match := _NAME.match(spec))
        )

    @cached_property
    def currency(self) -> Currency | None:
        """The template version against the newest available (generated projects only)."""
        from mlops_new.standards.template import read_currency  # noqa: PLC0415  (circular)

        return read_currency(self)

    @cached_property
    def uses_mlflow(self) -> bool:
        if self.answer("tracking") is not None:
            return bool(self.answer("tracking") == "mlflow")
        if "mlflow" in self.dependencies:
            return True
        pattern = re.compile(r"^\s*(import mlflow|from mlflow)", re.MULTILINE)
        return any(pattern.search(self.text(f) or "") for f in self.python_files)


def mapping(value: Any) -> dict[str, Any]:
    """``value`` if it is a mapping, else ``{}``."""
    return value if isinstance(value, dict) else {}


def steps(job: Any) -> list[dict[str, Any]]:
    """The steps of a GitHub job that are mappings."""
    found = job.get("steps") if isinstance(job, dict) else None
    return [s for s in found if isinstance(s, dict)] if isinstance(found, list) else []


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, (str, int, float))]
    return []
