"""The promote stage: register the model and make it the champion when it is good enough.

The held-out metric named in params.yaml (``promote.metric``) must reach
``promote.threshold``. With MLflow the model becomes a new version of the
registered model and the ``champion`` alias moves to it only when it passes;
in every variant ``models/lineage.json`` records the decision for the service
and the model card.
"""

from dataclasses import asdict, dataclass
from pathlib import Path

from . import tracking
from .config import Params
from .evaluate import DEFAULT_METRICS_PATH
from .lineage import lineage_path, load_model_info, read_json, write_json
from .predict import DEFAULT_MODEL_PATH


@dataclass(frozen=True)
class Promotion:
    """The decision and where it was written."""

    metric: str
    value: float
    threshold: float
    promoted: bool
    version: str | None  # the registry version (MLflow), else None
    path: Path


def promote(
    params: Params,
    model_path: Path = DEFAULT_MODEL_PATH,
    metrics_path: Path = DEFAULT_METRICS_PATH,
) -> Promotion:
    """Compare the held-out metric with the threshold; register, promote, write lineage."""
    info = load_model_info(model_path)
    metric, threshold = params.promote.metric, params.promote.threshold
    value = float(read_json(metrics_path)[metric])
    passed = value >= threshold
    version = tracking.register(info.run_id, info.model_uri, promote=passed)
    decision = {"metric": metric, "value": value, "threshold": threshold, "promoted": passed}
    document = {**asdict(info), "promotion": decision, "registry_version": version}
    path = write_json(lineage_path(model_path), document)
    return Promotion(metric, value, threshold, passed, version, path)
