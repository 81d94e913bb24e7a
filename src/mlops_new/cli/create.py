"""``mlops-new create NAME`` (also the default command: ``mlops-new NAME``)."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from mlops_new.cli import _console, _output
from mlops_new.cli._errors import handled
from mlops_new.cli._formats import Format
from mlops_new.cli._options import (
    ConfigOption,
    DataOption,
    FormatOption,
    RefOption,
    TemplateOption,
)
from mlops_new.cli._prompts import wrapping_validation_errors


def create(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME",
            help="Folder to create; its last component names the project.",
            show_default=False,
        ),
    ],
    defaults: Annotated[
        bool,
        typer.Option("--defaults", help="Never prompt: unanswered questions take their defaults."),
    ] = False,
    data: DataOption = None,
    data_file: Annotated[
        Path | None,
        typer.Option("--data-file", metavar="FILE.yml", help="Answers from a YAML mapping."),
    ] = None,
    output_dir: Annotated[
        Path | None,
        typer.Option(
            "--output-dir",
            "-o",
            metavar="DIR",
            help="Parent folder of the project (default: current folder).",
        ),
    ] = None,
    template: TemplateOption = None,
    ref: RefOption = None,
    trust: Annotated[
        bool, typer.Option("--trust", help="Allow --template's tasks and Jinja extensions.")
    ] = False,
    lock: Annotated[
        bool,
        typer.Option(
            "--lock/--no-lock",
            help="Run `uv lock` so the first commit holds uv.lock (needs the package index).",
        ),
    ] = True,
    config: ConfigOption = None,
    fmt: FormatOption = Format.rich,
) -> None:
    """Create a new ML project NAME from the bundled template (or --template)."""
    from mlops_new.core import signals
    from mlops_new.inputs.answers import load_data_file, parse_pairs
    from mlops_new.inputs.settings import load_settings
    from mlops_new.ops.create import CreateOptions, create_project

    with handled():
        answers: dict[str, Any] = {}
        if data_file is not None:
            answers.update(load_data_file(data_file))
        answers.update(parse_pairs(data or []))
        interactive = sys.stdin.isatty() and not defaults
        if interactive:
            wrapping_validation_errors()
        target = (output_dir or Path.cwd()) / name
        with _console.steps(enabled=fmt is Format.rich) as on_step:
            options = CreateOptions(
                template=template,
                ref=ref,
                data=answers,
                defaults=not interactive,
                trust=trust,
                lock=lock,
                settings=load_settings(config),
                on_step=on_step,
            )
            with signals.completing() as done:
                result = create_project(target, options)
                done()  # the project exists: an interrupt while reporting must not claim otherwise
                _output.created(result, fmt, first_steps(result.path, Path.cwd()))
        if not defaults and not interactive and fmt is Format.rich:
            _console.note("stdin is not a terminal, so unanswered questions took their defaults.")


def first_steps(project: Path, cwd: Path) -> tuple[str, ...]:
    """The shell's steps before the template's: put uv on PATH if needed, then ``cd``.

    The generated Makefile runs ``uv``. mlops-new depends on uv, so uv sits
    beside mlops-new; when that folder is not on PATH (a virtual environment
    made as the README says and not activated, or a pipx install) the first
    step puts it there. Only PATH changes: activating mlops-new's environment
    would also set VIRTUAL_ENV, which makes ``uv run`` in any project warn.
    """
    steps = [] if shutil.which("uv") else [_uv_step()]
    steps.append(f"cd {_shell_path(project, cwd)}")
    return tuple(steps)


def _uv_step() -> str:
    from mlops_new.core.relock import find_uv

    found = find_uv()  # not on PATH: the binary of the uv wheel mlops-new depends on
    if found is None:
        return "python3 -m pip install --user uv    # the project's Makefile runs uv"
    folder = str(Path(found).parent)
    if os.name == "nt":
        return f'set "PATH={folder};%PATH%"'
    return f'export PATH={shlex.quote(folder)}:"$PATH"    # uv, installed with mlops-new'


def _shell_path(path: Path, cwd: Path) -> str:
    """``path`` relative to ``cwd`` when inside it (what the user typed), shell-quoted."""
    try:
        shown = str(path.relative_to(cwd))
    except ValueError:
        shown = str(path)
    return shlex.quote(shown)
