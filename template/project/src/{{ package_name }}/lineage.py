"""The model's lineage: the data, run and decision behind the file that is served.

The train stage writes ``model_info.json`` next to the model (feature names,
DVC hashes of the training data and the model, the tracking run, the git
commit); the promote stage writes ``lineage.json`` beside it with the held-out
metric, the decision and the registry version, and copies all three to the
champion's place when the model passes. They travel with the model (``dvc
push``, the image).
"""

import hashlib
import json
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

MODEL_INFO_NAME = "model_info.json"
LINEAGE_NAME = "lineage.json"
GIT_FAILURES = (OSError, subprocess.TimeoutExpired)  # no git, or it hung


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
    commit: str | None = None  # `git describe --always --dirty`; None outside a git repository


def git_commit() -> str | None:
    """The commit as ``git describe --always --dirty`` names it; None outside a git repository.

    A ``-dirty`` suffix says tracked files had uncommitted changes.
    """
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty"],  # noqa: S607  # git from PATH
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except GIT_FAILURES:
        return None
    if described.returncode != 0:
        return None
    return described.stdout.strip() or None


def is_dirty(commit: str | None) -> bool:
    """Whether ``commit`` (from :func:`git_commit`) says the tree had uncommitted changes."""
    return commit is not None and commit.endswith("-dirty")


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


class ModelMismatchError(ValueError):
    """The model file is not the one its lineage records: it is not loaded."""


def verify_model(model_path: Path) -> None:
    """Refuse ``model_path`` unless its DVC hash is the one its lineage records.

    Loading a model (a joblib pickle above all) runs code from the file: one swapped
    in models/ must fail here, before it is loaded. Every record beside it must
    match: ``lineage.json`` (the promote stage) and ``model_info.json`` (train).
    """
    candidates = (lineage_path(model_path), model_info_path(model_path))
    records = [path for path in candidates if path.is_file()]
    if not records:
        msg = (
            f"{model_path} has no {LINEAGE_NAME} or {MODEL_INFO_NAME} beside it to verify it "
            "against: not loaded. Train it with `uv run dvc repro` (or `dvc pull` it)."
        )
        raise ModelMismatchError(msg)
    actual = dvc_md5(model_path)
    for record in records:
        if read_json(record).get("model_md5") != actual:
            msg = (
                f"{model_path} (md5 {actual}) is not the model {record} records: not loaded. "
                "Restore it with `uv run dvc checkout` (or `dvc pull`), or retrain it."
            )
            raise ModelMismatchError(msg)


def release_problem(model_path: Path) -> str | None:
    """Why the model at ``model_path`` must not be served or shipped; None for a champion.

    A champion is a model the promote stage passed: its ``lineage.json`` says
    ``promoted`` and names this very file (its DVC hash).
    """
    lineage_file = lineage_path(model_path)
    if not model_path.is_file() or not lineage_file.is_file():
        return f"no promoted model at {model_path}: run `uv run dvc repro` (or `dvc pull`) first."
    lineage = read_json(lineage_file)
    promotion = lineage.get("promotion") or {}
    if promotion.get("promoted") is not True:
        return (
            f"{model_path} was not promoted ({promotion.get('metric')} = {promotion.get('value')}, "
            f"threshold {promotion.get('threshold')}): only a champion is served or released."
        )
    if lineage.get("model_md5") != dvc_md5(model_path):
        return f"{model_path} is not the model {lineage_file} describes: run `uv run dvc repro`."
    return None
