"""Points MLflow at the client's server for the duration of a block (fixture)."""

import mlflow


class TrackingUriTweak:
    def __init__(self, client):
        self.original_tracking_uri = mlflow.get_tracking_uri()
        mlflow.set_tracking_uri(client.tracking_uri)

    def __exit__(self, *exc):
        mlflow.set_tracking_uri(self.original_tracking_uri)
