"""Config override (placeholder)."""
