"""The train stage: fit the model, save it and record the run in MLflow."""

from dataclasses import dataclass
from pathlib import Path

import mlflow
import mlflow.sklearn
from mlflow.models import infer_signature
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline

from . import tracking
from .config import Params
from .data import Dataset, read_csv
from .evaluate import compute_metrics
from .features import build_feature_pipeline
from .predict import DEFAULT_MODEL_PATH, Model, save_model

DEFAULT_TRAIN_PATH = Path("data/prepared/train.csv")
CV_FOLDS = 5


@dataclass(frozen=True)
class TrainResult:
    """The saved model, the MLflow run and the training metrics."""

    model_path: Path
    run_id: str
    metrics: dict[str, float]


def build_model(params: Params) -> Pipeline:
    """The feature step followed by the classifier, configured from params."""
    classifier = LogisticRegression(
        C=params.model.C, max_iter=params.model.max_iter, random_state=params.seed
    )
    return Pipeline([("features", build_feature_pipeline()), ("classifier", classifier)])


def fit(params: Params, dataset: Dataset) -> Model:
    """Fit a fresh model on the dataset."""
    model: Model = build_model(params).fit(dataset.features, dataset.target)
    return model


def cross_validated_accuracy(params: Params, dataset: Dataset) -> float:
    """Mean accuracy over stratified folds of the training data."""
    scores = cross_val_score(build_model(params), dataset.features, dataset.target, cv=CV_FOLDS)
    return float(scores.mean())


def train(
    params: Params, train_path: Path = DEFAULT_TRAIN_PATH, model_path: Path = DEFAULT_MODEL_PATH
) -> TrainResult:
    """Train on the prepared training split, save the model and log the run."""
    dataset = read_csv(train_path)
    model = fit(params, dataset)
    save_model(model, model_path)
    metrics = {f"train_{name}": value for name, value in compute_metrics(model, dataset).items()}
    metrics["cv_accuracy"] = cross_validated_accuracy(params, dataset)
    run_id = log_run(params, metrics, model, dataset)
    return TrainResult(model_path=model_path, run_id=run_id, metrics=metrics)


def log_run(params: Params, metrics: dict[str, float], model: Model, dataset: Dataset) -> str:
    """Record parameters, metrics and the model as one MLflow run; return its id."""
    tracking.configure()
    with mlflow.start_run() as run:
        mlflow.log_params(params.flat())
        mlflow.log_metrics(metrics)
        signature = infer_signature(dataset.features, model.predict(dataset.features))
        # skops is MLflow's safe serialisation format. Naming its requirements spares
        # MLflow inferring them, which re-imports the model in a subprocess (slow).
        mlflow.sklearn.log_model(
            model,
            name="model",
            signature=signature,
            serialization_format=mlflow.sklearn.SERIALIZATION_FORMAT_SKOPS,
            pip_requirements=mlflow.sklearn.get_default_pip_requirements(include_skops=True),
        )
    return str(run.info.run_id)
