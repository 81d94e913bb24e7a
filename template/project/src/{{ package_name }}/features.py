"""The feature step: every transformation applied before the classifier.

It lives inside the model pipeline, so training, evaluation and serving all
apply exactly the same transformations.
"""

from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler


def build_feature_pipeline() -> Pipeline:
    """Standardise every (numeric) feature to zero mean and unit variance."""
    return Pipeline([("scale", StandardScaler())])
