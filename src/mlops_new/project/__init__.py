"""A project on disk: what it is, its journal, its ``[tool.mlops-new]`` table."""
