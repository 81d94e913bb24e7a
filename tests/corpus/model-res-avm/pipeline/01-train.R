# stage 01-train (placeholder)
