# stage 04-interpret (placeholder)
