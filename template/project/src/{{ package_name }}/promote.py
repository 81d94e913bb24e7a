"""The promote stage: the gate between the trained model and the one that is served.

The train stage writes the candidate (``models/candidate/``). First the held-out
evaluation joins its tracking run (with MLflow: the ``test_*`` metrics, the test
data with its DVC hash, the plots). Then the held-out metric named in
params.yaml (``promote.metric``) must reach ``promote.threshold``. A model that
passes becomes the champion: its file, ``model_info.json`` and ``lineage.json``
are copied to ``models/``, which is all that `make serve`, the image and the
release read. A model that fails leaves the previous champion in place. With
MLflow each trained model is registered once, and the ``champion`` alias moves
only to a model that passed. ``lineage.json`` beside the candidate records the
decision for the model card.
"""

import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from . import tracking
from .config import Params
from .data import read_csv
from .lineage import (
    dvc_md5,
    is_dirty,
    lineage_path,
    load_model_info,
    model_info_path,
    read_json,
    release_problem,
    write_json,
)
from .monitoring import reference_path
from .paths import METRICS_PATH, PLOTS_DIR, PREPARED_DIR
from .predict import CANDIDATE_MODEL_PATH, DEFAULT_MODEL_PATH


class PromotionError(ValueError):
    """The candidate failed and there is no champion to keep serving."""


@dataclass(frozen=True)
class Promotion:
    """The decision and where it was written."""

    metric: str
    value: float
    threshold: float
    promoted: bool
    version: str | None  # the registry version (MLflow), else None
    path: Path  # the candidate's lineage.json
    dirty: str | None = None  # a warning: the model was trained from uncommitted changes


def promote(  # noqa: PLR0913  # the stage's inputs and outputs, as dvc.yaml names them
    params: Params,
    model_path: Path = CANDIDATE_MODEL_PATH,
    metrics_path: Path = METRICS_PATH,
    test_path: Path = PREPARED_DIR / "test.csv",
    plots_dir: Path = PLOTS_DIR,
    *,
    champion_path: Path = DEFAULT_MODEL_PATH,
) -> Promotion:
    """Log the evaluation; register; above threshold, make the candidate the champion."""
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
    if passed:
        install_champion(model_path, champion_path)
    elif release_problem(champion_path):
        msg = (
            f"{metric} = {value:.4f} is below promote.threshold {threshold} and {champion_path} "
            "holds no champion to keep serving: improve the model or lower the threshold."
        )
        raise PromotionError(msg)
    dirty = None
    if is_dirty(info.commit):
        dirty = (
            f"the model was trained from uncommitted changes ({info.commit}): commit them "
            "and run `uv run dvc repro` again so that its lineage names a commit."
        )
    return Promotion(metric, value, threshold, passed, version, path, dirty)


def install_champion(model_path: Path, champion_path: Path) -> None:
    """Copy the model, its training reference and lineage files to the champion's place.

    The lineage goes last.

    Each file is written beside its destination, then renamed over it: a reader
    never sees half a file, and a champion's lineage never names another model.
    """
    pairs = [
        (model_path, champion_path),
        (reference_path(model_path), reference_path(champion_path)),
        (model_info_path(model_path), model_info_path(champion_path)),
        (lineage_path(model_path), lineage_path(champion_path)),
    ]
    pairs = [(source, target) for source, target in pairs if source.is_file()]
    champion_path.parent.mkdir(parents=True, exist_ok=True)
    for source, target in pairs:
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        shutil.copyfile(source, partial)
        partial.replace(target)
