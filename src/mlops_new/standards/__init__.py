"""``mlops-new check``: declarative standards over a repository's parse-once inputs.

The core returns a :class:`CheckReport`; :mod:`mlops_new.standards.serialise`
turns it into JSON, SARIF or GitHub workflow commands (strings), and only the
CLI prints.  Nothing here imports copier.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlops_new.standards.model import Check, CheckResult, Currency, NotApplicable, Status
    from mlops_new.standards.runner import ALL_CHECKS, CheckReport, run_checks

_HOMES = {"ALL_CHECKS": "runner", "CheckReport": "runner", "run_checks": "runner"}


def __getattr__(name: str) -> Any:
    """The names below, imported on first use: ``standards.scan`` alone loads no check."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f"{__name__}.{_HOMES.get(name, 'model')}")
    return getattr(module, name)


__all__ = [
    "ALL_CHECKS",
    "Check",
    "CheckReport",
    "CheckResult",
    "Currency",
    "NotApplicable",
    "Status",
    "run_checks",
]
