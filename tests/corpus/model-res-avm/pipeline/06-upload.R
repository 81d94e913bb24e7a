# stage 06-upload (placeholder)
