"""Writes profiles to the active MLflow run (fixture; the user's session picks the server)."""

import mlflow


def write(profile_path: str) -> None:
    mlflow.log_artifact(profile_path, "whylogs")
