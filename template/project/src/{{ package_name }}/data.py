"""The prepare stage: load a dataset that ships with scikit-learn, check it and split it.

The Wisconsin breast-cancer dataset (569 rows, 30 numeric features, binary
target) is bundled with scikit-learn, so the pipeline runs offline. Replace
``load_dataset`` to plug in your own data (and ``schema.SCHEMA`` to describe
it); the rest of the pipeline only sees the CSV files written here.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from .config import Params
from .paths import PREPARED_DIR
from .schema import validate

TARGET_COLUMN = "target"


@dataclass(frozen=True)
class Dataset:
    """Feature matrix, labels and column names."""

    features: NDArray[np.float64]
    target: NDArray[np.int64]
    feature_names: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.target)

    def take(self, rows: NDArray[np.intp]) -> Dataset:
        """Return the given rows (e.g. a subsample)."""
        return Dataset(self.features[rows], self.target[rows], self.feature_names)


@dataclass(frozen=True)
class PreparedPaths:
    """Where the prepare stage wrote its splits."""

    train: Path
    test: Path


def load_dataset() -> Dataset:
    """Load the bundled breast-cancer dataset (no download)."""
    # scikit-learn is imported where it is used: the later stages read CSV files
    # through this module and need not pay its import time.
    from sklearn.datasets import load_breast_cancer  # noqa: PLC0415

    bunch = load_breast_cancer()
    return Dataset(
        features=np.asarray(bunch.data, dtype=np.float64),
        target=np.asarray(bunch.target, dtype=np.int64),
        feature_names=tuple(str(name) for name in bunch.feature_names),
    )


def split(dataset: Dataset, test_size: float, seed: int) -> tuple[Dataset, Dataset]:
    """Split into stratified train and test sets, reproducibly."""
    from sklearn.model_selection import train_test_split  # noqa: PLC0415  # see load_dataset

    train_rows, test_rows = train_test_split(
        np.arange(len(dataset)),
        test_size=test_size,
        random_state=seed,
        stratify=dataset.target,
    )
    return dataset.take(train_rows), dataset.take(test_rows)


def write_csv(dataset: Dataset, path: Path) -> None:
    """Write features and target as a CSV file with a header row."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow([*dataset.feature_names, TARGET_COLUMN])
        for row, label in zip(dataset.features.tolist(), dataset.target.tolist(), strict=True):
            writer.writerow([*row, label])


def read_features(path: Path) -> tuple[tuple[str, ...], NDArray[np.float64]]:
    """Read a CSV of features; a trailing target column is returned as the last column."""
    with path.open(newline="", encoding="utf-8") as stream:
        header = next(csv.reader(stream), None)
    if not header:
        msg = f"{path} is empty: expected a header row followed by numeric rows."
        raise ValueError(msg)
    values = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2, dtype=np.float64)
    return tuple(header), values


def read_csv(path: Path) -> Dataset:
    """Read a CSV written by ``write_csv``."""
    header, values = read_features(path)
    if header[-1] != TARGET_COLUMN:
        msg = f"{path} has no '{TARGET_COLUMN}' column: it must be the last column."
        raise ValueError(msg)
    return Dataset(values[:, :-1], values[:, -1].astype(np.int64), header[:-1])


def prepare(params: Params, out_dir: Path = PREPARED_DIR) -> PreparedPaths:
    """Load, validate, split and write the train and test CSV files."""
    dataset = load_dataset()
    validate(dataset)  # stops the pipeline with the column and rule that failed
    train, test = split(dataset, params.data.test_size, params.seed)
    paths = PreparedPaths(train=out_dir / "train.csv", test=out_dir / "test.csv")
    write_csv(train, paths.train)
    write_csv(test, paths.test)
    return paths
