"""flowmark (placeholder)."""
