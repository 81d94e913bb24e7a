"""The corpus folders are fixtures (other projects' layouts), never tests of this project."""

from pathlib import Path

collect_ignore = sorted(p.name for p in Path(__file__).parent.iterdir() if p.is_dir())
