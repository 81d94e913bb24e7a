"""Where the pipeline's files live: the same paths dvc.yaml names.

A module of its own so that every stage can name them without importing the
others (and their libraries): the card stage starts in a fraction of a second.
"""

from pathlib import Path

PREPARED_DIR = Path("data/prepared")
METRICS_PATH = Path("metrics/metrics.json")
PLOTS_DIR = Path("plots")
CARD_PATH = Path("reports/model_card.md")
