"""Answers given on the command line, in data files, and in a project's answers file.

All of them come from someone else (a colleague's data file, a pull request
that edits ``.copier-answers.yml``), so each is read bounded and validated:
unknown keys, loose booleans and a template source that is neither a path nor
a URL are errors that name the value and the fix.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from mlops_new.core.bounded import InputError, read_yaml
from mlops_new.core.errors import InvalidAnswerError, NotAProjectError, shown

ANSWERS_FILE = ".copier-answers.yml"
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})
_URL = re.compile(
    r"^(?:(?:git\+)?(?:https|ssh|git|file)://[^\s@/]+(?:@[^\s/]+)?(?:/\S*)?"  # scheme://host/path
    r"|(?:git\+)?file:///\S+"  # file:///path
    r"|g[hl]:[\w.-]+/[\w./-]+"  # gh:owner/name, gl:group/name
    r"|[\w.-]+@[\w.-]+:[\w./~-]+)$"  # git@host:owner/name
)


def parse_pairs(pairs: Iterable[str]) -> dict[str, str]:
    """``["a=1", "b=x=y"]`` -> ``{"a": "1", "b": "x=y"}``, with clear errors."""
    data: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not _KEY.match(key):
            raise InvalidAnswerError(
                f"'{_shown(pair)}' is not an answer: use KEY=VALUE, e.g. -d license=MIT.",
            )
        data[key] = value
    return data


def load_data_file(path: Path) -> dict[str, Any]:
    """Answers from a YAML mapping file (``--data-file``), read bounded."""
    try:
        loaded = read_yaml(path)
    except InputError as exc:
        message = exc.message.replace("Cannot read '", "Cannot read the data file '", 1)
        raise InvalidAnswerError(
            message if message != exc.message else f"The data file {message}",
            exc.hint or "Check the path given to --data-file.",
        ) from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict) or not all(isinstance(k, str) for k in loaded):
        raise InvalidAnswerError(
            f"The data file '{path}' must be a YAML mapping of question names to answers.",
            "For example: `license: MIT`.",
        )
    for key, value in loaded.items():
        if isinstance(value, (dict, list)) or not _KEY.match(key):
            raise InvalidAnswerError(
                f"The data file '{path}' gives '{_shown(key)}' a value that is not a "
                "plain answer (text, number or true/false).",
                "Each line must be `question: answer`, e.g. `license: MIT`.",
            )
    return loaded


def validate_answers(given: Mapping[str, Any], questions: Mapping[str, Any]) -> None:
    """Refuse answers to questions the template does not ask, and loose booleans.

    ``questions`` is the template's question mapping (name -> its settings).
    """
    for key, value in given.items():
        if key not in questions:
            raise InvalidAnswerError(
                f"The template has no question '{_shown(key)}'.", _did_you_mean(key, questions)
            )
        details = questions[key]
        if isinstance(details, dict) and details.get("type") == "bool":
            given_bool(key, value)


def given_bool(key: str, value: Any) -> bool:
    """``value`` as a boolean: true/false, yes/no, 1/0 (any case) only."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidAnswerError(
        f"'{_shown(str(value))}' is not a yes/no answer for '{key}'.",
        f"Use true or false (or yes/no, 1/0), e.g. -d {key}=false.",
    )


def check_src_path(src: Any, where: str) -> str:
    """The template source ``src`` if it is a folder path or a git URL; else a clear error.

    ``where`` names the file it came from.  A source starting with ``-`` would
    be an option to git; control characters and spaces in URLs are refused.
    """
    bad = (
        not isinstance(src, str)
        or not src.strip()
        or src.startswith("-")
        or any(ord(char) < 32 or ord(char) == 127 for char in src)
    )
    if not bad and (
        "://" in src or "::" in src or src.startswith(("gh:", "gl:")) or _looks_scp(src)
    ):
        bad = not _URL.match(src)
    if bad:
        raise NotAProjectError(
            f"{where} names the template source '{_shown(str(src))}', which is neither a "
            "folder path nor a git URL (https://, ssh://, git@host:path, gh:owner/name).",
            "Restore it from git history: `git log -p -- .copier-answers.yml`.",
        )
    return str(src)


def local_source(src: str) -> Path | None:
    """The folder a template source names (``~`` expanded, maybe relative), ``None`` for a URL."""
    if src.startswith("file://"):
        return Path(src.removeprefix("file://"))
    if "://" in src or "::" in src or src.startswith(("gh:", "gl:")) or _looks_scp(src):
        return None
    return Path(src).expanduser()


def read_answers(project: Path) -> dict[str, Any]:
    """The answers file of ``project`` as a mapping (``{}`` if it has none).

    Read bounded (size, aliases, UTF-8); a ``_src_path`` must pass
    :func:`check_src_path`.
    """
    path = project / ANSWERS_FILE
    if not path.is_file():
        return {}
    loaded = read_yaml(path)
    if not isinstance(loaded, dict):
        return {}
    if "_src_path" in loaded:
        check_src_path(loaded["_src_path"], str(path))
    return loaded


def _looks_scp(src: str) -> bool:
    head = src.split("/", 1)[0]
    return "@" in head and ":" in head


def _did_you_mean(key: str, questions: Mapping[str, Any]) -> str:
    asked = [name for name in questions if not name.startswith("_")]
    close = difflib.get_close_matches(key, asked, n=1)
    if close:
        return f"Did you mean '{close[0]}'? (-d {close[0]}=...)"
    return f"Its questions are: {', '.join(sorted(asked))}."


def _shown(text: str) -> str:
    return shown(text, limit=60)


SUPPORTED_PYTHONS = ("3.11", "3.12", "3.13", "3.14")
"""The bundled template's ``python_version`` choices: the running one is the default."""


def user_defaults(name: str, who: tuple[str, str] | None) -> dict[str, Any]:
    """Answers' defaults from this machine: name, year, Python, git identity."""
    defaults: dict[str, Any] = {
        "project_name": name,
        "copyright_year": str(dt.datetime.now(dt.timezone.utc).year),
    }
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    if python in SUPPORTED_PYTHONS:
        defaults["python_version"] = python
    if who is not None:
        defaults["author_name"], defaults["author_email"] = who
    return defaults
