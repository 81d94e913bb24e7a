"""Jupyter settings used in the image (placeholder)."""

c = get_config()  # noqa: F821
