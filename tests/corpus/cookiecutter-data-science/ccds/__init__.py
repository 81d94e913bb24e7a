"""ccds (placeholder)."""
