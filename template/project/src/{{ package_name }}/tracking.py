"""MLflow set-up: where runs are recorded and under which experiment.

The tracking store defaults to a SQLite database at the project root,
``sqlite:///mlflow.db``: MLflow's own default, so ``mlflow ui`` and
``mlflow.search_runs()`` find the runs without configuration (MLflow 3 no
longer accepts the plain file store by default). Run artifacts go to
``mlruns/``. Set ``MLFLOW_TRACKING_URI`` to use a tracking server instead, and
``MLFLOW_EXPERIMENT_NAME`` to record under another experiment.
"""

import os

import mlflow

from . import PROJECT_NAME

DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"


def tracking_uri() -> str:
    """The tracking URI from the environment, else the local SQLite store."""
    return os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI


def experiment_name() -> str:
    """The experiment from the environment, else the project name."""
    return os.environ.get("MLFLOW_EXPERIMENT_NAME") or PROJECT_NAME


def configure() -> str:
    """Point MLflow at the tracking store, select the experiment and return its id."""
    mlflow.set_tracking_uri(tracking_uri())
    experiment = mlflow.set_experiment(experiment_name())
    return str(experiment.experiment_id)
