"""The evaluate stage: score the model on the held-out split.

Writes the metrics DVC tracks (``dvc metrics show``) and two plot files for
``dvc plots show``: the ROC curve and the predictions behind a confusion matrix.
"""

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sklearn.metrics import (
    accuracy_score,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
    roc_curve,
)

from .data import Dataset, read_csv
from .paths import METRICS_PATH, PLOTS_DIR
from .predict import Model, load_model


@dataclass(frozen=True)
class EvaluationResult:
    """Metrics and the files written."""

    metrics: dict[str, float]
    metrics_path: Path
    plot_paths: tuple[Path, ...]


def compute_metrics(model: Model, dataset: Dataset) -> dict[str, float]:
    """Accuracy, precision, recall, F1 and ROC AUC of a binary classifier."""
    predicted = model.predict(dataset.features)
    scores = model.predict_proba(dataset.features)[:, 1]
    return {
        "accuracy": float(accuracy_score(dataset.target, predicted)),
        "precision": float(precision_score(dataset.target, predicted, zero_division=0)),
        "recall": float(recall_score(dataset.target, predicted, zero_division=0)),
        "f1": float(f1_score(dataset.target, predicted, zero_division=0)),
        "roc_auc": float(roc_auc_score(dataset.target, scores)),
    }


def write_plots(model: Model, dataset: Dataset, plots_dir: Path) -> tuple[Path, Path]:
    """Write ``roc.csv`` (fpr, tpr) and ``confusion.csv`` (actual, predicted)."""
    plots_dir.mkdir(parents=True, exist_ok=True)
    fpr, tpr, _ = roc_curve(dataset.target, model.predict_proba(dataset.features)[:, 1])
    roc_path = plots_dir / "roc.csv"
    _write_rows(roc_path, ("fpr", "tpr"), zip(fpr.tolist(), tpr.tolist(), strict=True))
    predicted = model.predict(dataset.features)
    confusion_path = plots_dir / "confusion.csv"
    pairs = zip(dataset.target.tolist(), predicted.tolist(), strict=True)
    _write_rows(confusion_path, ("actual", "predicted"), pairs)
    return roc_path, confusion_path


def _write_rows(path: Path, header: tuple[str, ...], rows: Iterable[Sequence[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def evaluate(
    model_path: Path,
    test_path: Path,
    metrics_path: Path = METRICS_PATH,
    plots_dir: Path = PLOTS_DIR,
) -> EvaluationResult:
    """Score the model on the test CSV and write metrics and plots."""
    model = load_model(model_path)
    dataset = read_csv(test_path)
    metrics = compute_metrics(model, dataset)
    metrics_path.parent.mkdir(parents=True, exist_ok=True)
    metrics_path.write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return EvaluationResult(metrics, metrics_path, write_plots(model, dataset, plots_dir))
