"""What a new user meets first: next steps, errors as JSON, questions, help, hints."""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path

import pytest

from tests.cli.conftest import Invoke
from tests.support.helpers import build_tree, git
from tests.template import matrix

create_cli = importlib.import_module("mlops_new.cli.create")
MESSAGE_TEMPLATE = {
    "copier.yml": (
        "_subdirectory: project\n"
        "_message_after_copy: |\n  just bootstrap   # {{ project_name }}\n  just test\n"
        "project_name:\n  type: str\n  default: p\n"
        "flavour:\n  type: str\n  help: Which flavour.\n  choices: [vanilla, mint]\n"
        "  default: mint\n"
        'shout:\n  type: str\n  default: "{{ project_name | upper }}"\n  when: false\n'
    ),
    "project/README.md.jinja": "# {{ project_name }}\n",
}


def _template(tmp_path: Path, tag: str | None = None) -> Path:
    root = build_tree(tmp_path / "tpl", MESSAGE_TEMPLATE)
    if tag:
        git(root, "init", "--quiet")
        git(root, "add", "-A")
        git(root, "commit", "--quiet", "-m", "t")
        git(root, "tag", tag)
    return root


def test_next_steps_come_from_the_template(invoke: Invoke, tmp_path: Path) -> None:
    template = _template(tmp_path)
    result = invoke("proj", "--template", str(template), "--defaults", "--no-lock")
    assert result.exit_code == 0, result.output
    steps = result.stdout.split("Next steps:", 1)[1]
    assert "  cd proj\n" in steps
    assert "just bootstrap   # proj" in steps
    assert "make" not in steps  # the bundled template's steps are not every template's


def test_next_steps_in_json_and_cd_names_the_path_typed(invoke: Invoke, tmp_path: Path) -> None:
    template = _template(tmp_path)
    args = ("proj", "-o", "sub/dir", "--template", str(template), "--defaults", "--no-lock")
    result = invoke(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    steps = json.loads(result.stdout)["result"]["next_steps"]
    assert "cd sub/dir/proj" in steps
    assert steps[-2:] == ["just bootstrap   # proj", "just test"]


def test_bundled_template_next_steps(invoke: Invoke, tmp_path: Path) -> None:
    template = matrix.template_copy(tmp_path / "template")
    result = invoke("proj", "--template", str(template), "--defaults", "--no-lock")
    assert result.exit_code == 0, result.output
    assert "make setup" in result.stdout
    assert "make repro" in result.stdout


def test_next_steps_say_which_defaults_stay_on_this_machine(invoke: Invoke, tmp_path: Path) -> None:
    """Issue 22: the single-machine defaults are named at create, and shared ones are not."""
    template = matrix.template_copy(tmp_path / "template")
    local = invoke("proj", "--template", str(template), "--defaults", "--no-lock")
    assert local.exit_code == 0, local.output
    assert (
        "# MLflow runs (mlflow.db) and the DVC remote (../proj-dvc-storage) stay on this "
        'machine: README.md, "Team set-up", shares them.' in local.stdout
    )
    shared = invoke(
        "team", "--template", str(template), "--defaults", "--no-lock",
        "-d", "mlflow_tracking_uri=https://mlflow.example.com", "-d", "dvc_remote=s3",
    )  # fmt: skip
    assert shared.exit_code == 0, shared.output
    assert "stay on this machine" not in shared.stdout


def test_without_uv_on_path_the_first_step_puts_mlops_news_uv_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    steps = create_cli.first_steps(tmp_path / "my proj", tmp_path)
    assert len(steps) == 2
    assert steps[-1] == "cd 'my proj'"
    if os.name != "nt":
        assert steps[0].startswith("export PATH=")
        folder = steps[0].split("=", 1)[1].split(":", 1)[0].strip("'")
        assert (Path(folder) / "uv").is_file()
        assert "VIRTUAL_ENV" not in steps[0]
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "uv").write_text("#!/bin/sh\n")
    (tmp_path / "bin" / "uv").chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    assert create_cli.first_steps(tmp_path / "p", tmp_path / "elsewhere") == (
        f"cd {tmp_path / 'p'}",
    )


def test_errors_are_json_under_format_json(invoke: Invoke) -> None:
    result = invoke("bad name!", "--format", "json")
    assert result.exit_code == 4
    document = json.loads(result.stdout)
    assert document["command"] == "create"
    assert document["error"]["exit_code"] == 4
    assert "bad name!" in document["error"]["message"]
    assert "error:" not in result.stderr


def test_errors_are_text_without_format_json(invoke: Invoke) -> None:
    result = invoke("bad name!")
    assert result.exit_code == 4
    assert result.stdout == ""
    assert "error:" in result.stderr


def test_update_outside_a_project_does_not_suggest_git_init(invoke: Invoke) -> None:
    result = invoke("update")
    assert result.exit_code == 4
    assert "git init" not in result.stderr
    assert "mlops-new NAME" in result.stderr


