"""``mlops-new check``: declarative standards over a repository's parse-once inputs.

The core returns a :class:`CheckReport`; :mod:`mlops_new.standards.serialise`
turns it into JSON, SARIF or GitHub workflow commands (strings), and only the
CLI prints.  Nothing here imports copier.
"""

from __future__ import annotations

from mlops_new.standards.model import Check, CheckResult, Currency, NotApplicable, Status
from mlops_new.standards.runner import ALL_CHECKS, CheckReport, run_checks

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
