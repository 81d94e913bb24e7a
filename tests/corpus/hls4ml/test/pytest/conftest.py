"""Shared fixtures (placeholder)."""
