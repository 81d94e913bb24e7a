"""User settings and organisation policy (TOML), read without copier.

The settings file is ``$XDG_CONFIG_HOME/mlops-new/config.toml`` (``~/.config``
when unset); ``MLOPS_NEW_CONFIG`` or ``--config`` name another one::

    [defaults]
    template = "https://git.example.com/acme/ml-template.git"
    # Where generated projects' hook, CI and template sync get mlops-new:
    # a package index (the simple API) or a git URL (default: PyPI).
    mlops_new_source = "https://pypi.acme.example/simple"

    [defaults.answers]
    license = "Proprietary"

    [policy]
    name = "acme-ml"
    required = ["CI", "DVC101", "SEC"]   # ids or families; default: every check
    min_version = "0.3.0"
    max_behind = 2
    unwaivable = ["TPL", "SEC"]          # checks a project may not waive

    [policy.locked]
    ci = "github"

A policy can also travel with an organisation's template: its project folder
ships ``.mlops-new-policy.toml`` (a ``[policy]`` table), which lands in every
generated project and is updated with it.  Both apply; see :meth:`Policy.merged`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mlops_new import __version__
from mlops_new.core import semver
from mlops_new.core.bounded import InputError, read_toml
from mlops_new.core.errors import UnknownVersionError, UserError

CONFIG_ENV = "MLOPS_NEW_CONFIG"
PROJECT_POLICY_FILE = ".mlops-new-policy.toml"
POLICY_KEYS = frozenset({"name", "required", "min_version", "max_behind", "locked", "unwaivable"})
ANSWER_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
TOP_KEYS = frozenset({"defaults", "policy"})
"""The keys each table accepts (``cli/schemas.py`` publishes them as JSON Schemas)."""


class ConfigError(UserError):
    """A settings or policy file is missing, not TOML, or has a wrong shape."""


@dataclass(frozen=True)
class Policy:
    """What an organisation requires of its projects."""

    name: str = ""
    source: str = ""
    """Where the policy came from (a file path), named in messages."""
    required: tuple[str, ...] = ()
    """Check ids or family prefixes whose failure fails ``check``; empty: every check."""
    min_version: str | None = None
    max_behind: int | None = None
    locked: Mapping[str, Any] = field(default_factory=dict)
    unwaivable: tuple[str, ...] = ()
    """Check ids or family prefixes that a project's own waivers cannot switch off."""

    @property
    def label(self) -> str:
        """How messages name the policy: ``policy 'acme-ml' (/etc/acme.toml)``."""
        name = f"policy '{self.name}'" if self.name else "the policy"
        return f"{name} ({self.source})" if self.source else name

    @property
    def empty(self) -> bool:
        return not (
            self.required
            or self.min_version
            or self.max_behind is not None
            or self.locked
            or self.unwaivable
        )

    @property
    def sets_version(self) -> bool:
        """Whether the policy bounds the template version (``min_version``/``max_behind``)."""
        return bool(self.min_version) or self.max_behind is not None

    def forbids_waiver(self, check_id: str) -> bool:
        """Whether a project may not waive ``check_id``."""
        return any(check_id.startswith(item) for item in self.unwaivable)

    def requires(self, check_id: str) -> bool:
        """Whether failing ``check_id`` fails ``check`` (every check when none are listed)."""
        return not self.required or any(check_id.startswith(item) for item in self.required)

    def locked_violations(self, answers: Mapping[str, Any]) -> list[str]:
        """One message per answer that differs from its locked value (missing answers pass)."""
        return [
            f"The answer {key}={answers[key]!r} breaks {self.label}, which locks {key}={value!r}."
            for key, value in self.locked.items()
            if key in answers and not _same(answers[key], value)
        ]

    def refuse_locked(self, answers: Mapping[str, Any]) -> None:
        """Raise a user error naming the policy when an answer changes a locked one."""
        problems = self.locked_violations(answers)
        if problems:
            raise ConfigError(
                problems[0], "Locked answers cannot be changed; ask the policy owner."
            )

    def version_violation(self, project: str, latest: str, behind: int) -> str | None:
        """Why template version ``project`` (``behind`` versions before ``latest``) is too old."""
        if self.min_version and semver.parse(project) < semver.parse(self.min_version):
            return f"v{project} is older than v{self.min_version}, the minimum of {self.label}."
        if self.max_behind is not None and behind > self.max_behind:
            return (
                f"v{project} is {behind} versions behind v{latest}; "
                f"{self.label} allows {self.max_behind}."
            )
        return None

    def merged(self, other: Policy | None) -> Policy:
        """Both policies at once: the union of requirements, the stricter version bound.

        Where both lock the same answer, ``self`` (the user's settings) wins.
        """
        if other is None or other.empty:
            return self
        if self.empty:
            return other
        bounds = [v for v in (self.min_version, other.min_version) if v]
        behinds = [b for b in (self.max_behind, other.max_behind) if b is not None]
        return replace(
            self,
            name=" + ".join(n for n in (self.name, other.name) if n),
            source=" + ".join(s for s in (self.source, other.source) if s),
            required=tuple(dict.fromkeys((*self.required, *other.required)))
            if self.required and other.required
            else (),
            min_version=max(bounds, key=semver.parse) if bounds else None,
            max_behind=min(behinds) if behinds else None,
            locked={**other.locked, **self.locked},
            unwaivable=tuple(dict.fromkeys((*self.unwaivable, *other.unwaivable))),
        )


