"""Project package (template placeholder)."""
