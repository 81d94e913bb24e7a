"""SEC: no keys, tokens or credentials in the repository; dependency updates on."""

from __future__ import annotations

import re
from collections.abc import Callable

from mlops_new.standards.general import restore_hint
from mlops_new.standards.inputs import Repo, is_fixture
from mlops_new.standards.model import Check, Fail, NotApplicable, Outcome, Severity
from mlops_new.standards.python import library
from mlops_new.standards.scan import Hit

_DVC_SECRETS = frozenset(
    {"access_key_id", "secret_access_key", "session_token", "password", "token",
     "connection_string", "account_key", "sas_token", "client_secret", "key_secret"}
)  # fmt: skip
_ENV_FILE = re.compile(r"(^|/)\.env(\.[^/]*)?$")
_ENV_TEMPLATES = (".example", ".sample", ".template", ".dist")
_ALLOW = re.compile(r"pragma:\s*allowlist[ -]secret|gitleaks:allow|trufflehog:ignore|nosecret")
_URL_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://")
_DOCS = re.compile(r"(^|/)(docs?|examples?)/|\.(md|rst|ipynb|adoc)$")
_CI_FILE = re.compile(r"(^|/)(\.github/workflows/[^/]+|\.gitlab-ci\.yml|docker-compose[^/]*)$")


class Security(Check):
    family = "security"


class SEC001(Security):
    """A `-----BEGIN ... PRIVATE KEY-----` block in any file outside tests and their fixtures
    (`tests/`, `fixtures/`, `testdata/`, `test_*.py`: fake keys there are test data).
    """

    applies = "every repository"
    id = "SEC001"
    severity = Severity.error
    title = "No private keys committed"
    fix = "Remove the key (`git rm --cached FILE`), rotate it, and keep keys in a secret store."

    def check(self, repo: Repo) -> Outcome:
        return _found(repo, "private_key", "Private keys in")


class SEC002(Security):
    """`.env` and `.env.*` files hold secrets; `.env.example` (and `.sample`, `.template`,
    `.dist`) are fine.
    """

    applies = "a git repository"
    id = "SEC002"
    severity = Severity.error
    title = "No .env files committed"
    path = ".gitignore"
    fix = (
        "`git rm --cached .env`, add `.env` to `.gitignore`, commit a `.env.example` without "
        "values."
    )

    def check(self, repo: Repo) -> Outcome:
        if not repo.is_git:
            return NotApplicable("not a git repository")
        found = [
            f for f in repo.tracked
            if ".env" in f and _ENV_FILE.search(f) and not f.endswith(_ENV_TEMPLATES)
            and not is_fixture(f)
        ]  # fmt: skip
        if not found:
            return True
        return Fail(f"Committed: {', '.join(f'`{f}`' for f in found)}.", found[0], 1)


class SEC003(Security):
    """Keys such as `secret_access_key`, `password`, `token`, `connection_string` in
    `.dvc/config` (use `.dvc/config.local`).
    """

    applies = "there is a `.dvc/config`"
    id = "SEC003"
    severity = Severity.error
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
        if not keys:
            return True
        line = repo.line_of(".dvc/config", rf"^\s*({'|'.join(_DVC_SECRETS)})\s*=")
        return Fail(f"Credentials in `.dvc/config`: {', '.join(keys)}.", ".dvc/config", line)


class SEC004(Security):
    """AWS access key ids and secret keys, GitHub, GitLab and Slack tokens, Hugging Face
    (`hf_...`), OpenAI (`sk-...`), Databricks (`dapi...`) and Weights & Biases keys, and URLs
    that carry a password (`scheme://user:password@host`, `redis://:password@host`) in text
    files outside tests and their fixtures. Not flagged: obvious placeholders (`password`,
    `secret`, `your-password`, `xxx`, `${VAR}`, `<...>`), AWS's published example keys
    (`...EXAMPLE`), URLs whose host is this machine (`@localhost`, `@127.0.0.1`), URLs with
    a password in documentation (`docs/`, `*.md`) and CI files (a job's service
    container), and lines marked for secret scanners (`# pragma: allowlist secret`,
    `gitleaks:allow`, `trufflehog:ignore`).
    """

    applies = "every repository"
    id = "SEC004"
    severity = Severity.error
    title = "No tokens or passwords in tracked files"
    fix = "Remove the secret, rotate it, and read it from the environment or a secret store."

    def check(self, repo: Repo) -> Outcome:
        return _found(repo, "token", "Possible secrets in", lambda hit: _allowed(repo, hit))


