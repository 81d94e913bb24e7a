"""DVC: a pipeline with stages, a default remote, params tracked, outputs out of git."""

from __future__ import annotations

import re
from typing import Any

from mlops_new.standards.general import restore_hint
from mlops_new.standards.inputs import Repo, mapping
from mlops_new.standards.model import Check, Fail, NotApplicable, Outcome, Severity


def _no_dvc(repo: Repo) -> NotApplicable | None:
    if not repo.has("dvc.yaml", ".dvc/config"):
        return NotApplicable("the repository does not use DVC (no dvc.yaml, no .dvc/config)")
    return None


def _no_pipeline(repo: Repo) -> NotApplicable | None:
    """DVC only versioning data (``*.dvc`` files, a remote) calls for no pipeline.

    A generated project that deleted its ``dvc.yaml`` still has one to restore.
    """
    if repo.has("dvc.yaml") or (repo.generated and repo.has(".dvc/config")):
        return None
    if repo.has(".dvc/config") or any(f.endswith(".dvc") for f in repo.files):
        return NotApplicable("no dvc.yaml: DVC versions data here, it runs no pipeline")
    if "dvc" in repo.dependencies:
        return NotApplicable("no dvc.yaml: `dvc` is a dependency here, not a pipeline")
    return NotApplicable("the repository does not use DVC (no dvc.yaml, no .dvc/config)")


class DVC(Check):
    family = "dvc"


class DVC001(DVC):
    """The pipeline (prepare, train, evaluate) is described in `dvc.yaml` so that `dvc repro`
    rebuilds it.
    """

    applies = (
        "the repository has a `dvc.yaml` (or is a generated project with `.dvc/config`); a "
        "`dvc` library dependency or data versioned with `*.dvc` files calls for no pipeline"
    )
    id = "DVC001"
    title = "Has a DVC pipeline with stages"
    path = "dvc.yaml"
    fix = (
        "Describe the pipeline in `dvc.yaml` (`stages:` prepare, train, evaluate), see `dvc "
        "stage add`."
    )

    def check(self, repo: Repo) -> Outcome:
        if (skip := _no_pipeline(repo)) is not None:
            return skip
        if "dvc.yaml" in repo.parse_errors:
            return f"`dvc.yaml` is not valid YAML: {repo.parse_errors['dvc.yaml']}."
        return bool(mapping((repo.dvc_yaml or {}).get("stages")))

    def fix_for(self, repo: Repo) -> str:
        return restore_hint(repo, "dvc.yaml", self.fix)


class DVC002(DVC):
    """`[core] remote` in `.dvc/config` names a remote that is defined there, so `dvc
    push`/`dvc pull` share data.
    """

    applies = (
        "the repository uses DVC (`dvc.yaml` or `.dvc/config`), unless generated with "
        "`dvc_remote: none`"
    )
    id = "DVC002"
    title = "A default DVC remote is configured"
    path = ".dvc/config"
    fix = "Configure one with `dvc remote add --default NAME URL` and commit `.dvc/config`."

    def check(self, repo: Repo) -> Outcome:
        if (skip := _no_dvc(repo)) is not None:
            return skip
        if repo.answer("dvc_remote") == "none":
            return NotApplicable(
                "the project was generated without a DVC remote (dvc_remote: none)"
            )
        if not repo.has(".dvc/config"):
            return "There is no `.dvc/config` (run `dvc init`)."
        default = repo.dvc_config.get("core", {}).get("remote")
        if not default:
            return "`.dvc/config` names no default remote (`[core] remote = ...`)."
        if f"remote {default}" not in repo.dvc_config:
            return f"The default remote `{default}` is not defined in `.dvc/config`."
        return True


class DVC003(DVC):
    """A stage that reads `params.yaml` lists the keys under `params:`, so that changing a
    parameter re-runs it; `params.yaml` is committed.
    """

    applies = "there is a `params.yaml`"
    id = "DVC003"
    title = "Parameters are tracked by the pipeline"
    path = "params.yaml"
    requires = ("DVC001",)
    fix = (
        "List the parameters each stage reads under its `params:` in `dvc.yaml`, and commit "
        "`params.yaml`."
    )

    def check(self, repo: Repo) -> Outcome:
        if not repo.has("params.yaml"):
            return NotApplicable("no params.yaml")
        if repo.is_git and "params.yaml" not in repo.tracked:
            return "`params.yaml` is not committed to git."
        stages = mapping((repo.dvc_yaml or {}).get("stages")).values()
        return any(isinstance(s, dict) and s.get("params") for s in stages) or (
            "No stage of `dvc.yaml` lists `params:`."
        )


