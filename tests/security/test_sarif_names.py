"""A repository's file names in SARIF and GitHub output: encoded, inert, visible.

A name is percent-encoded in ``artifactLocation.uri``, cannot open Markdown in
``message.markdown`` (a backtick in it), and bidirectional overrides (U+202E)
are shown as escapes instead of reordering what a reviewer reads.
"""

from __future__ import annotations

import json
from pathlib import Path

from mlops_new.standards.model import CheckResult, Severity, Status
from mlops_new.standards.runner import BY_ID, CheckReport
from mlops_new.standards.serialise import to_github, to_sarif

RTL = "\u202e"


def _report(name: str) -> CheckReport:
    check = next(iter(BY_ID.values()))
    result = CheckResult(
        id=check.id,
        family="general",
        title="A check",
        status=Status.failed,
        message=f"`{name}` is too large; move it to DVC.",
        url="https://example.test/check",
        path=name,
        severity=Severity.error,
        line=1,
    )
    return CheckReport(path=Path(), results=(result,), currency=None)


def _sarif_result(name: str) -> dict[str, object]:
    document = json.loads(to_sarif(_report(name)))
    result: dict[str, object] = document["runs"][0]["results"][0]
    return result


def test_file_names_are_percent_encoded_in_uris() -> None:
    result = _sarif_result("data/my file#1%.csv")
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]  # type: ignore[index]
    assert location["uri"] == "data/my%20file%231%25.csv"


def test_a_backtick_in_a_name_cannot_open_markdown() -> None:
    name = "a`[x](https://evil.test)`.csv"
    markdown = _sarif_result(name)["message"]["markdown"]  # type: ignore[index]
    assert f"`` {name} ``" in markdown
    assert markdown.count("``") == 2


def test_bidirectional_overrides_are_shown_as_escapes() -> None:
    name = f"evil{RTL}vsc.exe"
    result = _sarif_result(name)
    text = json.dumps(result, ensure_ascii=False)
    assert RTL not in text
    assert "\\u202e" in result["message"]["text"]  # type: ignore[index]
    assert RTL not in to_github(_report(name))
