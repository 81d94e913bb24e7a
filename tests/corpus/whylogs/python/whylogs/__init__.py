"""whylogs (placeholder)."""
