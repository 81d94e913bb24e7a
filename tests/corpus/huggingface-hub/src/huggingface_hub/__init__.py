"""huggingface_hub (placeholder)."""
