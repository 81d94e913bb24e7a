"""Stage train (placeholder)."""