class DVC004(DVC):
    """Stage `outs` (cached by DVC) must not also be tracked by git. `metrics`/`plots` with
    `cache: false` are meant for git and are not flagged.
    """

    applies = "a git repository"
    id = "DVC004"
    severity = Severity.error
    title = "Pipeline outputs are not committed to git"
    path = "dvc.yaml"
    requires = ("DVC001",)
    fix = (
        "Remove them from git (`git rm -r --cached PATH`) and git-ignore them; DVC versions "
        "them (`dvc push`)."
    )

    def check(self, repo: Repo) -> Outcome:
        if not repo.is_git:
            return NotApplicable("not a git repository")
        outs = _cached_outs(repo.dvc_yaml or {})
        in_git = sorted(
            {
                f
                for f in repo.tracked
                for out in outs
                if f == out or f.startswith(out.rstrip("/") + "/")
            }
        )
        if not in_git:
            return True
        line = repo.line_of(
            "dvc.yaml", re.escape(next(o for o in outs if in_git[0].startswith(o.rstrip("/"))))
        )
        return Fail(f"Tracked by git: {', '.join(f'`{f}`' for f in in_git[:5])}.", "dvc.yaml", line)


def _cached_outs(dvc_yaml: dict[str, Any]) -> list[str]:
    outs: list[str] = []
    for stage in mapping(dvc_yaml.get("stages")).values():
        found = stage.get("outs") if isinstance(stage, dict) else None
        for out in found if isinstance(found, list) else []:
            if isinstance(out, str):
                outs.append(out)
            elif isinstance(out, dict):
                outs += [k for k, v in out.items() if mapping(v).get("cache", True) is not False]
    return outs


class DVC005(DVC):
    """The default remote is one a teammate's clone and CI can reach: a bucket, a server,
    or an absolute path every machine mounts. A relative folder (`../NAME-dvc-storage`,
    mlops-new's `local` default) exists only beside this clone, so `dvc pull` anywhere
    else (a teammate, CI's release job) finds nothing. Only `.dvc/config` counts:
    `.dvc/config.local` is each machine's own.
    """

    applies = "the default DVC remote is configured (DVC002 passes)"
    requires = ("DVC002",)
    id = "DVC005"
    severity = Severity.info
    title = "The default DVC remote is shared, not a folder beside this clone"
    path = ".dvc/config"
    fix = (
        "Point it at shared storage: `dvc remote modify NAME url s3://bucket/path` (or "
        "`gs://`, `azure://`, `ssh://`, or a folder every machine mounts), then `dvc push`."
    )

    def check(self, repo: Repo) -> Outcome:
        default = repo.dvc_config.get("core", {}).get("remote", "")
        url = repo.dvc_config.get(f"remote {default}", {}).get("url", "")
        if not url or _SCHEME.match(url) or url.startswith(("/", "~")) or _WINDOWS.match(url):
            return True
        return Fail(
            f"The default remote `{default}` is the folder `{url}` beside this clone: a "
            "teammate's clone and CI cannot `dvc pull` from it.",
            ".dvc/config",
            _url_line(repo.text(".dvc/config") or "", default),
        )


def _url_line(config: str, remote: str) -> int:
    """The line of ``url =`` in the ``remote`` section of ``config`` (0 when not found)."""
    inside = False
    for number, line in enumerate(config.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            inside = stripped.replace("'", "").replace('"', "") == f"[remote {remote}]"
        elif inside and re.match(r"url\s*=", stripped):
            return number
    return 0


_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_WINDOWS = re.compile(r"^([A-Za-z]:[\\/]|\\\\)")


CHECKS: tuple[type[Check], ...] = (DVC001, DVC002, DVC003, DVC004, DVC005)
