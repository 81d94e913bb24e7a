"""Flask example (placeholder)."""
