"""Writes one CI job per group of test files, each extending .pytest (placeholder)."""
