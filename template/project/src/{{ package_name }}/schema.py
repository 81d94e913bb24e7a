"""The data contract the prepare stage enforces before anything is trained.

Each check names a column and a rule; a failing check stops the pipeline
(``dvc repro`` exits non-zero) with a message such as::

    data check failed: column 'mean radius' breaks rule '>= 0' in 2 rows (first: row 17, value -1.0)

Edit ``SCHEMA`` when your data changes: dvc.yaml re-runs prepare because it
depends on the whole package folder.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:  # data.py imports this module to validate what it loads
    from .data import Dataset

Values = NDArray[np.float64]
MIN_ROWS = 100
ALL_FEATURES = "*"


class DataValidationError(ValueError):
    """The dataset breaks the schema."""


@dataclass(frozen=True)
class Check:
    """A rule every value of a column must meet."""

    column: str  # a feature name, ALL_FEATURES or "target"
    rule: str  # how the message names the rule
    passes: Callable[[Values], NDArray[np.bool_]]


SCHEMA: tuple[Check, ...] = (
    Check(ALL_FEATURES, "finite (no missing or infinite values)", np.isfinite),
    Check(ALL_FEATURES, ">= 0", lambda values: values >= 0),
    Check("target", "in {0, 1}", lambda values: np.isin(values, (0, 1))),
)


def _columns(dataset: Dataset, column: str) -> list[tuple[str, Values]]:
    if column == "target":
        return [("target", dataset.target.astype(np.float64))]
    names = dataset.feature_names if column == ALL_FEATURES else (column,)
    return [(name, dataset.features[:, dataset.feature_names.index(name)]) for name in names]


def problems(dataset: Dataset, schema: tuple[Check, ...] | None = None) -> list[str]:
    """Every broken rule of ``schema`` (default: SCHEMA), one message each; empty when valid."""
    schema = SCHEMA if schema is None else schema  # read when called: SCHEMA may be extended
    found = []
    if len(dataset) < MIN_ROWS:
        found.append(f"the dataset has {len(dataset)} rows; the rule is at least {MIN_ROWS}")
    if len(set(dataset.feature_names)) != len(dataset.feature_names):
        found.append("the feature columns must have unique names")
    for check in schema:
        if check.column not in (ALL_FEATURES, "target", *dataset.feature_names):
            found.append(f"column {check.column!r} is missing (rule {check.rule!r})")
            continue
        for name, values in _columns(dataset, check.column):
            bad = np.flatnonzero(~check.passes(values))
            if bad.size:
                first = int(bad[0])
                found.append(
                    f"column {name!r} breaks rule {check.rule!r} in {bad.size} rows "
                    f"(first: row {first}, value {float(values[first])})"
                )
    if len(np.unique(dataset.target)) < 2:
        found.append("column 'target' breaks rule 'both classes present'")
    return found


def input_problems(
    feature_names: Sequence[str], features: Values, schema: tuple[Check, ...] | None = None
) -> list[str]:
    """The feature rules of ``schema`` that rows sent for prediction break (values not shown).

    The same rules as the training data's (the target's left out), so the service
    refuses what the model was never trained on.
    """
    schema = SCHEMA if schema is None else schema
    names = list(feature_names)
    found = []
    for check in schema:
        columns = names if check.column == ALL_FEATURES else [check.column]
        for name in (column for column in columns if column in names):
            bad = np.flatnonzero(~check.passes(features[:, names.index(name)]))
            if bad.size:
                found.append(f"feature {name!r} breaks rule {check.rule!r} (row {int(bad[0])})")
    return found


def validate(dataset: Dataset, schema: tuple[Check, ...] | None = None) -> None:
    """Raise DataValidationError listing every broken rule."""
    if found := problems(dataset, schema):
        raise DataValidationError("data check failed: " + "; ".join(found))
