"""Lambda entry point (placeholder)."""

import model  # noqa: F401