@dataclass(frozen=True)
class Settings:
    """The user's (or organisation's) settings: defaults for ``create`` and the policy."""

    path: Path | None = None
    template: str | None = None
    answers: Mapping[str, Any] = field(default_factory=dict)
    policy: Policy = field(default_factory=Policy)
    mlops_new_source: str = ""
    """Index URL or ``git+`` URL generated projects install mlops-new from ("" = PyPI)."""

    def project_answers(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """The answers a new or adopted project starts from (``create``, ``link``).

        The settings' preset answers, then ``given`` (``-d``, ``--data-file``),
        then the policy's locked answers, which neither may change; the project
        pins the running mlops-new (``update`` moves the pin).
        """
        data = {"mlops_new_source": self.mlops_new_source, **self.answers, **given}
        self.policy.refuse_locked(data)
        return {**data, **self.policy.locked, "mlops_new_version": __version__}


def _same(answer: Any, locked: Any) -> bool:
    """Equal, also when one side comes from the command line as text (``-d docker=false``)."""
    if answer == locked:
        return True
    return (
        isinstance(answer, str) != isinstance(locked, str)
        and str(answer).lower() == str(locked).lower()
    )


def default_path() -> Path:
    """``$XDG_CONFIG_HOME/mlops-new/config.toml`` (``~/.config`` when unset)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "mlops-new" / "config.toml"


def settings_path(path: Path | None = None) -> tuple[Path, bool]:
    """The settings file to read and whether it must exist (named explicitly)."""
    if path is not None:
        return path.expanduser(), True
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser(), True
    return default_path(), False


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings (``--config`` path, else ``$MLOPS_NEW_CONFIG``, else the default file).

    A missing default file gives empty settings; a missing named file is an error.
    """
    file, must_exist = settings_path(path)
    if not file.is_file():
        if must_exist:
            raise ConfigError(
                f"The settings file '{file}' does not exist.",
                f"Check --config or ${CONFIG_ENV}; see docs/organisations.md for the format.",
            )
        return Settings()
    data = _read_toml(file)
    _reject_unknown(file, data, TOP_KEYS, "")
    defaults = _table(file, data, "defaults")
    _reject_unknown(file, defaults, DEFAULTS_KEYS, "defaults.")
    template = defaults.get("template")
    if template is not None and not isinstance(template, str):
        raise ConfigError(f"{file}: defaults.template must be a string (a path or git URL).")
    return Settings(
        path=file,
        template=template,
        mlops_new_source=_mlops_new_source(file, defaults.get("mlops_new_source", "")),
        answers=_table(file, defaults, "answers"),
        policy=parse_policy(_table(file, data, "policy"), str(file)),
    )


DEFAULTS_KEYS = frozenset({"template", "answers", "mlops_new_source"})


def _mlops_new_source(file: Path, value: object) -> str:
    """``defaults.mlops_new_source``: "" (PyPI), an https index URL or a ``git+`` URL.

    Never ``http://``: the index feeds the template-sync job that holds the write token.
    """
    ok = isinstance(value, str) and (
        value == ""
        or (
            value.startswith(("https://", "git+https://", "git+ssh://"))
            and not any(c.isspace() or c in "\"'\\$`{}%#" for c in value)
        )
    )
    if not ok:
        raise ConfigError(
            f"{file}: defaults.mlops_new_source={value!r} is neither a package index URL "
            "nor a git URL.",
            "Use https://host/simple (an index; not http://) or git+https://host/org/mlops-new.git.",
        )
    return str(value)


def load_policy_file(folder: Path) -> Policy | None:
    """The policy shipped in ``folder/.mlops-new-policy.toml`` (a project or template), if any."""
    file = folder / PROJECT_POLICY_FILE
    if not file.is_file():
        return None
    data = _read_toml(file)
    _reject_unknown(file, data, frozenset({"policy"}), "")
    return parse_policy(_table(file, data, "policy"), file.name)


def parse_policy(table: Mapping[str, Any], source: str) -> Policy:
    """A :class:`Policy` from a ``[policy]`` table, with messages naming ``source``."""
    _reject_unknown(Path(source), table, POLICY_KEYS, "policy.")
    name = table.get("name", "")
    if not isinstance(name, str):
        raise ConfigError(f"{source}: policy.name must be a string, not {name!r}.")
    required = _ids(table, "required", source)
    min_version = table.get("min_version")
    if min_version is not None:
        if not isinstance(min_version, str):
            raise ConfigError(
                f'{source}: policy.min_version must be a version string such as "0.3.0", '
                f"not {min_version!r}."
            )
        try:
            min_version = semver.bare(min_version)
        except UnknownVersionError as exc:
            raise ConfigError(f"{source}: policy.min_version: {exc.message}") from exc
    max_behind = table.get("max_behind")
    if max_behind is not None and (
        isinstance(max_behind, bool) or not isinstance(max_behind, int) or max_behind < 0
    ):
        raise ConfigError(
            f"{source}: policy.max_behind must be a whole number >= 0, not {max_behind!r}."
        )
    return Policy(
        name=name,
        source=source,
        required=required,
        min_version=min_version,
        max_behind=max_behind,
        locked=_locked(table, source),
        unwaivable=_ids(table, "unwaivable", source),
    )


def _ids(table: Mapping[str, Any], key: str, source: str) -> tuple[str, ...]:
    """A list of check ids or families (upper-cased); which ids exist is checked by ``check``."""
    value = table.get(key, [])
    if not isinstance(value, list):
        raise ConfigError(
            f"{source}: policy.{key} must be a list of check ids or families, not {value!r}.",
            f'For example: {key} = ["CI", "SEC001"]',
        )
    for item in value:
        if not isinstance(item, str) or not re.fullmatch(r"[A-Za-z]+[0-9]*", item.strip()):
            raise ConfigError(
                f"{source}: policy.{key} holds {item!r}, which is not a check id or family.",
                "Use ids such as SEC001 or families such as SEC (see docs/checks.md).",
            )
    return tuple(item.strip().upper() for item in value)


def _locked(table: Mapping[str, Any], source: str) -> dict[str, Any]:
    locked = table.get("locked", {})
    if not isinstance(locked, dict):
        raise ConfigError(
            f"{source}: policy.locked must be a table of answers, e.g. ci = 'github'."
        )
    for key, value in locked.items():
        if not ANSWER_KEY.match(key):
            raise ConfigError(f"{source}: policy.locked.{key}: {key!r} is not an answer name.")
        if not isinstance(value, (str, bool, int, float)):
            raise ConfigError(
                f"{source}: policy.locked.{key} must be a single value (text, number or "
                f"true/false), not {value!r}."
            )
    return locked


def _read_toml(file: Path) -> dict[str, Any]:
    try:
        return read_toml(file)
    except InputError as exc:
        raise ConfigError(exc.message, "See docs/organisations.md for the format.") from exc


def _table(file: Path, data: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{file}: '{key}' must be a table ([{key}]).")
    return value


def _reject_unknown(
    file: Path, data: Mapping[str, Any], known: frozenset[str], prefix: str
) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(
            f"{file}: unknown setting '{prefix}{unknown[0]}'.",
            f"Known here: {', '.join(prefix + k for k in sorted(known))}.",
        )