RENOVATE = (
    "renovate.json", "renovate.json5", ".github/renovate.json", ".github/renovate.json5",
    ".gitlab/renovate.json", ".gitlab/renovate.json5", ".renovaterc", ".renovaterc.json",
    ".renovaterc.json5",
)  # fmt: skip
"""The files Renovate reads its configuration from (its docs' list, `package.json` aside)."""


class SEC005(Security):
    """`.github/dependabot.yml` or a Renovate config keeps pinned actions, images and packages
    fresh. Renovate's config may be `renovate.json`, `renovate.json5`, `.renovaterc`,
    `.renovaterc.json`, `.renovaterc.json5`, or `renovate.json`/`renovate.json5` under
    `.github/` or `.gitlab/`.
    """

    applies = "the repository has GitHub Actions workflows"
    id = "SEC005"
    severity = Severity.info
    title = "Dependency updates are automated (Dependabot or Renovate)"
    path = ".github/dependabot.yml"
    fix = "Add `.github/dependabot.yml` (pip/uv, github-actions, docker) or a Renovate config."

    def check(self, repo: Repo) -> Outcome:
        if not repo.github_workflows:
            return NotApplicable("not hosted on GitHub Actions")
        return repo.has(
            ".github/dependabot.yml",
            ".github/dependabot.yaml",
            *RENOVATE,
        )

    def fix_for(self, repo: Repo) -> str:
        return restore_hint(repo, ".github/dependabot.yml", self.fix)


SECURITY_POLICIES = ("SECURITY.md", ".github/SECURITY.md", "docs/SECURITY.md", "SECURITY.rst",
                     "SECURITY.txt", ".gitlab/SECURITY.md")  # fmt: skip


class SEC006(Security):
    """A security policy (`SECURITY.md`, `.github/SECURITY.md` or `docs/SECURITY.md`) tells
    the people who find a vulnerability in a published package how to report it privately
    instead of in a public issue (OpenSSF Scorecard's Security-Policy).
    """

    applies = (
        "libraries and tools published for others (CI publishes to PyPI, or PyPI classifiers); "
        "an application inherits its organisation's policy"
    )
    id = "SEC006"
    severity = Severity.info
    title = "A published package has a security policy (SECURITY.md)"
    fix = (
        "Add a `SECURITY.md` that says how to report a vulnerability privately (GitHub's "
        "private vulnerability reporting, or an address) and which versions get fixes."
    )

    def check(self, repo: Repo) -> Outcome:
        if not library(repo):
            return NotApplicable("not a published library")
        return bool(repo.has_up(*SECURITY_POLICIES))


def _allowed(repo: Repo, hit: Hit) -> bool:
    """A hit the repository marked for secret scanners, or a URL password in docs or CI.

    ``# pragma: allowlist secret`` (detect-secrets), ``gitleaks:allow`` and
    ``trufflehog:ignore`` on the line say a person looked; a URL with a password
    in documentation is an example, and in a CI file it reaches the job's own
    service container (``postgres://ci:<password>@postgres:5432``).
    """
    lines = (repo.text(hit.path) or "").splitlines()
    line = lines[hit.line - 1] if 0 < hit.line <= len(lines) else ""
    if _ALLOW.search(line):
        return True
    url_only = bool(_URL_PASSWORD.match(hit.text))
    return url_only and bool(_DOCS.search(hit.path) or _CI_FILE.search(hit.path))


def _found(
    repo: Repo, kind: str, what: str, allowed: Callable[[Hit], bool] = lambda _: False
) -> Outcome:
    """Fail at the first hit of ``kind`` outside tests and their fixtures (fake keys are data)."""
    hits = [hit for hit in repo.hits.get(kind, []) if not is_fixture(hit.path) and not allowed(hit)]
    if not hits:
        return True
    names = list(dict.fromkeys(f"`{hit.path}` (line {hit.line})" for hit in hits))
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    return Fail(f"{what} {', '.join(names[:5])}{more}.", hits[0].path, hits[0].line)


CHECKS: tuple[type[Check], ...] = (SEC001, SEC002, SEC003, SEC004, SEC005, SEC006)
