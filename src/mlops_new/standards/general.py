"""GEN: repository hygiene that applies to every project."""

from __future__ import annotations

import re

from mlops_new.standards.inputs import Repo
from mlops_new.standards.model import Check, NotApplicable, Outcome

LARGE_FILE_BYTES = 10 * 1024 * 1024
_CONFLICT = re.compile(r"^(<{7}|>{7})( |$)", re.MULTILINE)
_LEFTOVER = (".rej", ".orig")


def restore_hint(repo: Repo, name: str, otherwise: str) -> str:
    """``mlops-new restore NAME`` for a generated project, else ``otherwise``."""
    if repo.generated:
        return f"Bring back the template's version with `mlops-new restore {name}`."
    return otherwise


class General(Check):
    family = "general"


class GEN001(General):
    id = "GEN001"
    title = "Has a README"
    path = "README.md"
    fix = "Add a `README.md` that says what the project does and how to run it."

    def check(self, repo: Repo) -> Outcome:
        return repo.has("README.md", "README.rst", "README.txt", "README")

    def fix_for(self, repo: Repo) -> str:
        return restore_hint(repo, "README.md", self.fix)


class GEN002(General):
    id = "GEN002"
    title = "Has a licence file"
    path = "LICENSE"
    fix = "Add a `LICENSE` file (even `Proprietary` projects state their terms)."

    def check(self, repo: Repo) -> Outcome:
        return any(
            f.split("/")[0].startswith(("LICENSE", "LICENCE", "COPYING")) for f in repo.files
        )

    def fix_for(self, repo: Repo) -> str:
        return restore_hint(repo, "LICENSE", self.fix)


class GEN003(General):
    id = "GEN003"
    title = "Has a .gitignore"
    path = ".gitignore"
    fix = "Add a `.gitignore` that keeps environments, caches, data and models out of git."

    def check(self, repo: Repo) -> Outcome:
        return repo.has(".gitignore")

    def fix_for(self, repo: Repo) -> str:
        return restore_hint(repo, ".gitignore", self.fix)


class GEN004(General):
    id = "GEN004"
    title = "No merge-conflict markers"
    fix = "Resolve the conflict (keep the right lines, delete `<<<<<<<`/`>>>>>>>`), then commit."

    def check(self, repo: Repo) -> Outcome:
        hits = [name for name, text in repo.text_files() if _CONFLICT.search(text)]
        return f"Conflict markers in {_names(hits)}." if hits else True


class GEN005(General):
    id = "GEN005"
    title = "No .rej or .orig files left from merges"
    fix = "Apply what the leftover files describe, then `git rm` them."

    def check(self, repo: Repo) -> Outcome:
        leftovers = [f for f in repo.files if f.endswith(_LEFTOVER)]
        return f"Merge leftovers: {_names(leftovers)}." if leftovers else True


class GEN006(General):
    id = "GEN006"
    title = "No file over 10 MB committed to git"
    fix = "Version data and models with DVC (`dvc add FILE`), then `git rm --cached FILE`."

    def check(self, repo: Repo) -> Outcome:
        if not repo.is_git:
            return NotApplicable("not a git repository")
        large = [f for f in repo.tracked if _size(repo, f) > LARGE_FILE_BYTES]
        return f"Large files in git: {_names(large)}." if large else True


class GEN007(General):
    id = "GEN007"
    title = "pre-commit is configured"
    path = ".pre-commit-config.yaml"
    fix = (
        "Add a `.pre-commit-config.yaml` (ruff, file hygiene, `mlops-new check`) and run "
        "`pre-commit install`."
    )

    def check(self, repo: Repo) -> Outcome:
        return repo.has(".pre-commit-config.yaml")

    def fix_for(self, repo: Repo) -> str:
        return restore_hint(repo, ".pre-commit-config.yaml", self.fix)


def _size(repo: Repo, name: str) -> int:
    try:
        return (repo.root / name).stat().st_size
    except OSError:
        return 0


def _names(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(f"`{n}`" for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


CHECKS: tuple[type[Check], ...] = (GEN001, GEN002, GEN003, GEN004, GEN005, GEN006, GEN007)
