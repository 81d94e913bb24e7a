"""Stage prepare (placeholder)."""
