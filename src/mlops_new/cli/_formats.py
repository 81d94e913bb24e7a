"""``--format`` values, one enum per command family; every one has ``rich`` and ``json``.

Commands pass these enums through to their renderer (never their ``.value``
strings), so a typo in a format is a type error, not a silent fallback.
"""

from __future__ import annotations

import enum


class Format(str, enum.Enum):
    """``--format`` of reporting commands."""

    rich = "rich"
    json = "json"


class UpdateFormat(str, enum.Enum):
    """``--format`` of ``update``: Markdown for pull requests and CI job summaries."""

    rich = "rich"
    json = "json"
    markdown = "markdown"


class CheckFormat(str, enum.Enum):
    """``--format`` of ``check``."""

    rich = "rich"
    json = "json"
    sarif = "sarif"
    github = "github"


class ReportFormat(str, enum.Enum):
    """``--format`` of ``fleet report``."""

    rich = "rich"
    json = "json"
    markdown = "markdown"
    html = "html"


class ForgeName(str, enum.Enum):
    """``fleet update --forge``: where ``--pull-request`` opens its requests."""

    auto = "auto"
    github = "github"
    gitlab = "gitlab"
