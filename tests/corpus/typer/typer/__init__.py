"""Typer (placeholder)."""
