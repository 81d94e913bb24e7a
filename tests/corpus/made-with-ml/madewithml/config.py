"""Settings (fixture, modelled on madewithml/config.py)."""

import os
from pathlib import Path

import mlflow

EFS_DIR = Path(f"/efs/shared_storage/madewithml/{os.environ.get('GITHUB_USERNAME', '')}")
MODEL_REGISTRY = Path(f"{EFS_DIR}/mlflow")
# The store is derived from a fixed path; MLFLOW_TRACKING_URI from the environment is ignored.
MLFLOW_TRACKING_URI = "file://" + str(MODEL_REGISTRY.absolute())
mlflow.set_tracking_uri(MLFLOW_TRACKING_URI)
