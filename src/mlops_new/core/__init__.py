"""The lowest floor: errors, the git door, bounded reading, results, signals, versions, relock."""
