"""`check` on the corpus of real repositories (tests/corpus): every written verdict holds.

Each fixture is copied, made a git repository with every file tracked (as in
the real repository), and checked without a policy; monorepos are checked at
their ``project`` folder. Then ``fleet report`` over the whole corpus writes
every format.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mlops_new.cli import app, route
from mlops_new.inputs.settings import Settings
from mlops_new.standards import ALL_CHECKS, run_checks
from tests.support.helpers import git

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover  (Python 3.10)
    import tomli as tomllib

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
ENTRIES: dict[str, Any] = tomllib.loads((CORPUS / "corpus.toml").read_text(encoding="utf-8"))


def materialise(slug: str, parent: Path) -> Path:
    """The fixture as a git repository with every file tracked and committed."""
    root = parent / slug
    shutil.copytree(CORPUS / slug, root, symlinks=True)
    git(root, "init", "--quiet")
    git(root, "add", "--all", "--force")
    git(root, "commit", "--quiet", "--no-verify", "-m", "fixture")
    return root


def test_the_corpus_is_large_and_varied() -> None:
    assert len(ENTRIES) >= 25
    assert len({entry["kind"] for entry in ENTRIES.values()}) >= 6
    for slug, entry in ENTRIES.items():
        assert (CORPUS / slug).is_dir(), slug
        assert sorted(entry["verdicts"]) == sorted(cls.id for cls in ALL_CHECKS), slug


@pytest.mark.parametrize("slug", sorted(ENTRIES))
def test_every_verdict(slug: str, tmp_path: Path) -> None:
    entry = ENTRIES[slug]
    root = materialise(slug, tmp_path)
    report = run_checks(root / entry.get("project", "."), Settings())
    found = {r.id: r for r in report.results}
    wrong = [
        f"{check_id}: expected {expected}, got {found[check_id].status.value} "
        f"({found[check_id].message[:160]})"
        for check_id, expected in entry["verdicts"].items()
        if found[check_id].status.value != expected
    ]
    assert not wrong, f"{slug} ({entry['repo']}):\n" + "\n".join(wrong)
    for result in report.results:
        if result.path:
            assert (root / result.path).is_file(), (slug, result)


def test_fleet_report_over_the_corpus_writes_every_format(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet"
    fleet.mkdir()
    for slug in ENTRIES:
        materialise(slug, fleet)
    for fmt in ("json", "markdown", "html", "rich"):
        out = tmp_path / f"report.{fmt}"
        result = CliRunner().invoke(
            app, route(["fleet", "report", str(fleet), "--format", fmt, "-o", str(out)])
        )
        assert result.exit_code in {0, 7}, result.output
        text = out.read_text(encoding="utf-8")
        for slug in ENTRIES:
            assert slug in text, (fmt, slug)
    document = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert not [r for r in document["result"]["repos"] if r["status"] == "error"]
