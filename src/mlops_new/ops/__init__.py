"""The use cases, one module each; they never import each other."""
