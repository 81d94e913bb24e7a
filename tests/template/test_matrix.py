"""Every cell of the option matrix renders the exact files, clean and lint-free.

The cells come from copier.yml (see ``matrix.py``). Rendering and linting take
seconds per cell; nothing here installs the generated project.
"""

from __future__ import annotations

import configparser
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.helpers import lint_clean, tool
from tests.template import matrix

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 has no tomllib
    tomllib = pytest.importorskip("tomli")

CELLS = matrix.cells()
GITHUB_EXPRESSION = re.compile(r"\$\{\{.*?\}\}")
# Jinja markers as the template writes them; {{x}} without spaces belongs to other
# tools (docker inspect --format, docker/metadata-action), as in the e2e tests.
JINJA_MARKER = re.compile(r"\{\{ |\{%|\{# |%\}")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return matrix.template_copy(tmp_path_factory.mktemp("template") / "template")


@pytest.fixture(scope="module", params=CELLS, ids=[matrix.cell_id(cell) for cell in CELLS])
def rendered(
    request: pytest.FixtureRequest, template: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Any]]:
    destination = tmp_path_factory.mktemp("cell") / "project"
    answers = matrix.render(template, destination, request.param)
    return destination, answers


def _files(project: Path) -> set[str]:
    return {p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()}


def test_matrix_holds_every_value_of_every_option() -> None:
    seen = {(name, str(cell[name])) for cell in CELLS for name in cell}
    wanted = {(n, str(v)) for n, values in matrix.options().items() for v in values}
    assert wanted - seen == set()
    assert 8 <= len(CELLS) <= 15


def test_exact_files(rendered: tuple[Path, dict[str, Any]]) -> None:
    project, answers = rendered
    assert _files(project) == matrix.expected_files(answers)


def test_answers_are_what_the_cell_asked(rendered: tuple[Path, dict[str, Any]]) -> None:
    project, answers = rendered
    recorded = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    for name in matrix.options():
        if matrix.asked(name, answers):
            assert recorded[name] == answers[name], name
        else:
            assert name not in recorded, f"{name} is recorded but was not asked"


def test_no_jinja_leftovers_and_clean_text(rendered: tuple[Path, dict[str, Any]]) -> None:
    project, _ = rendered
    problems = []
    for rel in sorted(_files(project)):
        text = (project / rel).read_text(encoding="utf-8")
        if JINJA_MARKER.search(GITHUB_EXPRESSION.sub("", text)):
            problems.append(f"{rel}: Jinja marker left over")
        if (text and not text.endswith("\n")) or text.endswith("\n\n"):
            problems.append(f"{rel}: must end with exactly one newline")
        if any(line != line.rstrip() for line in text.splitlines()):
            problems.append(f"{rel}: trailing whitespace")
        # PEP 8 puts two blank lines between definitions, the Dockerfile between stages.
        blank_lines = 3 if rel.endswith(".py") or rel == "Dockerfile" else 2
        if "\n" * (blank_lines + 1) in text:
            problems.append(f"{rel}: {blank_lines} blank lines in a row")
    assert problems == []


def test_structured_files_parse(rendered: tuple[Path, dict[str, Any]]) -> None:
    project, _ = rendered
    parsed: dict[str, Any] = {}
    for rel in _files(project):
        text = (project / rel).read_text(encoding="utf-8")
        if rel.endswith((".yml", ".yaml")):
            parsed[rel] = yaml.safe_load(text)
        elif rel.endswith(".toml"):
            parsed[rel] = tomllib.loads(text)
        elif rel.endswith(".json"):
            parsed[rel] = json.loads(text)
        elif rel == ".dvc/config":
            config = configparser.ConfigParser()
            config.read_string(text)
            parsed[rel] = config.sections()
    # The loop must have seen the files that matter (an empty listing passes nothing).
    for rel in ("pyproject.toml", "dvc.yaml", "params.yaml", ".copier-answers.yml"):
        assert parsed.get(rel), f"{rel} was not parsed (or is empty)"


def test_dvc_config_is_what_dvc_remote_add_writes(rendered: tuple[Path, dict[str, Any]]) -> None:
    project, answers = rendered
    assert (project / ".dvc" / "config").read_text(encoding="utf-8") == matrix.dvc_config(answers)


