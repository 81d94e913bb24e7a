"""Many repositories: discovery, fleet update, the fleet report and its renderings."""
