"""Stand-in for PyPI's vulnerability feed, for pip-audit in the generated CI's audit job.

This machine's package index has no JSON API, so pip-audit (the real one, from
the index) cannot ask it. ``ci_local.audit_stand_in`` installs this module next
to pip-audit (``uvx --with``) with a ``.pth`` file that imports it at start-up;
when pip-audit's PyPI service module loads, it swaps the HTTP session that
service uses for one that answers
``https://pypi.org/pypi/NAME/VERSION/json`` from ``$PIP_AUDIT_FEED``, a JSON
file mapping ``NAME==VERSION`` to that release's ``vulnerabilities`` list in
PyPI's format (any other release: none). Everything else in pip-audit runs as is.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any


class _Response:
    status_code = 200

    def __init__(self, payload: dict[str, Any]) -> None:
        self._payload = payload

    def raise_for_status(self) -> None:
        return None

    def json(self) -> dict[str, Any]:
        return self._payload


class _Feed:
    def __init__(self) -> None:
        feed = Path(os.environ["PIP_AUDIT_FEED"]).read_text(encoding="utf-8")
        self._vulns: dict[str, list[dict[str, Any]]] = json.loads(feed)

    def get(self, url: str, timeout: object = None) -> _Response:
        name, version = url.removeprefix("https://pypi.org/pypi/").split("/")[:2]
        return _Response({"vulnerabilities": self._vulns.get(f"{name}=={version}", [])})


class _Patch(importlib.abc.MetaPathFinder):
    """Patches ``pip_audit._service.pypi`` as it loads (the ``.pth`` file runs before
    uv's tool environment is on ``sys.path``, so it cannot import pip-audit itself)."""

    MODULE = "pip_audit._service.pypi"

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.MODULE:
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            raise ImportError(fullname)
        load = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            load(module)
            setattr(module, "caching_session", lambda *_args, **_kwargs: _Feed())  # noqa: B010

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


sys.meta_path.insert(0, _Patch())
