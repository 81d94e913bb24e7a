"""Generated projects pin the exact mlops-new that made them, from the source settings name.

Rendered with an organisation's source (a package index or a git URL): the
pre-commit hook, CI and template sync all install exactly that version from
there, and the files stay lint clean (actionlint, zizmor pedantic, GitLab schema).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from mlops_new import __version__
from mlops_new.inputs.settings import load_settings
from mlops_new.ops.create import CreateOptions, create_project
from tests.support.helpers import lint_clean, tool
from tests.template import matrix

SOURCES = {
    "pypi": "",
    "index": "https://pypi.acme.example/simple",
    "git": "git+https://git.acme.example/tools/mlops-new.git",
}


def _render(tmp_path: Path, ci: str, source: str) -> Path:
    template = matrix.template_copy(tmp_path / "template")
    project = tmp_path / "project"
    answers = {"ci": ci, "mlops_new_source": source, "mlops_new_version": "1.2.3"}
    matrix.render(template, project, answers)
    return project


def _mentions(project: Path, ci: str) -> str:
    names = [".pre-commit-config.yaml"]
    if ci == "github":
        names += [".github/workflows/ci.yml", ".github/workflows/template-sync.yml"]
    else:
        names += [".gitlab-ci.yml"]
    return "\n".join((project / name).read_text(encoding="utf-8") for name in names)


@pytest.mark.parametrize("kind", sorted(SOURCES))
def test_github_project_pins_the_exact_version_from_the_source(kind: str, tmp_path: Path) -> None:
    project = _render(tmp_path, "github", SOURCES[kind])
    text = _mentions(project, "github")
    assert "mlops-new>=" not in text
    if kind == "git":
        assert text.count("git+https://git.acme.example/tools/mlops-new.git@v1.2.3") == 3
        hook = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())["repos"][-1]
        assert hook["repo"] == "https://git.acme.example/tools/mlops-new.git"
        assert hook["rev"] == "v1.2.3"
    else:
        assert text.count("mlops-new==1.2.3") == 4  # hook, two CI steps, template sync
    if kind == "index":
        assert text.count("--default-index 'https://pypi.acme.example/simple'") == 3
        assert "--index-url=https://pypi.acme.example/simple" in text
    workflows = sorted(str(p) for p in (project / ".github" / "workflows").glob("*.yml"))
    lint_clean([tool("zizmor"), "--offline", "--persona", "pedantic", ".github/workflows"], project)
    shellcheck = shutil.which("shellcheck")
    lint_clean([tool("actionlint"), f"-shellcheck={shellcheck or ''}", *workflows], project)


@pytest.mark.parametrize("kind", sorted(SOURCES))
def test_gitlab_project_pins_the_exact_version_from_the_source(kind: str, tmp_path: Path) -> None:
    project = _render(tmp_path, "gitlab", SOURCES[kind])
    text = _mentions(project, "gitlab")
    assert "mlops-new>=" not in text
    if kind == "git":
        assert text.count("mlops-new.git@v1.2.3") == 2  # standards, template sync
        assert "rev: v1.2.3" in text  # the hook
    else:
        assert text.count("mlops-new==1.2.3") == 3  # hook, standards, template sync
    schema = [tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci"]
    lint_clean([*schema, ".gitlab-ci.yml"], project)


def test_create_pins_the_running_version_and_the_settings_source(tmp_path: Path) -> None:
    settings_file = tmp_path / "config.toml"
    settings_file.write_text(
        '[defaults]\nmlops_new_source = "https://pypi.acme.example/simple"\n', encoding="utf-8"
    )
    template = matrix.template_copy(tmp_path / "template")
    options = CreateOptions(
        template=str(template), defaults=True, lock=False, settings=load_settings(settings_file)
    )
    result = create_project(tmp_path / "acme-model", options)
    assert result.answers["mlops_new_version"] == __version__
    assert result.answers["mlops_new_source"] == "https://pypi.acme.example/simple"
    hook = (result.path / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert f"mlops-new=={__version__}" in hook
    assert "--index-url=https://pypi.acme.example/simple" in hook
    assert result.next_steps[0].startswith("make setup")


@pytest.mark.parametrize("bad", ["ftp://x", "https://host/sim ple", "https://h/$(id)", "pypi"])
def test_settings_refuse_a_source_that_is_no_url(bad: str, tmp_path: Path) -> None:
    from mlops_new.core.errors import MlopsNewError

    settings_file = tmp_path / "config.toml"
    settings_file.write_text(f'[defaults]\nmlops_new_source = "{bad}"\n', encoding="utf-8")
    with pytest.raises(MlopsNewError, match="mlops_new_source"):
        load_settings(settings_file)
