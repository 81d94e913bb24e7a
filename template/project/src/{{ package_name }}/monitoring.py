"""Monitoring: are the rows the champion sees now like the rows it was trained on?

The ``reference`` stage records, from the training split, each feature's quantile
bins (``monitor.bins`` of them) and the share of training rows in each, plus its
mean and standard deviation: ``models/candidate/reference.json``, which the promote
stage installs beside the champion. ``python -m <package> monitor CURRENT``
reads a batch of current inputs (a CSV or Parquet file, or the service's
JSON-lines inference log), computes each feature's Population Stability Index
against those bins and, when the batch has a ``target`` column (labels arrived),
the champion's ``promote.metric`` on it. It writes ``reports/monitoring.md`` and
``metrics/monitoring.json`` and exits 1 when a feature's PSI reaches
``monitor.psi_threshold`` or the metric falls below ``promote.threshold``, naming
each; 0 when all is within.

Why PSI: one number per feature with a conventional scale (below 0.1 stable,
0.1-0.2 a shift worth a look, above 0.2 a shift to act on), cheap on millions
of rows, computed from the recorded bins alone (the training data need not
travel with the model). Evidently computes the same and more, at the cost of a
dependency tree larger than the project's runtime.
"""

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from .config import Params
from .data import TARGET_COLUMN, Dataset
from .lineage import load_model_info, read_json, write_json

REFERENCE_NAME = "reference.json"
REPORT_PATH = Path("reports/monitoring.md")
MONITORING_METRICS_PATH = Path("metrics/monitoring.json")
_EPSILON = 1e-4  # a share of zero would make the PSI infinite


def reference_path(model_path: Path) -> Path:
    """``reference.json`` in the model's folder."""
    return model_path.parent / REFERENCE_NAME


def build_reference(dataset: Dataset, bins: int) -> dict[str, object]:
    """Quantile bin edges, shares, mean and standard deviation of each feature."""
    features: dict[str, object] = {}
    for index, name in enumerate(dataset.feature_names):
        values = dataset.features[:, index]
        inner = np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1]))
        shares = _shares(values, inner)
        features[name] = {
            "edges": [float(edge) for edge in inner],
            "shares": [float(share) for share in shares],
            "mean": float(values.mean()),
            "std": float(values.std()),
        }
    return {"rows": len(dataset), "bins": bins, "features": features}


def write_reference(dataset: Dataset, bins: int, path: Path) -> Path:
    """Record the reference of ``dataset`` at ``path``."""
    return write_json(path, build_reference(dataset, bins))


def _shares(
    values: NDArray[np.float64], edges: Sequence[float] | NDArray[np.float64]
) -> NDArray[np.float64]:
    """The share of ``values`` in each bin between ``edges`` (open at both ends)."""
    counts = np.bincount(np.searchsorted(edges, values, side="right"), minlength=len(edges) + 1)
    return counts / max(len(values), 1)


def psi(
    expected: Sequence[float] | NDArray[np.float64], actual: Sequence[float] | NDArray[np.float64]
) -> float:
    """The Population Stability Index of two binnings of one feature."""
    total = 0.0
    for share_before, share_now in zip(expected, actual, strict=True):
        before, now = max(float(share_before), _EPSILON), max(float(share_now), _EPSILON)
        total += (now - before) * math.log(now / before)
    return total


@dataclass(frozen=True)
class Drift:
    """One feature's shift: its PSI and how its mean moved (in training standard deviations)."""

    feature: str
    psi: float
    mean_shift: float
    drifted: bool


@dataclass(frozen=True)
class Monitoring:
    """The comparison of a batch with the reference, and whether it breaches a threshold."""

    rows: int
    drift: tuple[Drift, ...]
    psi_threshold: float
    metric: str | None = None
    value: float | None = None
    floor: float | None = None

    @property
    def drifted(self) -> list[str]:
        return [item.feature for item in self.drift if item.drifted]

    @property
    def underperforming(self) -> bool:
        return self.value is not None and self.floor is not None and self.value < self.floor

    @property
    def breached(self) -> bool:
        return bool(self.drifted) or self.underperforming


def read_batch(path: Path, columns: Sequence[str]) -> tuple[tuple[str, ...], NDArray[np.float64]]:
    """The batch's values of ``columns`` (those it has, in that order) and their names.

    CSV, Parquet, or the inference log's JSON lines. Only ``columns`` are read: a
    batch may carry an id, or be `score`'s output with its predictions, beside them.
    """
    if not path.is_file():
        msg = f"{path} not found: give a CSV, Parquet or JSON-lines file of current inputs."
        raise FileNotFoundError(msg)
    if path.suffix.lower() in (".jsonl", ".log", ".ndjson"):
        return _read_log(path, columns)
    from .scoring import numeric_matrix, read_chunks  # noqa: PLC0415  # pyarrow, for tables

    header: tuple[str, ...] = ()
    blocks = []
    for chunk in read_chunks(path):
        header = tuple(name for name in columns if name in chunk.column_names)
        blocks.append(numeric_matrix(chunk, header))
    values = np.vstack(blocks) if blocks else np.empty((0, len(header)))
    return header, values


