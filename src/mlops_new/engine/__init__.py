"""The update engine: plan (render and merge off-tree), apply, journal, migrations."""
