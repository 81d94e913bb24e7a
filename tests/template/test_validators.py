"""The questions reject bad answers with a message naming the value and the fix.

A message is read at a glance, in a prompt (mlops-new makes copier's prompts wrap
it) or after ``-d``: every one fits in 79 columns, whatever the answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from jinja2.sandbox import SandboxedEnvironment

from mlops_new.inputs.settings import ConfigError, load_settings
from tests.template import matrix

ROOT = Path(__file__).resolve().parents[2]
WIDTH = 79
HOSTILE = (
    "",
    " ",
    "x" * 300,
    "9" * 300,
    "Ω" * 120,
    'a "b" \\ c',
    "-" * 120,
    "import",
    "os",
    "ftp://" + "h" * 200,
    "s3://",
    "gs:///" + "p" * 200,
    "azure://" + "b" * 200,
    "ssh://" + "u" * 200,
    "git+" + "g" * 200,
    "$HOME{x}%#",
    "1.2",
    "model.txt",
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return matrix.template_copy(tmp_path_factory.mktemp("template") / "template")


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (
            {"dvc_remote": "s3", "dvc_remote_url": "gs://bucket/path"},
            "'gs://bucket/path' is not a s3 URL: use the form s3://bucket/path",
        ),
        (
            {"dvc_remote": "gcs", "dvc_remote_url": "gs://"},
            "Name the bucket after gs://, without spaces or quotes: gs://bucket/path",
        ),
        (
            {"dvc_remote": "azure", "dvc_remote_url": "azure:///path"},
            "Name the bucket after azure://",
        ),
        (
            {"dvc_remote": "ssh", "dvc_remote_url": "ssh://user@host"},
            "'ssh://user@host' names no path on the SSH server: use ssh://user@host/path",
        ),
        (
            {"mlops_new_source": "https://pypi.example.com/simple\nhttps://evil.example/"},
            "Remove spaces, quotes, backslashes and $`{}%# from the mlops-new source",
        ),
        (
            # Plain http: anyone on the path could serve the sync job (with its token) code.
            {"mlops_new_source": "http://pypi.example.com/simple"},
            "'http://pypi.exa…' is not an index URL (https://) or git URL (git+https://)",
        ),
        (
            {"mlflow_tracking_uri": "ftp://mlflow.example.com"},
            "'ftp://mlflow.ex…' is no MLflow URI: use http(s)://, sqlite:/// or databricks",
        ),
        (
            {"owners": "@ada ml-team"},
            "'ml-team' is not an owner: use @handle or @org/team, space-separated",
        ),
        ({"owners": "@org//team"}, "'@org//team' is not an owner"),
        ({"owners": "@ada;rm"}, "'@ada;rm' is not an owner"),
    ],
)
def test_bad_answers_are_rejected_with_the_fix(
    template: Path, tmp_path: Path, answers: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match="Validation error") as error:
        matrix.render(template, tmp_path / "project", answers)
    assert message in str(error.value)
    assert not (tmp_path / "project" / "pyproject.toml").exists()


@pytest.mark.parametrize(
    "answers",
    [
        {"dvc_remote": "s3", "dvc_remote_url": "s3://bucket/deep/path"},
        {"dvc_remote": "gcs", "dvc_remote_url": "gs://bucket"},
        {"dvc_remote": "azure", "dvc_remote_url": "azure://container/path"},
        {"dvc_remote": "ssh", "dvc_remote_url": "ssh://user@host.example.com/srv/dvc"},
        {"mlflow_tracking_uri": "https://mlflow.example.com"},
        {"mlflow_tracking_uri": "sqlite:///runs.db"},
        {"mlflow_tracking_uri": "databricks"},
        {"owners": "@ada @org/ml-team"},
        {"deploy": "none"},
    ],
)
def test_good_answers_are_accepted(template: Path, tmp_path: Path, answers: dict[str, Any]) -> None:
    used = matrix.render(template, tmp_path / "project", answers)
    assert all(used[name] == value for name, value in answers.items())


def _questions() -> dict[str, dict[str, Any]]:
    config = yaml.safe_load((ROOT / "template" / "copier.yml").read_text(encoding="utf-8"))
    return {k: v for k, v in config.items() if not k.startswith("_") and isinstance(v, dict)}


def _defaults(questions: dict[str, dict[str, Any]]) -> dict[str, Any]:
    env = SandboxedEnvironment()
    answers: dict[str, Any] = {}
    for name, question in questions.items():
        default = question.get("default")
        answers[name] = (
            env.from_string(default).render(answers) if isinstance(default, str) else default
        )
    return answers


@pytest.mark.parametrize("name", [n for n, q in _questions().items() if "validator" in q])
def test_every_message_fits_one_terminal_line(name: str) -> None:
    questions = _questions()
    env = SandboxedEnvironment()
    validator = env.from_string(questions[name]["validator"])
    remotes = (
        ("local", "s3", "gcs", "azure", "ssh", "none") if name == "dvc_remote_url" else ("local",)
    )
    messages = set()
    for remote in remotes:
        for value in HOSTILE:
            answers = {**_defaults(questions), "dvc_remote": remote, name: value}
            message = validator.render(answers).strip()
            assert "\n" not in message, message
            assert len(message) <= WIDTH, f"{len(message)} columns: {message}"
            messages.add(message)
    assert messages - {""}, f"no hostile answer to {name} was refused"


_SOURCES = [
    ("", True),
    ("https://pypi.example.com/simple", True),
    ("git+https://git.example.com/org/mlops-new.git", True),
    ("git+ssh://git@git.example.com/org/mlops-new.git", True),
    ("http://pypi.example.com/simple", False),
    ("git+http://git.example.com/org/mlops-new.git", False),
    ("ftp://pypi.example.com/simple", False),
]


@pytest.mark.parametrize(("source", "ok"), _SOURCES)
def test_the_question_and_the_settings_accept_the_same_mlops_new_sources(
    template: Path, tmp_path: Path, source: str, ok: bool
) -> None:
    """copier.yml's validator and ``defaults.mlops_new_source`` in the settings agree."""
    settings = tmp_path / "settings.toml"
    settings.write_text(f"[defaults]\nmlops_new_source = {source!r}\n", encoding="utf-8")
    if ok:
        assert load_settings(settings).mlops_new_source == source
        used = matrix.render(template, tmp_path / "project", {"mlops_new_source": source})
        assert used["mlops_new_source"] == source
        return
    with pytest.raises(ConfigError, match="neither a package index URL"):
        load_settings(settings)
    with pytest.raises(ValueError, match="Validation error"):
        matrix.render(template, tmp_path / "project", {"mlops_new_source": source})
