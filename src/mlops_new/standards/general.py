"""GEN: repository hygiene that applies to every project."""

from __future__ import annotations

from mlops_new.standards.inputs import Repo, is_fixture
from mlops_new.standards.model import Check, Fail, NotApplicable, Outcome, Severity
from mlops_new.standards.tools import HOOK_CONFIGS

_LEFTOVER = (".rej", ".orig")


def restore_hint(repo: Repo, name: str, otherwise: str) -> str:
    """``mlops-new restore NAME`` for a generated project missing NAME, else ``otherwise``.

    A file that exists is the team's: restoring the template's would overwrite it.
    """
    if repo.generated and not repo.has(name):
        return f"Bring back the template's version with `mlops-new restore {name}`."
    return otherwise


LICENCE_FILES = tuple(
    f"{stem}{ext}"
    for stem in ("LICENSE", "LICENCE", "COPYING")
    for ext in ("", ".md", ".txt", ".rst")
)


class General(Check):
    family = "general"


class GEN001(General):
    """A README says what the project does and how to run it."""

    applies = "every repository"
    id = "GEN001"
    title = "Has a README"
    path = "README.md"
    fix = "Add a `README.md` that says what the project does and how to run it."

    def check(self, repo: Repo) -> Outcome:
        return repo.has("README.md", "README.rst", "README.txt", "README")

    def fix_for(self, repo: Repo) -> str:
        return restore_hint(repo, "README.md", self.fix)


class GEN002(General):
    """Code without a licence cannot legally be reused, even inside a company."""

    applies = "every repository"
    id = "GEN002"
    title = "Has a licence file"
    path = "LICENSE"
    fix = "Add a `LICENSE` file (even `Proprietary` projects state their terms)."

    def check(self, repo: Repo) -> Outcome:
        own = repo.starting("LICENSE", "LICENCE", "COPYING")
        return own or bool(repo.has_up(*LICENCE_FILES))

    def fix_for(self, repo: Repo) -> str:
        return restore_hint(repo, "LICENSE", self.fix)


class GEN003(General):
    """Keeps environments, caches, secrets, data and models out of git."""

    applies = "every repository"
    id = "GEN003"
    title = "Has a .gitignore"
    path = ".gitignore"
    fix = "Add a `.gitignore` that keeps environments, caches, data and models out of git."

    def check(self, repo: Repo) -> Outcome:
        return repo.has(".gitignore")

    def fix_for(self, repo: Repo) -> str:
        return restore_hint(repo, ".gitignore", self.fix)


class GEN004(General):
    """Lines starting with `<<<<<<< ` or `>>>>>>> ` are left-over merge conflicts (from `git
    merge` or `mlops-new update`). Tests and test fixtures may hold them as data.
    """

    applies = "every repository (text files; tests and fixtures aside)"
    id = "GEN004"
    severity = Severity.error
    title = "No merge-conflict markers"
    fix = "Resolve the conflict (keep the right lines, delete `<<<<<<<`/`>>>>>>>`), then commit."

    def check(self, repo: Repo) -> Outcome:
        hits = [hit for hit in repo.hits.get("conflict", []) if not is_fixture(hit.path)]
        if not hits:
            return True
        names = list(dict.fromkeys(hit.path for hit in hits))
        return Fail(f"Conflict markers in {_names(names)}.", hits[0].path, hits[0].line)


class GEN005(General):
    """`.rej` and `.orig` files are left by patches and merges that did not apply cleanly."""

    applies = "every repository"
    id = "GEN005"
    title = "No .rej or .orig files left from merges"
    fix = "Apply what the leftover files describe, then `git rm` them."

    def check(self, repo: Repo) -> Outcome:
        leftovers = [f for f in repo.files if f.endswith(_LEFTOVER)]
        return Fail(f"Merge leftovers: {_names(leftovers)}.", leftovers[0]) if leftovers else True


class GEN006(General):
    """Git is the wrong store for data and models: it keeps every version forever. Files over
    10 MB tracked by git fail.
    """

    applies = "a git repository"
    id = "GEN006"
    title = "No file over 10 MB committed to git"
    fix = "Version data and models with DVC (`dvc add FILE`), then `git rm --cached FILE`."

    def check(self, repo: Repo) -> Outcome:
        if not repo.is_git:
            return NotApplicable("not a git repository")
        large = list(repo.large_files)
        return Fail(f"Large files in git: {_names(large)}.", large[0]) if large else True


class GEN007(General):
    """Git hooks (pre-commit, lefthook or husky) run the linters (and `mlops-new check`)
    before each commit.
    """

    applies = "every repository"
    id = "GEN007"
    severity = Severity.info
    title = "Git hooks are configured (pre-commit, lefthook or husky)"
    path = ".pre-commit-config.yaml"
    fix = (
        "Add a `.pre-commit-config.yaml` (ruff, file hygiene, `mlops-new check`) and run "
        "`pre-commit install` (lefthook and husky count too)."
    )

    def check(self, repo: Repo) -> Outcome:
        return bool(repo.has_up(*HOOK_CONFIGS, ".husky/pre-commit")) or repo.starting(".husky/")

    def fix_for(self, repo: Repo) -> str:
        return restore_hint(repo, ".pre-commit-config.yaml", self.fix)


def _names(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(f"`{n}`" for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


CHECKS: tuple[type[Check], ...] = (GEN001, GEN002, GEN003, GEN004, GEN005, GEN006, GEN007)
