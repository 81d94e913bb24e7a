"""SEC: no keys, tokens or credentials in the repository; dependency updates on."""

from __future__ import annotations

import re

from mlops_new.standards.general import restore_hint
from mlops_new.standards.inputs import Repo
from mlops_new.standards.model import Check, NotApplicable, Outcome

_PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----")
_TOKENS = re.compile(
    r"\bAKIA[0-9A-Z]{16}\b"  # AWS access key id
    r"|\bgh[pousr]_[A-Za-z0-9]{36}\b"  # GitHub tokens
    r"|\bgithub_pat_[A-Za-z0-9_]{40,}\b"
    r"|\bglpat-[A-Za-z0-9_-]{20}\b"  # GitLab personal access token
    r"|\bxox[abprs]-[A-Za-z0-9-]{10,}\b"  # Slack
    r"|\b[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:(?P<password>[^/\s@'\"$<{]+)@[\w.-]+"  # user:password@
)
_PLACEHOLDERS = frozenset({"password", "pass", "passwd", "pwd", "secret", "token", "xxx", "***"})
_DVC_SECRETS = frozenset(
    {"access_key_id", "secret_access_key", "session_token", "password", "token",
     "connection_string", "account_key", "sas_token", "client_secret", "key_secret"}
)  # fmt: skip
_ENV_FILE = re.compile(r"(^|/)\.env(\.[^/]*)?$")
_ENV_TEMPLATES = (".example", ".sample", ".template", ".dist")


class Security(Check):
    family = "security"


class SEC001(Security):
    id = "SEC001"
    title = "No private keys committed"
    fix = "Remove the key (`git rm --cached FILE`), rotate it, and keep keys in a secret store."

    def check(self, repo: Repo) -> Outcome:
        hits = [name for name, text in repo.text_files() if _PRIVATE_KEY.search(text)]
        return f"Private keys in {', '.join(f'`{h}`' for h in hits[:5])}." if hits else True


class SEC002(Security):
    id = "SEC002"
    title = "No .env files committed"
    path = ".gitignore"
    fix = (
        "`git rm --cached .env`, add `.env` to `.gitignore`, commit a `.env.example` without "
        "values."
    )

    def check(self, repo: Repo) -> Outcome:
        if not repo.is_git:
            return NotApplicable("not a git repository")
        found = [f for f in repo.tracked if _ENV_FILE.search(f) and not f.endswith(_ENV_TEMPLATES)]
        return f"Committed: {', '.join(f'`{f}`' for f in found)}." if found else True


class SEC003(Security):
    id = "SEC003"
    title = "No credentials in the DVC config"
    path = ".dvc/config"
    fix = (
        "Move them to `.dvc/config.local` (`dvc remote modify --local NAME KEY VALUE`), which "
        "git ignores; rotate them."
    )

    def check(self, repo: Repo) -> Outcome:
        if not repo.has(".dvc/config"):
            return NotApplicable("no .dvc/config")
        keys = sorted(
            {f"`{key}` in [{section}]" for section, values in repo.dvc_config.items()
             for key in values if key in _DVC_SECRETS}
        )  # fmt: skip
        return f"Credentials in `.dvc/config`: {', '.join(keys)}." if keys else True


class SEC004(Security):
    id = "SEC004"
    title = "No tokens or passwords in tracked files"
    fix = "Remove the secret, rotate it, and read it from the environment or a secret store."

    def check(self, repo: Repo) -> Outcome:
        hits = [name for name, text in repo.text_files() if _has_token(text)]
        return f"Possible secrets in {', '.join(f'`{h}`' for h in hits[:5])}." if hits else True


class SEC005(Security):
    id = "SEC005"
    title = "Dependency updates are automated (Dependabot or Renovate)"
    path = ".github/dependabot.yml"
    fix = "Add `.github/dependabot.yml` (pip/uv, github-actions, docker) or a Renovate config."

    def check(self, repo: Repo) -> Outcome:
        if not repo.github_workflows:
            return NotApplicable("not hosted on GitHub Actions")
        return repo.has(
            ".github/dependabot.yml",
            ".github/dependabot.yaml",
            "renovate.json",
            ".github/renovate.json",
        )

    def fix_for(self, repo: Repo) -> str:
        return restore_hint(repo, ".github/dependabot.yml", self.fix)


def _has_token(text: str) -> bool:
    """A token or a URL password that is not an obvious placeholder (``user:password@``)."""
    return any(
        (match["password"] or "").lower() not in _PLACEHOLDERS for match in _TOKENS.finditer(text)
    )


CHECKS: tuple[type[Check], ...] = (SEC001, SEC002, SEC003, SEC004, SEC005)
