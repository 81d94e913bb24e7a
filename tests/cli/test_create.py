"""`mlops-new NAME`: every option and every user error, on a tiny released template."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mlops_new.cli import route
from mlops_new.cli._errors import ExitCode
from tests.cli.conftest import Invoke
from tests.support.helpers import build_tree, git

pytestmark = pytest.mark.usefixtures("tiny_bundle")


def _answers(project: Path) -> dict[str, object]:
    loaded = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def _nothing_written(where: Path) -> bool:
    return not list(where.iterdir())


def test_name_creates_a_committed_project_from_the_newest_version(
    invoke: Invoke, tmp_path: Path
) -> None:
    result = invoke("churn-model", "--defaults", "--no-lock")
    assert result.exit_code == 0, result.output
    project = tmp_path / "churn-model"
    assert (project / "README.md").read_text() == "# churn-model\n\nsecond\n"
    assert git(project, "status", "--porcelain") == ""
    assert git(project, "rev-list", "--count", "HEAD") == "1"
    assert git(project, "branch", "--show-current") == "main"
    answers = _answers(project)
    assert answers["_commit"] == "v0.2.0"
    assert answers["_src_path"] == "~/.mlops-new/template"
    assert answers["project_name"] == "churn-model"
    assert "Created" in result.stdout


def test_create_subcommand_is_the_same(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("create", "update", "--defaults", "--no-lock")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "update" / "README.md").is_file()


def test_routing_keeps_commands_and_global_flags() -> None:
    assert route(["x"]) == ["create", "x"]
    assert route(["--defaults", "x"]) == ["create", "--defaults", "x"]
    assert route(["create", "x"]) == ["create", "x"]
    assert route(["--version"]) == ["--version"]
    assert route([]) == []


def test_name_may_be_a_path_and_names_the_project_by_its_last_part(
    invoke: Invoke, tmp_path: Path
) -> None:
    result = invoke("work/models/fraud", "--defaults", "--no-lock")
    assert result.exit_code == 0, result.output
    assert _answers(tmp_path / "work/models/fraud")["project_name"] == "fraud"


def test_output_dir_is_the_parent(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("p", "-o", "out", "--defaults", "--no-lock")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "p" / ".copier-answers.yml").is_file()


def test_data_and_data_file_answer_questions(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / "answers.yml").write_text("license: Apache-2.0\nauthor_name: Ada\n")
    result = invoke("p", "--data-file", "answers.yml", "-d", "author_name=Grace", "--no-lock")
    assert result.exit_code == 0, result.output
    answers = _answers(tmp_path / "p")
    assert answers["license"] == "Apache-2.0"
    assert answers["author_name"] == "Grace"  # -d wins over --data-file


def test_git_identity_and_python_become_defaults(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("p", "--defaults", "--no-lock")
    assert result.exit_code == 0, result.output
    answers = _answers(tmp_path / "p")
    assert answers["author_name"] == "Test User"
    assert answers["author_email"] == "test@example.com"
    assert answers["python_version"] == f"{sys.version_info.major}.{sys.version_info.minor}"


@pytest.mark.parametrize("ref", ["0.1.0", "v0.1.0"])
def test_ref_picks_a_version_in_either_spelling(invoke: Invoke, tmp_path: Path, ref: str) -> None:
    result = invoke("p", "--ref", ref, "--defaults", "--no-lock")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "p" / "README.md").read_text() == "# p\n\nfirst\n"
    assert _answers(tmp_path / "p")["_commit"] == "v0.1.0"


def test_json_output_is_the_only_thing_on_stdout(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("p", "--defaults", "--no-lock", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["schema_version"] == 1
    assert document["command"] == "create"
    payload = document["result"]
    assert payload["path"] == str(tmp_path / "p")
    assert payload["template_src"] == "~/.mlops-new/template"
    assert payload["template_version"] == "0.2.0"
    assert payload["answers"]["project_name"] == "p"
    assert payload["locked"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["My Project!", "--defaults"], "'My Project!' is not a valid project name"),
        (["1st", "--defaults"], "(try 'project-1st')"),
        (["p", "--ref", "9.9.9", "--defaults"], "Template version '9.9.9' does not exist"),
        (["p", "--ref", "latest", "--defaults"], "'latest' is not a template version"),
        (["p", "-d", "license=GPL", "--defaults"], "Invalid choice for 'license': 'GPL'"),
        (["p", "-d", "project_name=9x"], "'9x' is not a valid project name"),
        (["p", "-d", "nonsense", "--defaults"], "'nonsense' is not an answer: use KEY=VALUE"),
        (["p", "--data-file", "missing.yml"], "Cannot read the data file 'missing.yml'"),
        (["p", "--template", "/no/such/path", "--defaults"], "The template /no/such/path does not"),
        (["p", "--template", "./gone", "--defaults"], "The template ./gone does not exist."),
    ],
)
def test_user_errors_exit_4_with_the_value_and_write_nothing(
    invoke: Invoke, tmp_path: Path, args: list[str], message: str
) -> None:
    result = invoke(*args, "--no-lock")
    assert result.exit_code == ExitCode.USER_ERROR, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) <= 2
    assert _nothing_written(tmp_path)


def test_a_failure_removes_the_parent_folders_it_made(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("deep/er/p", "-d", "license=GPL", "--defaults", "--no-lock")
    assert result.exit_code == ExitCode.USER_ERROR
    assert _nothing_written(tmp_path)


def test_bad_data_file_yaml(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / "bad.yml").write_text("- a list\n")
    result = invoke("p", "--data-file", "bad.yml", "--no-lock")
    assert result.exit_code == ExitCode.USER_ERROR
    assert "must be a YAML mapping" in result.stderr
    assert not (tmp_path / "p").exists()


def test_non_empty_target_is_refused_and_untouched(invoke: Invoke, tmp_path: Path) -> None:
    build_tree(tmp_path / "p", {"keep.txt": "mine"})
    result = invoke("p", "--defaults", "--no-lock")
    assert result.exit_code == ExitCode.USER_ERROR
    assert "already exists and is not empty" in result.stderr
    assert [f.name for f in (tmp_path / "p").iterdir()] == ["keep.txt"]


def test_an_empty_existing_folder_is_filled(invoke: Invoke, tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    result = invoke("p", "--defaults", "--no-lock")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "p" / ".git").is_dir()


def test_missing_git_is_a_user_error(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty_bin = tmp_path.parent / "empty-bin"
    empty_bin.mkdir(exist_ok=True)
    monkeypatch.setenv("PATH", str(empty_bin))
    result = invoke("p", "--defaults", "--no-lock")
    assert result.exit_code == ExitCode.USER_ERROR
    assert "git is not installed" in result.stderr
    assert _nothing_written(tmp_path)


def test_no_git_identity_still_creates_with_a_fallback_and_a_hint(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path.parent / "empty.gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("EMAIL", "")
    result = invoke("p", "--defaults", "--no-lock")
    assert result.exit_code == 0, result.output
    warning = " ".join(result.stderr.split())  # wrapped at the terminal's width
    assert "fallback identity" in warning
    assert "the project's author is" in warning  # the placeholder is named
    assert git(tmp_path / "p", "log", "-1", "--format=%an") == "mlops-new"


def test_ctrl_c_during_render_leaves_nothing(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlops_new.templates import _copier

    real_copy = _copier.copy

    def interrupted(src: str, dst: Path, **kwargs: object) -> None:
        real_copy(src, dst, **kwargs)  # type: ignore[arg-type]
        raise KeyboardInterrupt

    monkeypatch.setattr(_copier, "copy", interrupted)
    result = invoke("p", "--defaults", "--no-lock")
    assert result.exit_code == ExitCode.ABORTED
    assert "Aborted" in result.stderr
    assert _nothing_written(tmp_path)


def test_another_template_in_git_by_path(invoke: Invoke, tmp_path: Path) -> None:
    org = tmp_path.parent / "org-template"
    build_tree(
        org,
        {
            "copier.yml": "team:\n  type: str\n  default: platform\n",
            "{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n",
            "TEAM.md.jinja": "{{ team }}\n",
        },
    )
    git(org, "init", "--quiet")
    git(org, "add", "-A")
    git(org, "commit", "--quiet", "-m", "org")
    git(org, "tag", "1.0.0")
    result = invoke("p", "--template", str(org), "--ref", "v1.0.0", "--defaults", "--no-lock")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "p" / "TEAM.md").read_text() == "platform\n"
    assert _answers(tmp_path / "p")["_commit"] == "1.0.0"
    bad = invoke("q", "--template", str(org), "--ref", "2.0.0", "--defaults", "--no-lock")
    assert bad.exit_code == ExitCode.USER_ERROR
    assert "Its tagged versions: 1.0.0" in bad.stderr


def test_version_names_the_tool_and_the_bundled_template(invoke: Invoke) -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("mlops-new ")
    assert "bundled template 0.2.0" in result.stdout


def test_help_has_examples(invoke: Invoke) -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    assert "mlops-new churn-model --defaults" in result.stdout


def _python_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}


def test_help_does_not_import_copier() -> None:
    code = (
        "import sys\n"
        "from mlops_new.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('copier' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=_python_env()
    )
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_python_dash_m_works() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "mlops_new", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env=_python_env(),
    )
    assert "Usage: mlops-new" in out.stdout


def test_console_script_is_installed() -> None:
    assert shutil.which("mlops-new") or (Path(sys.executable).parent / "mlops-new").exists()


def test_a_plain_template_folder_renders_unversioned_for_template_development(
    invoke: Invoke, tmp_path: Path
) -> None:
    draft = build_tree(
        tmp_path.parent / "draft",
        {
            "copier.yml": "team:\n  type: str\n  default: ml\n",
            "TEAM.md.jinja": "{{ team }}\n",
        },
    )
    result = invoke("p", "--template", str(draft), "--defaults", "--no-lock", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["result"]["template_version"] == "unversioned"
    assert (tmp_path / "p" / "TEAM.md").read_text() == "ml\n"


def test_create_caches_its_pristine_render_for_the_first_update(
    invoke: Invoke, tmp_path: Path
) -> None:
    """The project's first update/diff renders nothing for its own version (render cache)."""
    from mlops_new.inputs.answers import read_answers
    from mlops_new.templates import render, source

    result = invoke("p", "--defaults", "--no-lock", "--ref", "0.1.0")
    assert result.exit_code == 0, result.output
    project = tmp_path / "p"
    answers = {k: v for k, v in read_answers(project).items() if not k.startswith("_")}
    with render.rendered(source.resolve(None, "0.1.0"), answers) as cached:
        assert cached.is_relative_to(render.cache_root())  # found, not rendered again
        for file in cached.rglob("*"):
            if file.is_file():
                assert (project / file.relative_to(cached)).read_bytes() == file.read_bytes()
