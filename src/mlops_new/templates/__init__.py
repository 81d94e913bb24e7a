"""Template sources, the per-user store, releases, renders and the copier adapter."""
