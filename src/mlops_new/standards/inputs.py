"""A repository's inputs, each parsed once and only when a check asks for it.

Nothing here raises on a malformed or hostile file: a file that cannot be
parsed (not TOML/YAML, too large, a YAML alias bomb, too deep) reads as absent
(``None``) and its error is kept in :attr:`Repo.parse_errors`, so that checks
fail or skip with a message instead of crashing.  Nothing of the repository
runs: git goes through the hardened runner, symlinks are never followed into
folders, and every file is read with a size limit.
"""

from __future__ import annotations

import bisect
import contextlib
import os
import re
import sys
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple

from mlops_new.inputs.answers import ANSWERS_FILE
from mlops_new.inputs.settings import Policy
from mlops_new.project.facts import dependency_names, mapping, strings
from mlops_new.standards import scan
from mlops_new.standards.reading import (
    MAX_TEXT_BYTES,
    OTHER_CI,
    gitlab_includes,
    is_fixture,
    jenkins_commands,
    parse_dockerfile,
    parse_toml,
    parse_yaml,
    read,
    regular,
    steps,
    templated,
    walk,
    yaml_commands,
)

LARGE_FILE_BYTES = 10 * 1024 * 1024
"""Files over this size do not belong in git (GEN006)."""
LARGE_REPOSITORY = 2000
"""Files past which the index's sizes (one git process) beat a ``stat`` per file.
``git grep`` always beats reading the files in Python (4 ms against 10 ms on a
generated project), and runs alongside the listing."""
_DVC_SECTION = re.compile(r"""^\s*\[\s*'?\s*(?P<name>[^'\]]+?)\s*'?\s*\]\s*$""")
_WORKFLOW = re.compile(r"\.github/workflows/[^/]+\.ya?ml$")
_ACTION = re.compile(r"(^|.*/)\.github/actions/(.+/)?action\.ya?ml$")
_DOCKERFILE = re.compile(
    r"(^|/)((Dockerfile|Containerfile|dockerfile)[^/]*|[^/]+\.([Dd]ockerfile|[Cc]ontainerfile))$"
)
"""Image build files by name: ``Dockerfile``, ``Dockerfile.gpu``, ``Dockerfile-uv``,
``train.Dockerfile``, ``Containerfile``."""
_NOT_DOCKERFILE = (".dockerignore", ".containerignore", ".md", ".rst", ".txt", ".sh", ".py",
                   ".yml", ".yaml", ".json", ".toml", ".lock")  # fmt: skip
_TEST_DATA = re.compile(r"(^|/)(fixtures?|__fixtures__|__snapshots__|testdata|test_data|corpus)/")
"""Folders of test data: a Dockerfile there is a sample, not an image of the project (a
Dockerfile under ``tests/`` builds an image the tests run, and counts)."""


class _Listing(NamedTuple):
    """``git ls-files -t``: tracked (``H``, ``S``...), deleted (``R``), untracked (``?``) files
    (the changed files' ``C`` entries repeat tracked ones: the scan reads them)."""

    tracked: list[str]
    deleted: list[str]
    untracked: list[str]

    @classmethod
    def parse(cls, text: str) -> _Listing:
        entries = text.split("\0")
        if entries[-1] == "":  # after the last NUL
            entries.pop()
        marks = ("? ", "R ", "C ")
        if not text.startswith(marks) and not any(f"\0{mark}" in text for mark in marks):
            return cls([entry[2:] for entry in entries], [], [])  # the common case: all tracked
        found = cls([], [], [])
        for entry in entries:
            tag = entry[:1]
            if tag == "C":
                continue
            (
                found.deleted if tag == "R" else found.untracked if tag == "?" else found.tracked
            ).append(entry[2:])
        return found


