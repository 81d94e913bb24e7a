"""Homework outside the checked project (placeholder)."""

import mlflow

mlflow.set_tracking_uri("http://127.0.0.1:5000")
