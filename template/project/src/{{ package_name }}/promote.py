"""The promote stage: register the model and make it the champion when it is good enough.

First the held-out evaluation joins the model's tracking run (with MLflow: the
``test_*`` metrics, the test data with its DVC hash, the plots). Then the
held-out metric named in params.yaml (``promote.metric``) must reach
``promote.threshold``: with MLflow the model becomes a new version of the
registered model and the ``champion`` alias moves to it only when it passes.
In every variant ``models/lineage.json`` records the decision for the service,
the image labels and the model card.
"""

from dataclasses import asdict, dataclass
from pathlib import Path

from . import tracking
from .config import Params
from .data import read_csv
from .lineage import dvc_md5, lineage_path, load_model_info, read_json, write_json
from .paths import METRICS_PATH, PLOTS_DIR, PREPARED_DIR
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
    metrics_path: Path = METRICS_PATH,
    test_path: Path = PREPARED_DIR / "test.csv",
    plots_dir: Path = PLOTS_DIR,
) -> Promotion:
    """Log the evaluation to the run; register, promote above threshold, write lineage."""
    info = load_model_info(model_path)
    metrics = {name: float(value) for name, value in read_json(metrics_path).items()}
    tracking.log_evaluation(
        info.run_id,
        metrics,
        dataset=read_csv(test_path),
        data=(test_path, dvc_md5(test_path)),
        plot_paths=sorted(plots_dir.glob("*.csv")),
    )
    metric, threshold = params.promote.metric, params.promote.threshold
    value = metrics[metric]
    passed = value >= threshold
    version = tracking.register(info.run_id, info.model_uri, promote=passed)
    decision = {"metric": metric, "value": value, "threshold": threshold, "promoted": passed}
    document = {**asdict(info), "promotion": decision, "registry_version": version}
    path = write_json(lineage_path(model_path), document)
    return Promotion(metric, value, threshold, passed, version, path)
