"""GPT model (placeholder)."""
