# stage 00-ingest (placeholder)
