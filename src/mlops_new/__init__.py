"""mlops-new: start, and keep current, a machine-learning repository."""

__version__ = "0.1.0"
