"""Copier (placeholder)."""
