"""Stage data_split (placeholder)."""
