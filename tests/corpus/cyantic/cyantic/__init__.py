"""cyantic (placeholder)."""
