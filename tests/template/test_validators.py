"""The new questions reject bad answers with a message naming the value and the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.template import matrix


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
            "'gs://' is not a valid gcs URL: name the bucket after gs://",
        ),
        (
            {"dvc_remote": "azure", "dvc_remote_url": "azure:///path"},
            "'azure:///path' is not a valid azure URL",
        ),
        (
            {"dvc_remote": "ssh", "dvc_remote_url": "ssh://user@host"},
            "'ssh://user@host' names no path on the SSH server: use the form ssh://user@host/path",
        ),
        (
            {"mlops_new_source": "https://pypi.example.com/simple\nhttps://evil.example/"},
            "cannot be used as the mlops-new source",
        ),
        (
            {"mlflow_tracking_uri": "ftp://mlflow.example.com"},
            "'ftp://mlflow.example.com' is not a supported MLflow tracking URI: leave it empty",
        ),
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
    ],
)
def test_good_answers_are_accepted(template: Path, tmp_path: Path, answers: dict[str, Any]) -> None:
    used = matrix.render(template, tmp_path / "project", answers)
    assert all(used[name] == value for name, value in answers.items())
