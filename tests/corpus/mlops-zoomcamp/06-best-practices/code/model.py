"""Loads the model from S3 or a local folder (fixture, modelled on model.py)."""

import os

import mlflow


def load_model(run_id):
    location = os.getenv("MODEL_LOCATION") or f"s3://{os.getenv('MODEL_BUCKET')}/{run_id}/model"
    return mlflow.pyfunc.load_model(location)
