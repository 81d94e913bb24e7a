"""Load a trained model and make predictions with it."""

from pathlib import Path
from typing import Any, Protocol

import joblib
import numpy as np
from numpy.typing import ArrayLike, NDArray

DEFAULT_MODEL_PATH = Path("models/model.joblib")


class Model(Protocol):
    """What the pipeline needs from a fitted scikit-learn classifier."""

    n_features_in_: int

    def predict(self, features: NDArray[np.float64]) -> NDArray[Any]: ...

    def predict_proba(self, features: NDArray[np.float64]) -> NDArray[np.float64]: ...


def save_model(model: Model, path: Path) -> None:
    """Write a fitted model with joblib."""
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path)


def load_model(path: Path = DEFAULT_MODEL_PATH) -> Model:
    """Load a model written by ``save_model``.

    joblib files are pickles: load only models you trained or trust.
    """
    if not path.is_file():
        msg = f"No model at {path}: run `uv run dvc repro` (or `make train`) first."
        raise FileNotFoundError(msg)
    model: Model = joblib.load(path)
    if not callable(getattr(model, "predict", None)):
        msg = f"{path} does not hold a fitted model: retrain it with `uv run dvc repro`."
        raise TypeError(msg)
    return model


def as_feature_matrix(model: Model, features: ArrayLike) -> NDArray[np.float64]:
    """Convert rows of features to a 2-D float array the model accepts."""
    matrix = np.asarray(features, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[1] != model.n_features_in_:
        msg = (
            f"Expected rows of {model.n_features_in_} features, got an array of shape "
            f"{matrix.shape}: send one list of {model.n_features_in_} numbers per row."
        )
        raise ValueError(msg)
    return matrix


def predict(model: Model, features: ArrayLike) -> list[int]:
    """Predict one class label per row."""
    labels = model.predict(as_feature_matrix(model, features))
    return [int(label) for label in labels]