class Repo:
    """The repository under check: a folder, ideally a git work tree (or a folder in one)."""

    def __init__(self, root: Path, policy: Policy | None = None, *, cache: bool = True) -> None:
        self.root = root
        self.cache = cache
        """Whether the scan may use and keep its cache (:mod:`~mlops_new.standards.scancache`)."""
        self.policy = policy or Policy()
        """The policy in force (the user's settings merged with the project's own file)."""
        self.parse_errors: dict[str, str] = {}
        self._large: scan.Background[dict[str, int] | None] | None = None
        self._texts: dict[str, str | None] = {}
        self._grep: scan.Background[dict[str, list[scan.Hit]] | None] | None = None
        self._any_templated = True

    # -- where we are --------------------------------------------------------

    @cached_property
    def top(self) -> Path | None:
        """The git work tree holding the folder (``None`` outside git)."""
        for folder in (self.root, *self.root.parents):
            if (folder / ".git").exists():
                return folder
        return None

    @cached_property
    def prefix(self) -> str:
        """The folder's path inside its repository (``""`` at the root or outside git)."""
        if self.top is None or self.top == self.root:
            return ""
        return self.root.relative_to(self.top).as_posix()

    def rel(self, name: str) -> str:
        """``name`` (relative to the checked folder) relative to the repository's root."""
        return os.path.normpath(f"{self.prefix}/{name}") if self.prefix else name

    # -- files ---------------------------------------------------------------

    @cached_property
    def is_git(self) -> bool:
        return self._git_listing is not None

    @cached_property
    def _git_listing(self) -> _Listing | None:
        """Tracked, deleted and untracked-not-ignored files, from one git call.

        `git grep` (the slowest input of a large repository) and the blob sizes
        run alongside it.
        """
        if self.top is None:
            return None
        listed, self._grep = scan.start(self.root, cache=self.cache)  # or started earlier
        output = listed.result()
        if output is None:
            return None
        text = output.decode(sys.getfilesystemencoding(), "surrogateescape")  # one decode
        listing = _Listing.parse(text)
        self._any_templated = any(mark in text for mark in ("{{", "{%", ".jinja", ".j2"))
        if len(listing.tracked) > LARGE_REPOSITORY:
            root = self.root
            self._large = scan.Background(lambda: scan.index_sizes(root, LARGE_FILE_BYTES + 1))
        return listing

    @cached_property
    def tracked(self) -> tuple[str, ...]:
        """Files git tracks (``git ls-files``); empty outside git."""
        if self._git_listing is None:
            return ()
        # git lists in order: dict keys (not a set) keep it, so the sort has nothing to do
        return tuple(sorted(dict.fromkeys(self._untemplated(self._git_listing.tracked))))

    @cached_property
    def files(self) -> tuple[str, ...]:
        """Files of the repository: tracked plus untracked-not-ignored (git), else a walk.

        Taken from git's listing without a ``stat`` each (a large repository has
        tens of thousands): files deleted in the working tree are left out, and
        symbolic links are listed but never read (see :func:`read`).
        """
        listing = self._git_listing
        if listing is None:
            return tuple(sorted(f for f in walk(self.root) if not templated(f)))
        names = dict.fromkeys(self._untemplated(listing.tracked))
        names.update(dict.fromkeys(self._untemplated(listing.untracked)))
        for name in listing.deleted:
            names.pop(name, None)
        return tuple(sorted(p for p in names if p[-1:] != "/"))

    def _untemplated(self, names: Iterable[str]) -> Iterable[str]:
        """``names`` less template content (most listings have none: one look tells)."""
        if not self._any_templated:
            return names
        return (p for p in names if not templated(p))

    @cached_property
    def large_files(self) -> tuple[str, ...]:
        """Tracked files over :data:`LARGE_FILE_BYTES` (git's index sizes; git only)."""
        if not self.is_git:
            return ()
        if self._large is not None:
            sizes = self._large.result() or {}
            return tuple(name for name in self.tracked if name in sizes)
        base = os.fspath(self.root) + os.sep
        found = []
        for name in self.tracked:
            with contextlib.suppress(OSError):
                if os.lstat(base + name).st_size > LARGE_FILE_BYTES:
                    found.append(name)
        return tuple(found)

    @cached_property
    def file_set(self) -> frozenset[str]:
        return frozenset(self.files)

    def has(self, *names: str) -> bool:
        """Whether any of ``names`` is a file of the repository (git-ignored files are not)."""
        return any(name in self.file_set for name in names)

    def has_up(self, *names: str) -> str:
        """The first of ``names`` in the folder, or (in a monorepo) in a folder above it.

        Returns the path relative to the checked folder (``../../LICENSE``), or ``""``.
        """
        if found := self.first(*names):
            return found
        if self.top is None or not self.prefix:
            return ""
        for depth in range(1, self.prefix.count("/") + 2):
            for name in names:
                candidate = "../" * depth + name
                if regular(self.root / candidate):
                    return candidate
        return ""

    def first(self, *names: str) -> str:
        """The first of ``names`` that is a file of the repository, else ``""``."""
        return next((name for name in names if name in self.file_set), "")

    def starting(self, *prefixes: str) -> bool:
        """Whether a file's path starts with one of ``prefixes`` (a binary search each)."""
        files = self.files
        for prefix in prefixes:
            index = bisect.bisect_left(files, prefix)
            if index < len(files) and files[index].startswith(prefix):
                return True
        return False

    def matching(self, pattern: str, hint: str = "") -> list[str]:
        """Files whose path matches the regular expression ``pattern`` (from the start).

        ``hint``, a string every match contains, skips the regular expression for
        the other files (a large repository has tens of thousands).
        """
        compiled = re.compile(pattern)
        return [f for f in self.files if hint in f and compiled.match(f)]

    @cached_property
    def by_basename(self) -> dict[str, list[str]]:
        """Files by their last path component (tool config files may live in any folder)."""
        found: dict[str, list[str]] = {}
        for name in self.files:
            found.setdefault(name.rpartition("/")[2], []).append(name)
        return found

    def text(self, name: str) -> str | None:
        """The file's text (``None`` when absent, not a regular file, binary or too large)."""
        if name not in self._texts:
            self._texts[name] = read(self.root / name)
        return self._texts[name]

    def line_of(self, name: str, pattern: str) -> int:
        """The first line of ``name`` matching the regular expression ``pattern`` (else 0)."""
        compiled = re.compile(pattern)
        for number, line in enumerate((self.text(name) or "").splitlines(), 1):
            if compiled.search(line):
                return number
        return 0

    @cached_property
    def python_files(self) -> tuple[str, ...]:
        return tuple(f for f in self.files if f.endswith(".py"))

    @cached_property
    def hits(self) -> dict[str, list[scan.Hit]]:
        """Conflict markers, private keys, tokens and MLflow calls, by kind (one pass)."""
        found = self._grep.result() if self.is_git and self._grep is not None else None
        untracked = self._git_listing.untracked if self._git_listing is not None else []
        if found is not None and untracked:
            more = scan.git_grep(self.root, untracked)
            if more is not None and len(untracked) > scan.MANY_UNTRACKED:
                found = more  # one search of everything
            elif more is not None:
                for kind, hits in more.items():  # in path order, as one search gives them
                    merged = found.setdefault(kind, [])
                    merged.extend(hits)
                    merged.sort(key=lambda hit: hit.path)
            else:
                found = None
        if found is None:
            found = scan.python_scan(self.files, self.text)
        return {
            kind: [hit for hit in hits if not templated(hit.path)] for kind, hits in found.items()
        }

    # -- parsed inputs -------------------------------------------------------

    @cached_property
    def pyproject_name(self) -> str:
        """``pyproject.toml``, or the one of the sub-folder holding all the Python code."""
        if "pyproject.toml" in self.file_set:
            return "pyproject.toml"
        nested = [
            f for f in self.files
            if f.endswith("/pyproject.toml") and f.count("/") == 1 and not is_fixture(f)
        ]  # fmt: skip
        if len(nested) == 1:
            folder = nested[0].removesuffix("pyproject.toml")
            if self.python_files and all(f.startswith(folder) for f in self.python_files):
                return nested[0]
        return "pyproject.toml"

    @property
    def project_dir(self) -> str:
        """The folder of :attr:`pyproject_name` (``""`` or ``"python/"``)."""
        return self.pyproject_name.removesuffix("pyproject.toml")

    @cached_property
    def pyproject(self) -> dict[str, Any] | None:
        return self.toml(self.pyproject_name)

    def toml(self, name: str) -> dict[str, Any] | None:
        text = self.text(name)
        if text is None:
            return None
        data, error = parse_toml(text)
        if error:
            self.parse_errors[name] = error
        return data

    def tool(self, name: str) -> dict[str, Any] | None:
        """``[tool.NAME]`` of pyproject.toml."""
        table = mapping(mapping(self.pyproject).get("tool")).get(name)
        return table if isinstance(table, dict) else None

    def yaml(self, name: str) -> Any:
        """The parsed YAML file (``None`` when absent or refused; the reason kept)."""
        text = self.text(name)
        if text is None:
            return None
        data, error = parse_yaml(text)
        if error:
            self.parse_errors[name] = error.replace("'<text>'", f"'{name}'")
        return data

    def ini_sections(self, name: str) -> dict[str, str]:
        """``{section: body}`` of an INI file (setup.cfg, tox.ini), without parsing values."""
        sections: dict[str, str] = {}
        current = ""
        for line in (self.text(name) or "").splitlines():
            header = re.match(r"^\[([^\]]+)\]\s*$", line)
            if header:
                current = header[1].strip()
                sections.setdefault(current, "")
            elif current:
                sections[current] += line + "\n"
        return sections

    @cached_property
    def github_workflows(self) -> dict[str, dict[str, Any]]:
        """Parsed workflows by path (unparsable ones left out); in a monorepo, the root's."""
        parsed = {name: self.yaml(name) for name in self.workflow_files}
        return {name: data for name, data in parsed.items() if isinstance(data, dict)}

    @cached_property
    def workflow_files(self) -> list[str]:
        own = [f for f in self.files if f.startswith(".github/") and _WORKFLOW.match(f)]
        if own or not self.prefix or self.top is None:
            return own
        folder = self.top / ".github" / "workflows"
        try:
            names = sorted(e.name for e in os.scandir(folder) if e.is_file(follow_symlinks=False))
        except OSError:
            return []
        up = os.path.relpath(folder, self.root)
        return [f"{up}/{n}" for n in names if n.endswith((".yml", ".yaml"))]

    @cached_property
    def composite_actions(self) -> dict[str, dict[str, Any]]:
        """Local actions (``.github/actions/**/action.yml``) by path."""
        names = [
            f for f in self.files
            if ".github/" in f and _ACTION.match(f) and not is_fixture(f.partition(".github/")[0])
        ]  # fmt: skip
        parsed = {name: self.yaml(name) for name in names}
        return {name: data for name, data in parsed.items() if isinstance(data, dict)}

    @cached_property
    def gitlab_ci(self) -> dict[str, Any] | None:
        """``.gitlab-ci.yml`` with the jobs of its ``include: local:`` files merged in."""
        data = self.yaml(".gitlab-ci.yml")
        if not isinstance(data, dict):
            return None
        merged = dict(data)
        for include in gitlab_includes(data):
            local = include.get("local")
            if isinstance(local, str) and "*" not in local:
                extra = self.yaml(local.lstrip("/"))
                merged.update({k: v for k, v in mapping(extra).items() if k not in merged})
        return merged

    @cached_property
    def other_ci_files(self) -> list[str]:
        """CI files of Jenkins, CircleCI, Azure Pipelines, Travis, Buildkite, Bitbucket,
        Drone, Woodpecker, Prow, Cloud Build and Cirrus (present, parsable or not)."""
        return [f for f in self.files if OTHER_CI.match(f) and not is_fixture(f)]

    @cached_property
    def other_ci(self) -> dict[str, list[str]]:
        """The shell commands of each readable CI file of another system, by path."""
        found: dict[str, list[str]] = {}
        for name in self.other_ci_files:
            if "Jenkinsfile" in name:
                text = self.text(name)
                if text is not None:
                    found[name] = jenkins_commands(text)
                continue
            data = self.yaml(name)
            if isinstance(data, (dict, list)):
                found[name] = yaml_commands(data)
        return found

    @cached_property
    def ci_files(self) -> list[str]:
        """Every CI definition file present (parsable or not)."""
        gitlab = self.matching(r"\.gitlab-ci\.yml$", ".gitlab-ci")
        return [*self.workflow_files, *gitlab, *self.other_ci_files]

    @cached_property
    def ci_commands(self) -> list[str]:
        """Every shell command of every CI job (GitHub ``run``, local actions, GitLab scripts)."""
        commands: list[str] = []
        for workflow in self.github_workflows.values():
            for job in mapping(workflow.get("jobs")).values():
                commands += [str(s["run"]) for s in steps(job) if "run" in s]
        for action in self.composite_actions.values():
            runs = mapping(action.get("runs"))
            commands += [str(s["run"]) for s in steps(runs) if "run" in s]
        for job in mapping(self.gitlab_ci).values():
            if isinstance(job, dict):
                for key in ("before_script", "script", "after_script"):
                    commands += strings(job.get(key))
        for found in self.other_ci.values():
            commands += found
        return commands

    @cached_property
    def dvc_yaml(self) -> dict[str, Any] | None:
        data = self.yaml("dvc.yaml")
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
    def dockerfiles(self) -> dict[str, list[tuple[str, str, int]]]:
        """Every image build file (not dev containers or test data) as its instructions."""
        names = [
            f for f in self.files
            if ("ockerfile" in f or "ontainerfile" in f)
            and _DOCKERFILE.search(f)
            and not f.endswith(_NOT_DOCKERFILE)
            and "/.devcontainer/" not in f"/{f}"
            and not _TEST_DATA.search(f)
        ]  # fmt: skip
        return {name: parse_dockerfile(self.text(name) or "") for name in names}

    @cached_property
    def answers(self) -> dict[str, Any] | None:
        """The copier answers file, when present and a mapping."""
        data = self.yaml(ANSWERS_FILE)
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
        return dependency_names(mapping(self.pyproject))

    @cached_property
    def uses_mlflow(self) -> bool:
        if self.answer("tracking") is not None:
            return bool(self.answer("tracking") == "mlflow")
        if "mlflow" in self.dependencies:
            return True
        return any(not is_fixture(hit.path) for hit in self.hits.get("mlflow_import", []))


__all__ = [
    "MAX_TEXT_BYTES",
    "Repo",
    "gitlab_includes",
    "is_fixture",
    "mapping",
    "parse_dockerfile",
    "steps",
]