def test_questions_of_any_template(invoke: Invoke, tmp_path: Path) -> None:
    template = _template(tmp_path, tag="v1.0.0")
    result = invoke("questions", "--template", str(template), "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)["result"]
    assert document["template_version"] == "1.0.0"
    by_name = {q["name"]: q for q in document["questions"]}
    assert by_name["flavour"]["choices"] == ["vanilla", "mint"]
    assert by_name["flavour"]["default"] == "mint"
    assert by_name["shout"]["asked"] == "derived"
    text = invoke("questions", "--template", str(template))
    assert "flavour = mint  vanilla | mint" in text.stdout
    assert "shout" not in text.stdout  # derived: never asked


def test_questions_of_the_bundled_template(invoke: Invoke) -> None:
    result = invoke("questions", "--format", "json")
    assert result.exit_code == 0, result.output
    names = [q["name"] for q in json.loads(result.stdout)["result"]["questions"]]
    assert "license" in names


@pytest.mark.parametrize("how", ["--config", "MLOPS_NEW_CONFIG"])
def test_questions_and_versions_describe_the_settings_template(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """With an organisation template configured, they describe the template ``create`` uses."""
    template = _template(tmp_path, tag="v1.0.0")
    config = tmp_path / "config.toml"
    config.write_text(f'[defaults]\ntemplate = "{template}"\n', encoding="utf-8")
    args: tuple[str, ...] = ("--config", str(config)) if how == "--config" else ()
    if how == "MLOPS_NEW_CONFIG":
        monkeypatch.setenv("MLOPS_NEW_CONFIG", str(config))
    asked = invoke("questions", *args, "--format", "json")
    assert asked.exit_code == 0, asked.output
    document = json.loads(asked.stdout)["result"]
    assert document["template_src"] == str(template)
    assert "flavour" in [q["name"] for q in document["questions"]]
    listed = invoke("versions", *args, "--path", str(tmp_path), "--format", "json")
    assert listed.exit_code == 0, listed.output
    result = json.loads(listed.stdout)["result"]
    assert result["template_src"] == str(template)
    assert [v["version"] for v in result["versions"]] == ["1.0.0"]


def test_questions_of_a_folder_that_is_no_template(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("questions", "--template", str(tmp_path))
    assert result.exit_code == 4
    assert "no copier.yml" in result.stderr


@pytest.mark.parametrize("command", ["create", "check", "diff", "restore", "link", "update"])
def test_help_names_values_not_python_types(invoke: Invoke, command: str) -> None:
    result = invoke(command, "--help")
    assert result.exit_code == 0
    for python_type in ("<str>", "<path>", "<list[", "{NAME}"):
        assert python_type not in result.stdout


def test_lock_failure_names_the_index_that_did_not_answer(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = build_tree(
        tmp_path / "tpl",
        {
            "copier.yml": "_subdirectory: project\nproject_name:\n  type: str\n  default: p\n",
            "project/pyproject.toml.jinja": (
                '[project]\nname = "{{ project_name }}"\nversion = "0.1.0"\n'
                'requires-python = ">=3.10"\ndependencies = ["no-such-package-here"]\n'
            ),
        },
    )
    monkeypatch.setenv("UV_DEFAULT_INDEX", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("UV_NO_CACHE", "1")
    monkeypatch.setenv("UV_HTTP_RETRIES", "0")
    # --trust: locking another template runs its build backend (docs/security.md).
    result = invoke("proj", "--template", str(template), "--defaults", "--trust")
    assert result.exit_code == 0, result.output
    assert "uv lock failed" in result.stderr
    assert "127.0.0.1:9" in result.stderr


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("mlops-new up", {"update"}),
        ("mlops-new update --ab", {"--abort"}),
        ("mlops-new check --format ", {"rich", "json", "sarif", "github"}),
    ],
)
def test_shell_completion_completes_commands_options_and_choices(
    tmp_path: Path, words: str, expected: set[str]
) -> None:
    """The console script answers the shell's completion protocol (once: no completion,
    and `--install-completion` was taken for a project name)."""
    import subprocess

    from tests.support.helpers import tool

    env = {
        **os.environ,
        "_MLOPS_NEW_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split(" ")) - 1),
    }
    proc = subprocess.run(
        [tool("mlops-new")], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert set(proc.stdout.split()) == expected, proc.stderr


def test_completion_flags_are_not_project_names(invoke: Invoke, tmp_path: Path) -> None:
    result = invoke("--show-completion", "bash")
    assert "_mlops_new_completion" in result.stdout
    assert not (tmp_path / "--show-completion").exists()


@pytest.mark.parametrize(
    ("extra", "warned"),
    [((), True), (("-d", "mlops_new_source=https://pypi.acme.example/simple"), False)],
    ids=["pypi", "own-index"],
)
def test_an_mlops_new_from_a_checkout_says_where_projects_will_look_for_it(
    invoke: Invoke, extra: tuple[str, ...], warned: bool
) -> None:
    """This suite's mlops-new is installed from its checkout (PEP 610 direct_url.json): a
    project whose hook and CI install it from PyPI is told, with the fix; one with its own
    index is not."""
    result = invoke("proj", "--defaults", "--no-lock", "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    warnings = json.loads(result.stdout)["result"]["warnings"]
    about_source = [w for w in warnings if "was installed from" in w]
    assert bool(about_source) is warned
    if warned:
        assert "mlops_new_source=" in about_source[0]
        assert "SKIP=mlops-new-check" in about_source[0]
