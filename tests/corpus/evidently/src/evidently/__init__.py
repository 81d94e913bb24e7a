"""Evidently (placeholder)."""
