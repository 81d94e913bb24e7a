"""Shared pytest fixtures (placeholder)."""
