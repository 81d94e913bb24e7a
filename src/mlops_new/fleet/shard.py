"""``fleet report --shard K/N`` and ``fleet merge``: one fleet, reported by a CI matrix.

A repository belongs to one shard, chosen by a hash of its path relative to the
fleet's root (the common folder of every repository found), so each matrix job
finds the same fleet, checks its share, and the shares never overlap; a
repository added to the fleet moves no other. ``fleet merge`` reads the shard
reports back (the ``--format json`` documents), refuses a set with a shard
missing, repeated, or of another split, and gives the one report an unsharded
run gives (its ``generated`` time the oldest shard's: the data is that old).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mlops_new.core.bounded import read_text
from mlops_new.core.errors import UserError, shown
from mlops_new.fleet.report import Failure, FleetReport, RepoReport, assemble

MERGEABLE = ("fleet report", "fleet merge")
"""The commands whose JSON documents ``fleet merge`` reads."""


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"K/N"`` with 1 <= K <= N."""
        match = re.fullmatch(r"\s*(\d{1,6})\s*/\s*(\d{1,6})\s*", text)
        if match is None or not 1 <= int(match[1]) <= int(match[2]):
            raise UserError(
                f"--shard '{shown(text, 40)}' is not K/N with 1 <= K <= N.",
                "Give this job's shard and the number of shards, e.g. --shard 3/10.",
            )
        return cls(int(match[1]), int(match[2]))

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, key: str) -> bool:
        """Whether the repository with ``key`` (its path relative to the root) is in this shard."""
        digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1


def key(path: Path, root: str) -> str:
    """The repository's shard key: its path relative to the fleet's root, ``/``-separated."""
    try:
        return path.relative_to(root).as_posix() if root else path.as_posix()
    except ValueError:
        return path.as_posix()


def pick(repos: list[Path], shard: Shard, root: str) -> list[Path]:
    """The repositories of ``shard``, in order."""
    return [repo for repo in repos if shard.holds(key(repo, root))]


def merge(files: list[Path]) -> FleetReport:
    """The fleet report of the shard (or whole) reports in ``files``."""
    reports = [(file, _load(file)) for file in files]
    _refuse_a_partial_set(reports)
    seen: dict[str, int] = {}
    for index, (file, report) in enumerate(reports):
        for repo in report.repos:
            if (earlier := seen.setdefault(str(repo.path), index)) != index:
                raise UserError(
                    f"'{repo.path}' is in both '{reports[earlier][0]}' and '{file}'.",
                    "Merge the reports of one split (--shard K/N with the same N), each once.",
                )
    repos = [repo for _, report in reports for repo in report.repos]
    roots = {report.root for _, report in reports}
    merged = assemble([r.path for r in repos], repos, root=roots.pop() if len(roots) == 1 else None)
    return replace(merged, generated=min(report.generated for _, report in reports))


def _refuse_a_partial_set(reports: list[tuple[Path, FleetReport]]) -> None:
    shards = [Shard.parse(report.shard) for _, report in reports if report.shard]
    if not shards:
        return
    if len(shards) != len(reports):
        whole = next(file for file, report in reports if not report.shard)
        raise UserError(
            f"'{whole}' is a whole fleet's report, the others are shards.",
            "Merge the shard reports of one run only.",
        )
    if len({shard.count for shard in shards}) > 1:
        raise UserError(
            f"The reports are shards of different splits ({', '.join(map(str, shards))}).",
            "Merge the shard reports of one run (one N in --shard K/N).",
        )
    count = shards[0].count
    have = sorted(shard.index for shard in shards)
    missing = [str(k) for k in range(1, count + 1) if k not in have]
    repeated = sorted({k for k in have if have.count(k) > 1})
    if missing or repeated:
        what = f"shard {', '.join(missing)} of {count} missing" if missing else ""
        what += ("; " if what else "") + ", ".join(f"shard {k}/{count} twice" for k in repeated)
        raise UserError(
            f"The shard reports are not one whole fleet: {what}.",
            "Merge every shard's report of one run, each once (a failed matrix job has none).",
        )


def _load(file: Path) -> FleetReport:
    """A fleet report back from its ``--format json`` document."""
    try:
        document = json.loads(read_text(file))
    except UserError as exc:
        raise UserError(f"Cannot read the report: {exc.message}", exc.hint) from exc
    except json.JSONDecodeError as exc:
        raise _not_a_report(file, f"not JSON ({exc.msg}, line {exc.lineno})") from exc
    if not isinstance(document, dict) or document.get("command") not in MERGEABLE:
        raise _not_a_report(file, "not the JSON of `fleet report --format json`")
    result = document.get("result")
    try:
        return _report(result)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _not_a_report(file, f"its result is not a fleet report ({exc!r})") from exc


def _report(data: Any) -> FleetReport:
    repos = tuple(_repo(item) for item in data["repos"])
    titles = {
        str(check): (str(title["title"]), str(title["severity"]))
        for check, title in data["titles"].items()
    }
    return FleetReport(
        repos=repos,
        root=str(data["root"]),
        generated=str(data["generated"]),
        titles=titles,
        shard=str(data.get("shard", "")),
    )


def _repo(data: dict[str, Any]) -> RepoReport:
    known = set(RepoReport.__dataclass_fields__) - {"_derived"}
    values = {name: value for name, value in data.items() if name in known}
    values["path"] = Path(values["path"])
    values["failures"] = tuple(Failure(**failure) for failure in data.get("failures", ()))
    values["waived"] = tuple(str(check) for check in data.get("waived", ()))
    return RepoReport(**values)


def _not_a_report(file: Path, why: str) -> UserError:
    return UserError(
        f"'{file}' is not a fleet report: {why}.",
        "Give the files `mlops-new fleet report --format json --output FILE` wrote.",
    )
