"""kedro-datasets (placeholder)."""
