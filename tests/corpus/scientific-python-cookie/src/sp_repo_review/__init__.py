"""sp-repo-review (placeholder)."""
