"""``list_questions``: a template's questions (keys, choices, defaults), read from its copier.yml.

Nothing is rendered and nothing of the template runs (:mod:`mlops_new.templates.schema`).
"""

from __future__ import annotations

from typing import Any

from mlops_new.core.results import Question, QuestionsResult
from mlops_new.inputs.settings import Settings
from mlops_new.templates import source
from mlops_new.templates.schema import question_map


def list_questions(template: str | None, ref: str | None, settings: Settings) -> QuestionsResult:
    """The questions of ``template`` at ``ref`` (default: newest).

    Without ``template``: the settings' template, else the bundled one (as ``create``).
    """
    target = source.resolve(template or settings.template, ref)
    config = question_map(target)
    questions = tuple(_question(str(name), spec) for name, spec in config.items())
    return QuestionsResult(
        template_src=target.src, template_version=target.label, questions=questions
    )


def _question(name: str, spec: Any) -> Question:
    if not isinstance(spec, dict):  # the short form `name: default`
        return Question(name=name, type="str", help="", choices=(), default=spec, asked="always")
    choices = spec.get("choices") or ()
    if isinstance(choices, dict):  # {label: value}
        choices = tuple(choices.values())
    when = spec.get("when", True)
    asked = "always" if when is True else "derived" if when is False else f"when {when}"
    return Question(
        name=name,
        type=str(spec.get("type", "str")),
        help=str(spec.get("help", "")).strip(),
        choices=tuple(str(c) if not isinstance(c, dict) else str(c.get("value")) for c in choices),
        default=spec.get("default"),
        asked=asked,
    )