def test_dependencies_follow_the_answers(rendered: tuple[Path, dict[str, Any]]) -> None:
    project, a = rendered
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    runtime = {re.split(r"[<>=\[]", dep)[0] for dep in pyproject["project"]["dependencies"]}
    groups = pyproject["dependency-groups"]
    train = " ".join(groups["train"])
    assert ("torch" in runtime) == (a["framework"] == "pytorch")
    assert ({"fastapi", "uvicorn"} <= runtime) == (a["serving"] == "fastapi")
    assert ("mlflow" in train, "dvclive" in train) == (
        a["tracking"] == "mlflow",
        a["tracking"] == "dvclive",
    )
    extra = {"s3": "dvc[s3]", "gcs": "dvc[gs]", "azure": "dvc[azure]", "ssh": "dvc[ssh]"}
    assert extra.get(a["dvc_remote"], "dvc>=") in train
    assert ("docs" in groups) == (a["docs"] == "mkdocs")
    sources = pyproject.get("tool", {}).get("uv", {}).get("sources", {})
    assert ("torch" in sources) == (a["framework"] == "pytorch")


def test_python_is_lint_clean(rendered: tuple[Path, dict[str, Any]]) -> None:
    project, _ = rendered
    lint_clean([tool("ruff"), "check", "--no-cache", "."], project)
    lint_clean([tool("ruff"), "format", "--check", "--no-cache", "."], project)


PINNED = re.compile(r"[0-9a-f]{40} +# v?[0-9][0-9A-Za-z.-]*")


def test_hooks_and_actions_are_pinned_by_commit(rendered: tuple[Path, dict[str, Any]]) -> None:
    """A moved tag cannot change what runs: every hook and action by commit, tag as comment.

    mlops-new's own hook (a git source) follows the project's mlops-new version instead.
    """
    project, answers = rendered
    text = (project / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    own = answers["mlops_new_source"].removeprefix("git+")
    external = [r for r in yaml.safe_load(text)["repos"] if r["repo"] not in ("local", own)]
    for repo in external:
        line = next(line for line in text.splitlines() if f"rev: {repo['rev']}" in line)
        assert PINNED.fullmatch(line.split("rev: ", 1)[1]), line
    for workflow in (project / ".github" / "workflows").glob("*.yml"):
        for ref in re.findall(r"uses: (\S+@.*)", workflow.read_text(encoding="utf-8")):
            assert PINNED.fullmatch(ref.split("@", 1)[1]), f"{workflow.name}: {ref}"


def test_dockerfile_is_lint_clean(rendered: tuple[Path, dict[str, Any]]) -> None:
    project, answers = rendered
    if not answers["docker"] or answers["serving"] != "fastapi":
        pytest.skip("no Dockerfile in this cell")
    lint_clean([tool("hadolint"), "--failure-threshold", "style", "Dockerfile"], project)


def test_github_workflows_are_lint_clean(rendered: tuple[Path, dict[str, Any]]) -> None:
    project, answers = rendered
    if answers["ci"] != "github":
        pytest.skip("no GitHub workflows in this cell")
    workflows = sorted(str(p) for p in (project / ".github" / "workflows").glob("*.yml"))
    lint_clean([tool("zizmor"), "--offline", "--persona", "pedantic", ".github/workflows"], project)
    shellcheck = shutil.which("shellcheck")
    lint_clean([tool("actionlint"), f"-shellcheck={shellcheck or ''}", *workflows], project)
    schema = [tool("check-jsonschema"), "--builtin-schema"]
    lint_clean([*schema, "vendor.github-workflows", *workflows], project)
    lint_clean([*schema, "vendor.dependabot", ".github/dependabot.yml"], project)


def test_gitlab_ci_matches_its_schema(rendered: tuple[Path, dict[str, Any]]) -> None:
    project, answers = rendered
    if answers["ci"] != "gitlab":
        pytest.skip("no GitLab CI in this cell")
    schema = [tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci"]
    lint_clean([*schema, ".gitlab-ci.yml"], project)


def test_docs_build_strictly(rendered: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    project, answers = rendered
    if answers["docs"] != "mkdocs":
        pytest.skip("no documentation site in this cell")
    lint_clean(
        [tool("mkdocs"), "build", "--strict", "--quiet", "--site-dir", str(tmp_path)], project
    )
