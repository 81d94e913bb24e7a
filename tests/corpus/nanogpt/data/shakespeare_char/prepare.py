"""Download and encode the dataset (placeholder)."""
