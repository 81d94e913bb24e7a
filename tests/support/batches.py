"""Monitoring batches drawn from a project's prepared training split."""

from __future__ import annotations

import csv
import random
from pathlib import Path

ROWS = 3_000


def batch(train_csv: Path, path: Path, *, shift: str | None, labels: bool) -> Path:
    """``ROWS`` rows drawn (seeded) from ``train_csv``, written to ``path``.

    ``shift`` names a feature moved by three standard deviations (a drifted
    batch); ``labels=False`` drops the target (the last column), as production
    batches come.
    """
    with train_csv.open(newline="", encoding="utf-8") as stream:
        reader = csv.reader(stream)
        header = next(reader)
        rows = [[float(value) for value in row] for row in reader]
    picked = random.Random(7).choices(rows, k=ROWS)  # noqa: S311  (a sample, not a secret)
    if shift is not None:
        column = header.index(shift)
        values = [row[column] for row in rows]
        mean = sum(values) / len(values)
        sd = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5
        picked = [[*row[:column], row[column] + 3 * sd, *row[column + 1 :]] for row in picked]
    keep = len(header) if labels else len(header) - 1
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(header[:keep])
        writer.writerows(row[:keep] for row in picked)
    return path
