"""Answers given on the command line, in data files, and in a project's answers file."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from mlops_new.errors import InvalidAnswerError

ANSWERS_FILE = ".copier-answers.yml"
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def parse_pairs(pairs: Iterable[str]) -> dict[str, str]:
    """``["a=1", "b=x=y"]`` -> ``{"a": "1", "b": "x=y"}``, with clear errors."""
    data: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not _KEY.match(key):
            raise InvalidAnswerError(
                f"'{pair}' is not an answer: use KEY=VALUE, e.g. -d license=MIT.",
            )
        data[key] = value
    return data


def load_data_file(path: Path) -> dict[str, Any]:
    """Answers from a YAML mapping file (``--data-file``)."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidAnswerError(
            f"Cannot read the data file '{path}': {exc.strerror}.",
            "Check the path given to --data-file.",
        ) from exc
    except yaml.YAMLError as exc:
        raise InvalidAnswerError(
            f"The data file '{path}' is not valid YAML: {exc}".splitlines()[0],
            "It must be a mapping of question names to answers, e.g. `license: MIT`.",
        ) from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict) or not all(isinstance(k, str) for k in loaded):
        raise InvalidAnswerError(
            f"The data file '{path}' must be a YAML mapping of question names to answers.",
            "For example: `license: MIT`.",
        )
    return loaded


def read_answers(project: Path) -> dict[str, Any]:
    """The answers file of ``project`` as a mapping (``{}`` if it has none)."""
    path = project / ANSWERS_FILE
    if not path.is_file():
        return {}
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else {}
