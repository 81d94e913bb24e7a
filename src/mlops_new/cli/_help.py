"""Help texts name values, never Python types: ``NAME``, not ``NAME <str>``.

Typer (0.2x) appends each argument's Python type to its help line (``NAME
<str>``, ``PATHS <list[Path]>``) and braces required arguments in the usage
line. Applied once when the CLI is built; choices (``<rich|json>``) stay.
Also the examples that end `mlops-new --help` and `mlops-new create --help`.
"""

from __future__ import annotations

from typing import Any

from typer import core


def plain_argument_help() -> None:
    """Drop Python types from arguments' help lines (typer versions without them: no-op)."""
    argument: Any = core.TyperArgument
    original = getattr(argument, "display_type_rich", None)
    if original is None or getattr(original, "_mlops_new", False):
        return

    def display_type_rich(self: Any, ctx: Any) -> str | None:
        if self.type_descriptor.is_choice:
            return str(original(self, ctx))
        return None

    display_type_rich._mlops_new = True  # type: ignore[attr-defined]
    argument.display_type_rich = display_type_rich
    usage = getattr(argument, "_usage_display_name", None)
    if usage is not None:
        argument._usage_display_name = lambda self: str(usage(self)).strip("{}")


EXAMPLES = """\b
Examples:
  mlops-new churn-model                      # answer the questions
  mlops-new churn-model --defaults           # no questions: defaults everywhere
  mlops-new churn-model -d license=Apache-2.0 -d python_version=3.12
  mlops-new churn-model --ref 0.1.0 --format json
  mlops-new churn-model --template gh:acme/ml-template   # your organisation's template
"""
