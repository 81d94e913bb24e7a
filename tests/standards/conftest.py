"""Small repositories built inline, and a CLI runner that has the ``check`` command."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from tests.support.cli import run_cli
from tests.support.helpers import build_tree, git

# Secrets and markers are assembled at run time so that this file itself passes
# `mlops-new check` (SEC001, SEC004, GEN004).
PRIVATE_KEY = "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n"
AWS_KEY = "AKIA" + "ABCDEFGHIJKLMNOP"
CONFLICT = "<" * 7 + " HEAD\nx = 1\n" + "=" * 7 + "\nx = 2\n" + ">" * 7 + " theirs\n"

PYPROJECT = """\
[project]
name = "x"
requires-python = ">=3.11"

[tool.ruff]
line-length = 100

[tool.mypy]
strict = true

[tool.pytest.ini_options]
testpaths = ["tests"]

[tool.coverage.report]
fail_under = 80
"""
BARE_PYPROJECT = '[project]\nname = "x"\n'
WORKFLOW = """\
name: CI
on: [push]
permissions: {}
jobs:
  test:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd # v6.0.2
        with:
          persist-credentials: false
      - run: uv run pytest
      - run: uv run dvc repro
"""
DVC_YAML = """\
stages:
  train:
    cmd: python train.py
    params: [seed]
    outs: [models/model.pkl]
    metrics:
      - metrics.json:
          cache: false
"""
DVC_CONFIG = "[core]\n    remote = store\n['remote \"store\"']\n    url = /srv/dvc\n"
LOCAL_DVC_CONFIG = DVC_CONFIG.replace("/srv/dvc", "../proj-dvc-storage")
DOCKERFILE = """\
FROM python:3.12-slim AS build
RUN echo build
FROM python:3.12-slim
RUN useradd app \\
    && echo done
USER 10001:10001
HEALTHCHECK CMD ["python", "-c", "print(1)"]
CMD ["python", "-m", "app"]
"""
ANSWERS = "_commit: v0.1.0\n_src_path: ~/.mlops-new/template\nproject_name: x\nci: github\n"
MLFLOW_CODE = "import os\n\nimport mlflow\n\nmlflow.set_tracking_uri(os.environ['URI'])\n"

Files = dict[str, str | int]
"""Relative path -> text, or an int: a (sparse) file of that many bytes."""


def make_repo(root: Path, files: Files, *, use_git: bool = True) -> Path:
    """Write ``files`` under ``root`` and (by default) ``git add`` them."""
    root.mkdir(parents=True, exist_ok=True)
    build_tree(root, {k: v for k, v in files.items() if isinstance(v, str)})
    for name, size in files.items():
        if isinstance(size, int):
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as handle:
                handle.truncate(size)
    if use_git:
        git(root, "init", "--quiet")
        git(root, "add", "-A")
    return root


Cli = Callable[..., Result]


@pytest.fixture
def check_cli() -> Cli:
    """Invoke ``mlops-new check ...`` through the main app."""
    return lambda *args: run_cli("check", *args)


def payload(result: Result) -> dict[str, Any]:
    document = json.loads(result.stdout)
    assert document["command"] == "check"
    assert document["schema_version"] >= 1
    data = document["result"]
    assert isinstance(data, dict)
    return data


def statuses(result: Result) -> dict[str, str]:
    return {r["id"]: r["status"] for r in payload(result)["results"]}
