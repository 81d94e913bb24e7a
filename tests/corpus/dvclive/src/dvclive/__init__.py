"""dvclive (placeholder)."""
