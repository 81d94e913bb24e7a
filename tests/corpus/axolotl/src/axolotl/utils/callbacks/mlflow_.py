import mlflow


def log(metrics):
    mlflow.log_metrics(metrics)
