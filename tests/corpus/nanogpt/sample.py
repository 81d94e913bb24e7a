"""Sampling (placeholder)."""
