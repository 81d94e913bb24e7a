"""Package (placeholder)."""
