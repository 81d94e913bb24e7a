import mlflow


def test_copy_run() -> None:
    mlflow.set_tracking_uri("http://localhost:5010")  # a throw-away test server
    assert True
