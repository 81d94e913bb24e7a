"""A :class:`CheckReport` as SARIF 2.1.0 or GitHub workflow commands (strings; no printing)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from mlops_new import __version__
from mlops_new.standards.model import CheckResult, Severity, Status
from mlops_new.standards.runner import BY_ID, CheckReport

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/mlops-new/mlops-new"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
"""Terminal control characters: a repository's file names must not drive the log viewer."""
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Bidirectional overrides (U+202E...): a file name must not reorder what a reviewer reads."""
_LEVEL = {Severity.error: "error", Severity.warning: "warning", Severity.info: "note"}
"""SARIF level of a failure of each severity."""
_COMMAND = {Severity.error: "error", Severity.warning: "warning", Severity.info: "notice"}
"""GitHub workflow command of a failure of each severity."""


def to_sarif(report: CheckReport) -> str:
    """SARIF 2.1.0 for code scanning: every reported check a rule, failures and waivers results."""
    reported = [r for r in report.results if r.status in {Status.failed, Status.waived}]
    rules = [_rule(r) for r in report.results]
    index = {r.id: i for i, r in enumerate(report.results)}
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mlops-new",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "results": [_result(r, index[r.id]) for r in reported],
                "columnKind": "utf16CodeUnits",
            }
        ],
    }
    return json.dumps(document, indent=2)


def _rule(result: CheckResult) -> dict[str, Any]:
    fix = BY_ID[result.id].fix
    return {
        "id": result.id,
        "name": result.title.title()
        .replace(" ", "")
        .replace(".", "")
        .replace("(", "")
        .replace(")", ""),
        "shortDescription": {"text": result.title},
        "fullDescription": {"text": f"{result.title}. {fix}"},
        "helpUri": result.url,
        "help": {"text": fix, "markdown": f"{fix}\n\n[{result.id}]({result.url})"},
        "properties": {"tags": [result.family]},
        "defaultConfiguration": {"level": _LEVEL[result.severity]},
    }


def _result(result: CheckResult, rule_index: int) -> dict[str, Any]:
    title = f"{result.id}: {result.title}"
    entry: dict[str, Any] = {
        "ruleId": result.id,
        "ruleIndex": rule_index,
        "level": _LEVEL[result.severity] if result.status is Status.failed else "note",
        "message": {
            "text": _visible(f"{title}. {result.message}"),
            "markdown": _visible(f"**{title}.** {_names_as_code(result.message, result.path)}"),
        },
    }
    if result.path:
        entry["locations"] = [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": quote(result.path), "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": max(result.line, 1)},
                }
            }
        ]
    if result.status is Status.waived:
        entry["suppressions"] = [{"kind": "external", "justification": result.message}]
    return entry


def _visible(text: str) -> str:
    """``text`` with bidirectional overrides shown as their escapes (``\\u202e``)."""
    return _BIDI.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def _names_as_code(message: str, name: str) -> str:
    """``message`` with the file name ``name`` (quoted in backticks or bare) as one code
    span whose fence no backtick in the name can close: names never open Markdown."""
    if not name or not re.search(r"[`*_\[\]<>!#|~\\]", name):
        return message
    fence = "`" * (max((len(run) for run in re.findall("`+", name)), default=0) + 1)
    span = f"{fence} {name} {fence}"
    marked = message.replace(f"`{name}`", "\0").replace(name, "\0")
    return marked.replace("\0", span)


def to_github(report: CheckReport) -> str:
    """GitHub Actions workflow commands: ``::error file=...,title=ID::message`` per failure."""
    lines: list[str] = []
    for result in report.results:
        if result.status is Status.failed:
            command = _COMMAND[result.severity]
            props = f"title={_prop(f'{result.id} ({result.severity.value}) {result.title}')}"
            if result.path:
                line = f",line={result.line}" if result.line else ""
                props = f"file={_prop(result.path)}{line},{props}"
            lines.append(f"::{command} {props}::{_data(result.message)}")
        elif result.status is Status.waived:
            lines.append(f"::notice title={_prop(result.id + ' waived')}::{_data(result.message)}")
    currency = report.currency
    if currency and currency.behind:
        text = _behind(currency.project_version, currency.latest_version, currency.behind)
        lines.append(f"::notice title=Template version::{_data(text)}")
    lines.append(_summary(report))
    return "\n".join(lines) + "\n"


def _behind(project: str, latest: str | None, behind: int) -> str:
    return f"Template v{project} is {behind} version(s) behind v{latest}: run `mlops-new update`."


def _summary(report: CheckReport) -> str:
    counts = ", ".join(f"{report.count(s)} {s.value}" for s in Status)
    return f"mlops-new check: {counts}"


def _data(text: str) -> str:
    """Escape a workflow command's message."""
    text = _visible(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return _CONTROL.sub(lambda m: f"%{ord(m[0]):02X}", text)


def _prop(text: str) -> str:
    """Escape a workflow command's property value."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")
