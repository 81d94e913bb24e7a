"""timeseriesflattener (placeholder)."""
