"""Comparable sales, called from R through reticulate (placeholder)."""
