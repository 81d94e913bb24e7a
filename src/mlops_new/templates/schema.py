"""A template's questions (name -> copier settings), read from its copier.yml at a version.

Works for any copier template (the bundled one, a path, a git URL) at any
version, without rendering anything: the file is read from git (a shallow
clone for remote sources) and nothing of the template runs.  ``update`` and
``link`` use it to know which answers a template asks; the ``questions`` use
case lists them.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path
from typing import Any

from mlops_new.core import bounded
from mlops_new.core.bounded import InputError
from mlops_new.core.errors import TemplateSourceError
from mlops_new.core.git import git, run
from mlops_new.templates.catalog import git_location
from mlops_new.templates.source import TemplateRef

_CONFIG_NAMES = ("copier.yml", "copier.yaml")


def question_map(target: TemplateRef) -> dict[str, Any]:
    """The questions (name -> settings) of ``target``'s copier.yml, nothing rendered or run.

    Read once per process for a known commit (a plain folder may change: read each time).
    """
    return {name: spec for name, spec in _config(target).items() if not name.startswith("_")}


def skip_if_exists(target: TemplateRef) -> tuple[str, ...]:
    """``target``'s ``_skip_if_exists`` patterns (copier's files never overwritten once they
    exist), as written."""
    found = _config(target).get("_skip_if_exists", ())
    patterns = [found] if isinstance(found, str) else found if isinstance(found, list) else []
    return tuple(str(pattern) for pattern in patterns if isinstance(pattern, (str, int)))


def config(target: TemplateRef) -> dict[str, Any]:
    """``target``'s whole copier.yml (questions and ``_`` settings), nothing rendered or run."""
    return dict(_config(target))


def update_messages(target: TemplateRef) -> tuple[str, str]:
    """``target``'s ``_message_before_update`` and ``_message_after_update`` (Jinja text)."""
    found = _config(target)
    before, after = (found.get(f"_message_{when}_update", "") for when in ("before", "after"))
    return (before if isinstance(before, str) else "", after if isinstance(after, str) else "")


def _config(target: TemplateRef) -> dict[str, Any]:
    """The parsed copier.yml: once per process for a known commit (a plain folder may change:
    read each time). Callers copy what they return; the cached mapping is shared."""
    return _cached(target) if target.commit else _read(target)


@functools.lru_cache(maxsize=32)
def _cached(target: TemplateRef) -> dict[str, Any]:
    return _read(target)


def _read(target: TemplateRef) -> dict[str, Any]:
    text, where = _config_text(target.src, target.tag)
    try:
        config = bounded.load_yaml(text, where)
    except InputError as exc:
        raise TemplateSourceError(
            f"The template {target.src} cannot be read: {exc.message}"
        ) from exc
    if not isinstance(config, dict):
        raise TemplateSourceError(
            f"The template {target.src} has no questions: {where} is no mapping."
        )
    return {str(name): spec for name, spec in config.items()}


def _config_text(src: str, tag: str | None) -> tuple[str, str]:
    """copier.yml's text at ``tag`` and how to name it in messages."""
    folder = Path(src).expanduser()
    if folder.is_dir() and tag is None:
        for name in _CONFIG_NAMES:
            if (folder / name).is_file():
                return bounded.read_text(folder / name), str(folder / name)
        raise TemplateSourceError(f"'{src}' is not a copier template: it has no copier.yml.")
    if folder.is_dir():
        return _show(folder, tag, src)
    with tempfile.TemporaryDirectory(prefix="mlops-new-questions-") as tmp:
        branch = ["--branch", tag] if tag else []
        location = git_location(src)
        proc = run("clone", "--quiet", "--depth", "1", *branch, "--", location, tmp, cwd=Path(tmp))
        if proc.returncode != 0:  # pragma: no cover  (run raises on failure)
            raise TemplateSourceError(f"Cannot read the template {src}.")
        return _show(Path(tmp), "HEAD", src)


def _show(repo: Path, tag: str | None, src: str) -> tuple[str, str]:
    for name in _CONFIG_NAMES:
        text = git("show", f"{tag or 'HEAD'}:{name}", cwd=repo, check=False, strip=False)
        if text:
            return text, f"{src}@{tag}:{name}"
    raise TemplateSourceError(f"The template {src} has no copier.yml at {tag or 'HEAD'}.")
