"""Batch scoring: ``python -m <package> score INPUT OUTPUT``, the service's code path in bulk.

The rows of a CSV or Parquet file (the format from the suffix) are read in
chunks of ``chunk_rows`` (memory stays bounded by the chunk, whatever the file's
size), their features taken **by name** (any column order; missing, unknown or
repeated feature columns are refused by name), checked against the data contract
(``schema.input_problems``, as the service does) and scored by the champion,
which is hash-verified and loaded once. The output has, per input row, the
columns the model does not read (an id, the target) as they came, then
``prediction``, ``probability`` (of class 1) and ``model_version`` (the registry
version from the lineage, else the model's DVC hash). The Kubernetes CronJob in
deploy/ runs this command in the image; the ``score`` DVC stage runs it on the
held-out split.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from numpy.typing import NDArray

from .lineage import lineage_path, load_model_info, model_info_path, read_json
from .predict import (
    DEFAULT_MODEL_PATH,
    Model,
    load_verified_model,
    predict,
    probabilities,
    refuse_bad_columns,
)
from .schema import input_problems

CHUNK_ROWS = 10_000
OUTPUT_COLUMNS = ("prediction", "probability", "model_version")
FORMATS = (".csv", ".parquet")


def model_version(model_path: Path) -> str:
    """The registry version the lineage records, else the model file's DVC hash."""
    for record in (lineage_path(model_path), model_info_path(model_path)):
        if record.is_file():
            document = read_json(record)
            if document.get("registry_version") or document.get("model_md5"):
                return str(document.get("registry_version") or document["model_md5"])
    return "unknown"


def score_matrix(
    model: Model, features: Sequence[str], matrix: NDArray[np.float64]
) -> tuple[list[int], list[float]]:
    """Labels and probabilities of rows in the model's column order, within the data contract.

    The one scoring step: the service's ``/predict`` and ``/predict/batch`` and the
    ``score`` command all call it.
    """
    if problems := input_problems(features, matrix):
        raise ValueError("Outside the data contract: " + "; ".join(problems))
    if len(matrix) == 0:
        return [], []
    return predict(model, matrix), probabilities(model, matrix)


@dataclass
class Scorer:
    """The champion, loaded and verified on first use, with its features and version."""

    model_path: Path = DEFAULT_MODEL_PATH
    _model: Model | None = field(default=None, repr=False)
    features: tuple[str, ...] = ()
    version: str = ""

    def model(self) -> Model:
        """The verified model (loaded once)."""
        if self._model is None:
            self._model = load_verified_model(self.model_path)
            self.features = load_model_info(self.model_path).features
            self.version = model_version(self.model_path)
        return self._model

    def score_table(self, table: pa.Table) -> pa.Table:
        """``table`` with the model's columns replaced by the three output columns."""
        model = self.model()
        header = table.column_names
        refuse_bad_columns(self.features, header, ignore=None)  # an id column goes through
        matrix = numeric_matrix(table, self.features)
        labels, scores = score_matrix(model, self.features, matrix)
        carried = [name for name in header if name not in self.features]
        columns = {name: table.column(name) for name in carried if name not in OUTPUT_COLUMNS}
        columns["prediction"] = pa.array(labels, type=pa.int64())
        columns["probability"] = pa.array(scores, type=pa.float64())
        columns["model_version"] = pa.array([self.version] * len(labels), type=pa.string())
        return pa.table(columns)


def numeric_matrix(table: pa.Table, features: Sequence[str]) -> NDArray[np.float64]:
    """The columns ``features`` of ``table`` as a float matrix; a non-numeric one is refused."""
    columns = []
    for name in features:
        column = table.column(name)
        if not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)):
            msg = f"column '{name}' holds {column.type} values: every feature must be a number."
            raise ValueError(msg)
        columns.append(column.to_numpy(zero_copy_only=False).astype(np.float64))
    return np.column_stack(columns) if columns else np.empty((table.num_rows, 0))


def _format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        msg = f"{path}: use a .csv or .parquet file (got '{suffix or 'no suffix'}')."
        raise ValueError(msg)
    return suffix


def read_chunks(path: Path, chunk_rows: int = CHUNK_ROWS) -> Iterator[pa.Table]:
    """The rows of a CSV or Parquet file, ``chunk_rows`` at a time."""
    kind = _format(path)
    if not path.is_file():
        msg = f"{path} not found: give the file of rows to score."
        raise FileNotFoundError(msg)
    if kind == ".parquet":
        for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows):
            yield pa.Table.from_batches([batch])
        return
    options = pacsv.ReadOptions(block_size=1 << 20)
    try:
        reader = pacsv.open_csv(path, read_options=options)
    except pa.ArrowInvalid as exc:
        msg = f"{path} is not a CSV file with a header row: {exc}"
        raise ValueError(msg) from None
    pending: list[pa.RecordBatch] = []
    size = 0
    for batch in reader:
        pending.append(batch)
        size += batch.num_rows
        while size >= chunk_rows:
            table = pa.Table.from_batches(pending)
            yield table.slice(0, chunk_rows)
            rest = table.slice(chunk_rows)
            pending, size = rest.to_batches(), rest.num_rows
    if size:
        yield pa.Table.from_batches(pending)


def _writer(path: Path, schema: pa.Schema, kind: str) -> pq.ParquetWriter | pacsv.CSVWriter:
    return pq.ParquetWriter(path, schema) if kind == ".parquet" else pacsv.CSVWriter(path, schema)


@dataclass(frozen=True)
class Scored:
    """What ``score_file`` wrote."""

    output: Path
    rows: int
    model_version: str


def score_file(
    input_path: Path,
    output_path: Path,
    model_path: Path = DEFAULT_MODEL_PATH,
    chunk_rows: int = CHUNK_ROWS,
) -> Scored:
    """Score every row of ``input_path`` into ``output_path``, one chunk at a time.

    The output is written beside its place and renamed over it at the end: a
    failed run leaves no half-written file.
    """
    if chunk_rows < 1:
        msg = f"--chunk-rows must be at least 1, got {chunk_rows}."
        raise ValueError(msg)
    kind = _format(output_path)
    scorer = Scorer(model_path)
    output_path.parent.mkdir(parents=True, exist_ok=True)
    partial = output_path.with_name(f".{output_path.name}.partial")
    writer: pq.ParquetWriter | pacsv.CSVWriter | None = None
    rows = 0
    try:
        for number, chunk in enumerate(read_chunks(input_path, chunk_rows)):
            try:
                scored = scorer.score_table(chunk)
            except ValueError as exc:
                first = number * chunk_rows + 1
                msg = f"{input_path} (rows from {first}): {exc}"
                raise ValueError(msg) from None
            writer = writer or _writer(partial, scored.schema, kind)
            writer.write_table(scored)
            rows += scored.num_rows
        if writer is None:  # no rows: an empty file with the output columns
            scorer.model()
            empty = pa.table({name: pa.array([], type=pa.string()) for name in OUTPUT_COLUMNS})
            writer = _writer(partial, empty.schema, kind)
        writer.close()
        partial.replace(output_path)
    finally:
        if writer is not None:
            writer.close()  # a failed run's handle too (closing twice is a no-op)
        partial.unlink(missing_ok=True)
    return Scored(output_path, rows, scorer.version)