def _read_log(path: Path, columns: Sequence[str]) -> tuple[tuple[str, ...], NDArray[np.float64]]:
    rows: list[dict[str, float]] = []
    with path.open(encoding="utf-8") as stream:
        for number, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                entry = None
            if not isinstance(entry, dict) or not isinstance(entry.get("features"), dict):
                msg = f"{path}:{number} is not an inference-log line (JSON with 'features')."
                raise ValueError(msg)
            rows.append(entry["features"])
    header = tuple(name for name in columns if rows and name in rows[0])
    values = np.asarray([[row.get(n, math.nan) for n in header] for row in rows], dtype=float)
    return header, values.reshape(len(rows), len(header))


@dataclass(frozen=True)
class FeatureReference:
    """One feature of the training split: its bins, the share of rows in each, mean and sd."""

    edges: tuple[float, ...]
    shares: tuple[float, ...]
    mean: float
    std: float


def load_reference(path: Path) -> dict[str, FeatureReference]:
    """The features recorded by :func:`write_reference`."""
    document = read_json(path)
    return {
        name: FeatureReference(
            tuple(map(float, stats["edges"])),
            tuple(map(float, stats["shares"])),
            float(stats["mean"]),
            float(stats["std"]),
        )
        for name, stats in document["features"].items()
    }


def compare(
    reference: dict[str, FeatureReference],
    header: Sequence[str],
    values: NDArray[np.float64],
    params: Params,
) -> Monitoring:
    """Each reference feature's drift in ``values`` (columns named by ``header``)."""
    missing = [name for name in reference if name not in header]
    if missing:
        msg = f"the batch has no column(s) {missing}: it must hold every feature by name."
        raise ValueError(msg)
    if len(values) < params.monitor.min_rows:
        msg = (
            f"the batch has {len(values)} rows, fewer than monitor.min_rows "
            f"({params.monitor.min_rows}): too few to compare."
        )
        raise ValueError(msg)
    drift = []
    for name, stats in reference.items():
        column = values[:, list(header).index(name)]
        column = column[np.isfinite(column)]
        score = psi(stats.shares, _shares(column, stats.edges))
        shift = (float(column.mean()) - stats.mean) / (stats.std or 1.0) if len(column) else 0.0
        drift.append(Drift(name, score, shift, score >= params.monitor.psi_threshold))
    return Monitoring(len(values), tuple(drift), params.monitor.psi_threshold)


def monitor(current: Path, model_path: Path, params: Params) -> Monitoring:
    """Compare ``current`` with the champion's reference; with labels, score the champion too."""
    reference_file = reference_path(model_path)
    if not reference_file.is_file():
        msg = (
            f"{reference_file} not found: the champion has no training reference. "
            "Run `uv run dvc repro` (or `dvc pull`)."
        )
        raise FileNotFoundError(msg)
    reference = load_reference(reference_file)
    header, values = read_batch(current, (*reference, TARGET_COLUMN))
    result = compare(reference, header, values, params)
    if TARGET_COLUMN not in header:
        return result
    from .evaluate import compute_metrics  # noqa: PLC0415  # scikit-learn, only with labels
    from .predict import load_verified_model, select_columns  # noqa: PLC0415

    names = load_model_info(model_path).features
    matrix = select_columns(names, header, values, ignore=(TARGET_COLUMN,))
    labels = values[:, list(header).index(TARGET_COLUMN)].astype(np.int64)
    metrics = compute_metrics(load_verified_model(model_path), Dataset(matrix, labels, names))
    metric = params.promote.metric
    return Monitoring(
        result.rows, result.drift, result.psi_threshold,
        metric=metric, value=metrics[metric], floor=params.promote.threshold,
    )  # fmt: skip


def write_reports(
    result: Monitoring,
    report_path: Path = REPORT_PATH,
    metrics_path: Path = MONITORING_METRICS_PATH,
) -> tuple[Path, Path]:
    """``reports/monitoring.md`` (for people) and ``metrics/monitoring.json`` (for DVC, CI)."""
    document = {
        "rows": result.rows,
        "breached": result.breached,
        "drifted": result.drifted,
        "psi_threshold": result.psi_threshold,
        "max_psi": max((item.psi for item in result.drift), default=0.0),
        "features": {item.feature: asdict(item) for item in result.drift},
        "performance": (
            {"metric": result.metric, "value": result.value, "floor": result.floor}
            if result.metric
            else None
        ),
    }
    write_json(metrics_path, document)
    verdict = "**breached**" if result.breached else "within thresholds"
    lines = [
        "# Monitoring report",
        "",
        f"{result.rows} rows compared with the champion's training reference: {verdict}.",
        "",
    ]
    if result.metric:
        lines += [
            f"Performance: {result.metric} = {result.value:.4f} (floor {result.floor}).",
            "",
        ]
    lines += ["| feature | PSI | mean shift (sd) | drifted |", "|---|---|---|---|"]
    ranked = sorted(result.drift, key=lambda item: item.psi, reverse=True)
    lines += [
        f"| {item.feature} | {item.psi:.3f} | {item.mean_shift:+.2f} | "
        f"{'yes' if item.drifted else ''} |"
        for item in ranked
    ]
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return report_path, metrics_path
