"""Stage evaluate (placeholder)."""
