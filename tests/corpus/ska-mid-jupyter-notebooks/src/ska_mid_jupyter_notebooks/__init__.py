"""Notebook helpers (placeholder)."""
