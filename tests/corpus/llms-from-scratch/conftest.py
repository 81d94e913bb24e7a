"""Shared pytest hooks (placeholder)."""
