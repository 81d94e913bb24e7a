"""``mlops-new questions``: what a template asks, with keys, choices and defaults."""

from __future__ import annotations

from mlops_new.cli import _output
from mlops_new.cli._errors import handled
from mlops_new.cli._formats import Format
from mlops_new.cli._options import ConfigOption, FormatOption, RefOption, TemplateOption


def questions(
    template: TemplateOption = None,
    ref: RefOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = Format.rich,
) -> None:
    """List the questions `create` asks: answer any of them with -d KEY=VALUE."""
    from mlops_new.inputs.settings import load_settings
    from mlops_new.ops.questions import list_questions

    with handled():
        _output.listed_questions(list_questions(template, ref, load_settings(config)), fmt)
