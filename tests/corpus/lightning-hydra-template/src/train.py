"""Training entry point (placeholder)."""
