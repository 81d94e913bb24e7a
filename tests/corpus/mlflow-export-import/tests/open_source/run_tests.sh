#!/bin/bash
# Starts two local MLflow servers, then runs the tests against them.
mlflow server --host localhost --port 5010 --backend-store-uri sqlite:///mlflow_src.db &
mlflow server --host localhost --port 5020 --backend-store-uri sqlite:///mlflow_dst.db &
pytest -s --junitxml=run_tests_junit.xml test_*.py
