"""``docs/checks.md``, generated from the check classes (``python -m mlops_new.standards.docs``).

Each check's id, title, severity, rationale (its docstring), fix, when it
applies and what it requires come from the class itself, so the page cannot
drift from the code; a test compares the file with :func:`render`.
"""

from __future__ import annotations

import argparse
import inspect
import sys
from pathlib import Path

from mlops_new.standards.model import Check
from mlops_new.standards.runner import ALL_CHECKS

FAMILIES = {
    "template": "Template (TPL)",
    "general": "General (GEN)",
    "python": "Python (PY)",
    "tests": "Tests (TST)",
    "dvc": "DVC (DVC)",
    "ci": "CI (CI)",
    "tracking": "Tracking (TRK)",
    "docker": "Docker (DOC)",
    "deploy": "Deployment (DEP)",
    "security": "Security (SEC)",
}

INTRO = """\
# Checks

<!-- Generated from the check classes by `python -m mlops_new.standards.docs`; do not edit. -->

`mlops-new check` runs the checks below (see the [CLI reference](cli.md) for
options and exit codes). Each has a stable id and a **severity** (`error`,
`warning` or `info`, shown in every output format and used as the SARIF level);
each failure names a real file of the repository and a line (relative to the
repository's root, also when a monorepo folder is checked), says how to fix it
and links here. A check that does not apply (no Dockerfile, no DVC, not a
generated project) is **skipped**, never failed; a check whose prerequisite
(**Requires**) did not pass is skipped too. **Applies to** says which kind of
repository a check is for: some standards are an application's (a lock file,
a service image's `HEALTHCHECK`), not a library's or a batch job's. In a generated project, when the
fix is to bring back a deleted file of the template, the message says so:
`mlops-new restore .github/workflows/ci.yml`.

Checks judge what a standard means, not one tool's name: a CI step that calls
`just test`, `make check`, `mise run test`, `poe test`, `devbox run test`, `pixi run test`, `nox`,
`tox` or `bash scripts/test.sh` runs the tests when the task or script does
(followed a few levels through Makefiles, justfiles, pyproject tables and
scripts; nothing is executed); ruff, flake8 and pylint are all linters; mypy,
pyright, ty and pyrefly are all type checkers. Secrets, private keys and
conflict markers in tests and test fixtures (`tests/`, `fixtures/`,
`testdata/`, `test_*.py`) are test data, not findings.

`check` never imports copier, runs nothing of the repository (git hooks,
filters and fsmonitor are off), reads each input once with size, depth and
YAML-alias limits, and finds markers and secrets with one `git grep`, so it is
fast enough for a pre-commit hook. In a git repository with a commit and an
index of 1 MB or more (about 10,000 files; below that, searching every file is
quicker), what that search found in the files as `HEAD` holds them is kept in the git folder
(`.git/mlops-new/scan-*.json`, readable by its owner only): the next check
searches only the files changed since, staged, or changed in the work tree (a
file whose timestamps changed counts as changed), and the files that were
changed when the cache was written. Each entry is signed with a key of the
user's own (`~/.cache/mlops-new/scan.key`): an entry the user did not write (a
repository handed over with its `.git` folder) is not believed. `--no-cache`
searches every file and keeps nothing.

```yaml
  - repo: local
    hooks:
      - id: mlops-new-check
        name: mlops-new check
        entry: mlops-new check
        language: system
        pass_filenames: false
```

## Selecting and waiving checks

- `--select IDS` / `--ignore IDS` take ids or families, comma-separated:
  `--select CI,DVC001`, `--ignore DOC`.
- A repository may **waive** a check, with a written reason, in
  `pyproject.toml`:

    ```toml
    [tool.mlops-new.ignore]
    DOC002 = "the platform's sidecar probes the service"
    ```

    A waived check is reported as `waived` with its reason and does not fail.
    A waiver with an empty reason is an error (exit code 4) naming the check.
    The policy checks (TPL001, TPL002) cannot be waived by the project they
    police, and an organisation's policy can forbid more waivers
    (`unwaivable = ["SEC"]`, see [Organisations](organisations.md)): such a
    waiver is reported as a warning and the check runs.
- An organisation's policy can make only some checks **required** (see
  [Organisations](organisations.md)); other failures are then reported but do
  not fail `check`. A policy that names an unknown check is an error.
"""


def render() -> str:
    """The whole of docs/checks.md."""
    parts = [INTRO]
    for family, heading in FAMILIES.items():
        parts.append(f"\n## {heading}\n")
        parts += [_check(cls) for cls in ALL_CHECKS if cls.family == family]
    return "".join(parts)


def _check(cls: type[Check]) -> str:
    rationale = " ".join(inspect.cleandoc(cls.__doc__ or "").split())
    lines = [
        f"\n### {cls.id}\n",
        f"**{cls.title}.** {rationale}\n",
        f"- **Severity:** {cls.severity.value}",
        f"- **Fix:** {cls.fix}",
        f"- **Applies to:** {cls.applies}.",
    ]
    if cls.requires:
        links = ", ".join(f"[{r}](#{r.lower()})" for r in cls.requires)
        lines.append(f"- **Requires:** {links}.")
    if not cls.waivable:
        lines.append("- **Waivable:** no, a project cannot waive its own policy.")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    """Write docs/checks.md (``--output PATH``, else ``docs/checks.md`` here)."""
    parser = argparse.ArgumentParser(
        prog="python -m mlops_new.standards.docs",
        description="Write the check reference (docs/checks.md) from the check classes.",
    )
    parser.add_argument("-o", "--output", type=Path, default=Path("docs/checks.md"))
    args = parser.parse_args(argv)
    args.output.write_text(render(), encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
