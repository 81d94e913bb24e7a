"""The model's lineage: the data, run and decision behind the file that is served.

The train stage writes ``model_info.json`` next to the model (feature names,
DVC hashes of the training data and the model, the tracking run); the promote
stage writes ``lineage.json`` beside it with the held-out metric, the decision
and the registry version. Both travel with the model (``dvc push``, the image).
"""

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

MODEL_INFO_NAME = "model_info.json"
LINEAGE_NAME = "lineage.json"


def dvc_md5(path: Path) -> str:
    """The hash DVC 3 records for a file in dvc.lock (the MD5 of its bytes)."""
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class ModelInfo:
    """What the train stage knows about the model it saved."""

    features: tuple[str, ...]
    data_md5: str
    model_md5: str
    run_id: str | None = None
    model_uri: str | None = None


def model_info_path(model_path: Path) -> Path:
    """``model_info.json`` in the model's folder."""
    return model_path.parent / MODEL_INFO_NAME


def lineage_path(model_path: Path) -> Path:
    """``lineage.json`` in the model's folder."""
    return model_path.parent / LINEAGE_NAME


def write_json(path: Path, document: dict[str, Any]) -> Path:
    """Write ``document`` as sorted, indented JSON (stable diffs); return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def read_json(path: Path) -> dict[str, Any]:
    """Read a JSON object written by ``write_json``."""
    try:
        document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        msg = f"{path} not found: run the pipeline first (`uv run dvc repro`)."
        raise FileNotFoundError(msg) from None
    return document


def save_model_info(info: ModelInfo, model_path: Path) -> Path:
    """Write ``model_info.json`` next to the model."""
    return write_json(model_info_path(model_path), asdict(info))


def load_model_info(model_path: Path) -> ModelInfo:
    """Read the ``model_info.json`` next to the model."""
    document = read_json(model_info_path(model_path))
    return ModelInfo(**{**document, "features": tuple(document["features"])})
