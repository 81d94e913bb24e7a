# stage 05-finalize (placeholder)
