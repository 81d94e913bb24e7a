"""Organisation settings on create and update: default template, preset and locked answers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from mlops_new.cli._errors import ExitCode
from tests.support.helpers import build_tree, git
from tests.update.conftest import Cli, commit_all

MakeProject = Callable[..., Path]


def _settings(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_locked_answer_is_refused_on_create_and_nothing_is_written(
    cli: Cli, tmp_path: Path
) -> None:
    config = _settings(
        tmp_path.parent / "acme.toml",
        '[policy]\nname = "acme"\n[policy.locked]\ncomponent = "api"\n',
    )
    result = cli(
        "p",
        "--ref",
        "0.2.0",
        "--defaults",
        "--no-lock",
        "--config",
        str(config),
        "-d",
        "component=none",
    )
    assert result.exit_code == ExitCode.USER_ERROR
    assert "acme" in result.stderr
    assert "component" in result.stderr
    assert not list(tmp_path.iterdir())
    ok = cli("p", "--ref", "0.2.0", "--defaults", "--no-lock", "--config", str(config))
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "p" / "api.py").is_file()  # the locked answer is applied


def test_locked_answer_is_refused_on_update(
    cli: Cli, make_project: MakeProject, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project("0.2.0")
    config = _settings(
        tmp_path.parent / "acme.toml",
        '[policy]\nname = "acme"\n[policy.locked]\ncomponent = "none"\n',
    )
    monkeypatch.setenv("MLOPS_NEW_CONFIG", str(config))
    head = git(project, "rev-parse", "HEAD")
    result = cli("update", str(project), "-d", "component=api", "--to", "0.2.0", "--defaults")
    assert result.exit_code == ExitCode.USER_ERROR
    assert "acme" in result.stderr
    assert git(project, "rev-parse", "HEAD") == head
    assert git(project, "status", "--porcelain") == ""


def test_settings_template_and_preset_answers_apply_to_a_bare_create(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    org = build_tree(
        tmp_path.parent / "org-tpl",
        {
            "copier.yml": "team:\n  type: str\n  default: nobody\nlicense:\n  type: str\n"
            "  default: MIT\n",
            "{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n",
            "TEAM.md.jinja": "{{ team }} {{ license }}\n",
        },
    )
    git(org, "init", "--quiet")
    commit_all(org, "org template")
    git(org, "tag", "v1.0.0")
    _settings(
        tmp_path.parent / "home-config" / "mlops-new" / "config.toml",
        f'[defaults]\ntemplate = "{org}"\n[defaults.answers]\nlicense = "Proprietary"\n'
        'team = "platform"\n',
    )
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path.parent / "home-config"))
    result = cli("p", "--defaults", "--no-lock")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "p" / "TEAM.md").read_text() == "platform Proprietary\n"
    answers = yaml.safe_load((tmp_path / "p" / ".copier-answers.yml").read_text())
    assert answers["_src_path"] == str(org)


def test_a_policy_shipped_in_the_template_refuses_a_locked_answer(cli: Cli, tmp_path: Path) -> None:
    org = build_tree(
        tmp_path.parent / "org-policy",
        {
            "copier.yml": "ci:\n  type: str\n  default: github\n",
            "{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n",
            ".mlops-new-policy.toml": '[policy]\nname = "org"\n[policy.locked]\nci = "github"\n',
        },
    )
    git(org, "init", "--quiet")
    commit_all(org, "org template")
    git(org, "tag", "v1.0.0")
    result = cli("p", "--template", str(org), "--defaults", "--no-lock", "-d", "ci=gitlab")
    assert result.exit_code == ExitCode.USER_ERROR
    assert "ci" in result.stderr
    assert not (tmp_path / "p").exists()
    ok = cli("p", "--template", str(org), "--defaults", "--no-lock")
    assert ok.exit_code == 0, ok.output
    project = tmp_path / "p"
    refused = cli("update", str(project), "-d", "ci=gitlab", "--defaults")
    assert refused.exit_code == ExitCode.USER_ERROR
