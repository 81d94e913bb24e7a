"""hls4ml (placeholder)."""
