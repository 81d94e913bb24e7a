"""FastAPI application serving the trained model.

Run it with::

    uvicorn <package>.serving.app:app --host 0.0.0.0 --port 8000

The model is read from ``MODEL_PATH`` (default ``models/model.joblib``) when
the first request needs it, so the service starts (and reports
``model_loaded: false`` on /health) even before a model has been trained.
"""

import os
from pathlib import Path
from typing import Annotated, Literal

from fastapi import FastAPI, HTTPException, status
from pydantic import BaseModel, Field

from .. import PROJECT_NAME
from ..predict import DEFAULT_MODEL_PATH, Model, load_model, predict

MODEL_PATH_ENV = "MODEL_PATH"


class HealthResponse(BaseModel):
    """Liveness and whether a model is available."""

    status: Literal["ok"] = "ok"
    model_loaded: bool


class PredictRequest(BaseModel):
    """Rows of numeric features, one list per sample."""

    features: Annotated[list[list[float]], Field(min_length=1)]


class PredictResponse(BaseModel):
    """One predicted class label per input row."""

    predictions: list[int]


class ModelStore:
    """Loads the model on first use and keeps it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._model: Model | None = None

    def get(self) -> Model | None:
        """The model, or None while no model file exists."""
        if self._model is None and self.path.is_file():
            self._model = load_model(self.path)
        return self._model


def model_path_from_env() -> Path:
    """``MODEL_PATH`` from the environment, else ``models/model.joblib``."""
    return Path(os.environ.get(MODEL_PATH_ENV) or DEFAULT_MODEL_PATH)


def create_app(model_path: Path | None = None) -> FastAPI:
    """Build the application; ``model_path`` defaults to ``MODEL_PATH``."""
    store = ModelStore(model_path or model_path_from_env())
    app = FastAPI(title=PROJECT_NAME, summary="Predictions from the trained model.")

    @app.get("/health")
    def health() -> HealthResponse:
        return HealthResponse(model_loaded=store.get() is not None)

    @app.post("/predict")
    def predict_rows(request: PredictRequest) -> PredictResponse:
        model = store.get()
        if model is None:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                f"No model loaded from {store.path}: train one with `uv run dvc repro` "
                f"or point {MODEL_PATH_ENV} at a model file.",
            )
        try:
            return PredictResponse(predictions=predict(model, request.features))
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from exc  # unprocessable content

    return app


app = create_app()
