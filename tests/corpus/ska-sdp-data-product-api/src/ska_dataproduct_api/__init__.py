"""Data product API (placeholder)."""
