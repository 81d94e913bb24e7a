"""Training (placeholder)."""

from madewithml.config import MLFLOW_TRACKING_URI  # noqa: F401
