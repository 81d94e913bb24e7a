"""Hostile answers and data files: every one is a clear error, none reaches a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.security.conftest import ROOT, Ran, Run, Scene, assert_clear_error

USER_ERROR = 4
TEMPLATE = str(ROOT / "template")


def _create(run_cli: Run, *extra: str) -> Ran:
    return run_cli("proj", "--template", TEMPLATE, "--defaults", "--no-lock", *extra)


def _nothing_created(scene: Scene) -> None:
    scene.assert_untouched()
    assert list(scene.work.iterdir()) == [], "create left something behind"


@pytest.mark.parametrize(
    ("answer", "names"),
    [
        ("project_slug=x$(shell touch MARKER)", ["project_slug"]),
        ("model_file=m.joblib\nRUN touch MARKER", ["model_file"]),
        ("model_file=../../x.pt", ["model_file"]),
        ('package_name=x"; import os', ["package_name"]),
        ("description=one\rtwo", ["description"]),
        ("description=bell\x07 \x1b[31mred", ["description"]),
        ("author_name=Ada\nLovelace", ["author_name"]),
        ("author_email=a@example.com\nb", ["author_email"]),
        ("author_email=a\\@example.com", ["author_email"]),
        ("mlflow_tracking_uri=http://x$(id)", ["mlflow_tracking_uri"]),
        ("mlflow_tracking_uri=http://x`id`", ["mlflow_tracking_uri"]),
        ("mlflow_tracking_uri=http://x;id", ["mlflow_tracking_uri"]),
        ("dvc_remote_url=s3://bucket/x\n[core]", ["dvc_remote_url"]),
        ("docker=nope", ["docker", "true or false"]),
        ("licence=Apache-2.0", ["licence", "license"]),
        ("framwork=pytorch", ["framwork", "framework"]),
    ],
)
def test_hostile_answers_are_refused(
    scene: Scene, run_cli: Run, answer: str, names: list[str]
) -> None:
    answer = answer.replace("MARKER", str(scene.marker))
    extra = ["-d", "dvc_remote=s3"] if answer.startswith("dvc_remote_url") else []
    ran = _create(run_cli, "-d", answer, *extra)
    assert_clear_error(ran, USER_ERROR, *names)
    assert "\x1b[31m" not in ran.err, "a terminal escape sequence reached the terminal"
    _nothing_created(scene)


@pytest.mark.parametrize("value", ["No", "FALSE", "0", "yes", "1", "True"])
def test_booleans_accept_true_false_yes_no_1_0(scene: Scene, run_cli: Run, value: str) -> None:
    ran = _create(run_cli, "-d", f"docker={value}")
    assert ran.code == 0, ran.err
    has_dockerfile = (scene.work / "proj" / "Dockerfile").exists()
    assert has_dockerfile == (value.lower() in ("yes", "1", "true"))


def test_generated_gitignore_covers_env_variants_but_not_the_example(
    scene: Scene, run_cli: Run
) -> None:
    ran = _create(run_cli)
    assert ran.code == 0, ran.err
    project = scene.work / "proj"
    for name in (".env", ".env.local", ".env.production", ".env.example"):
        (project / name).write_text("SECRET=1\n", encoding="utf-8")
    ignored = _git_check_ignore(project, ".env", ".env.local", ".env.production", ".env.example")
    assert ignored == {".env", ".env.local", ".env.production"}


def _git_check_ignore(project: Path, *names: str) -> set[str]:
    import subprocess

    proc = subprocess.run(
        ["git", "check-ignore", *names], cwd=project, capture_output=True, text=True, check=False
    )
    return set(proc.stdout.split())


def _bomb() -> str:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for level in range(1, 10):
        prev = chr(ord("a") + level - 1)
        name = chr(ord("a") + level)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 10) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, ["/dev/zero", "regular file"]),
        (_bomb().encode(), ["expands"]),
        (b"- just\n- a list\n", ["mapping"]),
        (b"project_name: caf\xe9\n", ["UTF-8"]),
        (b"project_name:\n  nested: mapping\n", ["project_name", "plain answer"]),
        (b"project_name: [unclosed\n", ["not valid YAML"]),
        (b"x" * (3 * 1024 * 1024), ["larger than"]),
    ],
    ids=["dev-zero", "alias-bomb", "list", "latin-1", "nested", "invalid", "huge"],
)
def test_hostile_data_files_are_refused(
    scene: Scene, run_cli: Run, content: bytes | None, words: list[str]
) -> None:
    path = Path("/dev/zero")
    if content is not None:
        path = scene.root / "answers.yml"
        path.write_bytes(content)
    ran = run_cli("proj", "--defaults", "--no-lock", "--data-file", str(path), timeout=60)
    assert_clear_error(ran, USER_ERROR, *words)
    _nothing_created(scene)


def test_a_data_file_through_a_dangling_symlink_is_a_clear_error(
    scene: Scene, run_cli: Run
) -> None:
    link = scene.root / "answers.yml"
    link.symlink_to(scene.root / "missing.yml")
    ran = run_cli("proj", "--defaults", "--no-lock", "--data-file", str(link))
    assert_clear_error(ran, USER_ERROR, "answers.yml")
    _nothing_created(scene)
