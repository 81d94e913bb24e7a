"""The three patches of other packages' internals, each proved applied on the installed version.

``cli/_coerce.py`` (typer's runtime coercion without pydantic), ``cli/_help.py``
(typer's argument help without Python types) and ``cli/_prompts.py``
(prompt_toolkit's wrapping validation toolbar) do nothing on a version whose
internals moved. That keeps the CLI working, but silently loses what they are
for: these tests fail loudly instead, naming the version to look at.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from typing import Any

from typer import core
from typer.testing import CliRunner

from mlops_new.cli import app, route
from mlops_new.cli._coerce import plain_coercion
from mlops_new.cli._help import plain_argument_help
from mlops_new.cli._prompts import wrapping_validation_errors
from tests.support.cli import run_cli


def _versions(*names: str) -> str:
    return ", ".join(f"{name} {importlib.metadata.version(name)}" for name in names)


def test_typer_coercion_is_patched() -> None:
    plain_coercion()
    parameter: Any = importlib.import_module("typer.core")._TyperParameter
    patched = getattr(parameter.get_runtime_param, "_mlops_new", False)
    assert patched, f"cli/_coerce.py no longer applies to {_versions('typer')}: update it"


def test_typer_argument_help_is_patched() -> None:
    plain_argument_help()
    patched = getattr(core.TyperArgument.display_type_rich, "_mlops_new", False)
    assert patched, f"cli/_help.py no longer applies to {_versions('typer')}: update it"
    text = run_cli("create", "--help").output
    assert "<str>" not in text  # the patch's point: no Python types in the help


def test_prompt_toolkit_toolbar_is_patched() -> None:
    wrapping_validation_errors()
    prompt: Any = importlib.import_module("prompt_toolkit.shortcuts.prompt")
    toolbar = prompt.ValidationToolbar
    assert getattr(toolbar, "wraps", False), (
        f"cli/_prompts.py no longer applies to {_versions('prompt_toolkit')}: update it"
    )
    window = toolbar().container.content
    assert window.wrap_lines()  # a long validation message wraps instead of being cut


def test_coerced_values_are_typers_own() -> None:
    """Our pydantic-free path gives what typer's gives: choices, paths, lists, and its errors."""
    runner = CliRunner()
    ok = runner.invoke(app, route(["questions", "--format", "json", "--template", "/no/such"]))
    assert "Invalid value" not in ok.output  # a valid choice passed through
    bad = runner.invoke(app, route(["questions", "--format", "yaml"]))
    assert bad.exit_code == 2
    assert "'yaml' is not one of" in bad.output
