"""skops (placeholder)."""
