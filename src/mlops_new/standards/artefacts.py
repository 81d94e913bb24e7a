"""GEN: what git should not hold: model weights (DVC or Git LFS do) and notebook outputs."""

from __future__ import annotations

import fnmatch
import os
import re

from mlops_new.standards.general import General
from mlops_new.standards.inputs import MAX_TEXT_BYTES, Repo, is_fixture
from mlops_new.standards.model import Check, Fail, NotApplicable, Outcome, Severity

MODEL_SUFFIXES = (
    ".pt", ".pth", ".ckpt", ".onnx", ".safetensors", ".h5", ".hdf5", ".keras", ".tflite",
    ".gguf", ".mlmodel", ".pdparams",
)  # fmt: skip
_OUTPUT = re.compile(r'"outputs"\s*:\s*\[\s*\{')


def lfs_patterns(repo: Repo) -> list[str]:
    """The patterns ``.gitattributes`` hands to Git LFS (``*.pt filter=lfs ...``)."""
    patterns: list[str] = []
    for line in (repo.text(".gitattributes") or "").splitlines():
        words = line.split()
        if len(words) > 1 and not words[0].startswith("#") and "filter=lfs" in words[1:]:
            patterns.append(words[0].lstrip("/"))
    return patterns


def _in_lfs(name: str, patterns: list[str]) -> bool:
    base = name.rpartition("/")[2]
    return any(
        fnmatch.fnmatch(name, p) or ("/" not in p and fnmatch.fnmatch(base, p)) for p in patterns
    )


class GEN008(General):
    """Weights (`.pt`, `.pth`, `.ckpt`, `.onnx`, `.safetensors`, `.h5`, `.keras`, `.tflite`,
    `.gguf`) are data, versioned by DVC or Git LFS; committed to git, every version stays in
    every clone forever. Files that `.gitattributes` gives to Git LFS (`filter=lfs`) pass, and
    tests may hold small models as fixtures.
    """

    applies = "a git repository"
    id = "GEN008"
    title = "No model weights committed to git (DVC or Git LFS hold them)"
    path = ".gitattributes"
    fix = (
        "Version weights with DVC (`dvc add models/model.pt`, then `git rm --cached` it) or "
        "Git LFS (`git lfs track '*.pt'`, `git lfs migrate import`)."
    )

    def check(self, repo: Repo) -> Outcome:
        if not repo.is_git:
            return NotApplicable("not a git repository")
        weights = [f for f in repo.tracked if f.endswith(MODEL_SUFFIXES) and not is_fixture(f)]
        if not weights:
            return True
        patterns = lfs_patterns(repo)
        loose = [f for f in weights if not _in_lfs(f, patterns)]
        if not loose:
            return True
        more = f" and {len(loose) - 5} more" if len(loose) > 5 else ""
        return Fail(f"In git: {', '.join(f'`{f}`' for f in loose[:5])}{more}.", loose[0], 1)


class GEN009(General):
    """Outputs in a committed notebook (tables, plots, tracebacks) bloat every diff and can
    carry data or credentials that were on screen. Strip them before committing (`nbstripout`
    as a git filter or pre-commit hook, or `jupyter nbconvert --clear-output`). Notebooks
    under tests and fixtures aside; a book's or tutorial's notebooks may keep their outputs
    on purpose and waive it.
    """

    applies = "the repository has Jupyter notebooks (tests and fixtures aside)"
    id = "GEN009"
    severity = Severity.info
    title = "Notebooks are committed without outputs"
    fix = (
        "Clear the outputs (`jupyter nbconvert --clear-output --inplace NOTEBOOK`) and add the "
        "`nbstripout` pre-commit hook."
    )

    def check(self, repo: Repo) -> Outcome:
        notebooks = [f for f in repo.files if f.endswith(".ipynb") and not is_fixture(f)]
        if not notebooks:
            return NotApplicable("no Jupyter notebooks")
        found = {name: line for name in notebooks if (line := _first_output(repo, name))}
        if not found:
            return True
        more = f" and {len(found) - 5} more" if len(found) > 5 else ""
        shown = ", ".join(f"`{f}`" for f in list(found)[:5])
        name, line = next(iter(found.items()))
        return Fail(f"Outputs in {shown}{more}.", name, line)


def _first_output(repo: Repo, name: str) -> int:
    """The line of a notebook's first output (1 for a notebook too large to read, which
    surely has some; 0 for none)."""
    text = repo.text(name)
    if text is None:
        try:
            return int(os.lstat(repo.root / name).st_size > MAX_TEXT_BYTES)
        except (OSError, ValueError):
            return 0
    match = _OUTPUT.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else 0


CHECKS: tuple[type[Check], ...] = (GEN008, GEN009)
