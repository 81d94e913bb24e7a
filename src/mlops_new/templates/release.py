"""Release the working tree's ``template/`` as a new bundled template version.

Maintainers run ``python -m mlops_new.templates.release 0.2.0 --summary "..."`` from a
source checkout.  It appends one commit to the bundled history (parent: the
previous version), tags it ``v0.2.0``, rewrites ``_template/template.bundle``
and adds the version to ``_template/manifest.json``.  Commits are
deterministic (fixed author, the release date from the manifest), so the same
trees always give the same commit ids, and released versions are never
rewritten: this module refuses an existing version or an older one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path

from mlops_new.core import semver
from mlops_new.core.errors import MlopsNewError
from mlops_new.core.git import git
from mlops_new.templates import store

AUTHOR = {
    "GIT_AUTHOR_NAME": "mlops-new",
    "GIT_AUTHOR_EMAIL": "template@mlops-new.invalid",
    "GIT_COMMITTER_NAME": "mlops-new",
    "GIT_COMMITTER_EMAIL": "template@mlops-new.invalid",
}


def commit_env(date: str) -> dict[str, str]:
    """The environment that makes ``git commit-tree`` deterministic for ``date``."""
    return {**AUTHOR, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}


def commit_message(version: str, summary: str) -> str:
    return f"Template v{version}\n\n{summary}\n"


def template_files(checkout: Path) -> list[str]:
    """Files of ``template/`` that git tracks or would track (ignored ones excluded)."""
    out = git(
        "ls-files", "-z", "--cached", "--others", "--exclude-standard", "template/", cwd=checkout
    )
    return sorted(name for name in out.split("\0") if name and (checkout / name).is_file())


def release(checkout: Path, version: str, summary: str, date: str) -> store.ReleasedVersion:
    """Append ``version`` to the bundle in ``checkout``'s package folder."""
    manifest_file = _manifest_path(checkout)
    released = store.load_manifest(manifest_file) if manifest_file.exists() else []
    _refuse_rewrites(released, version)
    with tempfile.TemporaryDirectory(prefix="mlops-new-release-") as tmp:
        repo = Path(tmp) / "history"
        repo.mkdir()
        git("init", "--quiet", str(repo), cwd=Path(tmp))
        parent = None
        if released:
            git(
                "fetch",
                "--quiet",
                "--no-tags",
                str(_bundle_path(checkout)),
                "refs/tags/*:refs/tags/*",
                cwd=repo,
            )
            parent = released[-1].commit
        for name in template_files(checkout):
            target = repo / Path(name).relative_to("template")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(checkout / name, target)
        git("add", "--all", cwd=repo)
        tree = git("write-tree", cwd=repo)
        if released and tree == released[-1].tree:
            raise MlopsNewError(
                f"template/ is identical to v{released[-1].version}; nothing to release."
            )
        args = ["commit-tree", tree, "-m", commit_message(version, summary)]
        if parent:
            args += ["-p", parent]
        commit = git(*args, cwd=repo, env=commit_env(date))
        git("tag", semver.tag(version), commit, cwd=repo)
        bundle = _bundle_path(checkout)
        bundle.parent.mkdir(parents=True, exist_ok=True)
        git("bundle", "create", "--quiet", str(bundle), "--tags", cwd=repo)
    entry = store.ReleasedVersion(
        version=version, commit=commit, tree=tree, date=date, summary=summary
    )
    _write_manifest(checkout, [*released, entry])
    return entry


def _refuse_rewrites(released: list[store.ReleasedVersion], version: str) -> None:
    semver.parse(version)
    if any(entry.version == version for entry in released):
        raise MlopsNewError(f"Template v{version} is already released; versions are immutable.")
    if released and semver.parse(version) <= semver.parse(released[-1].version):
        raise MlopsNewError(f"Template v{version} is not newer than v{released[-1].version}.")


def _bundle_path(checkout: Path) -> Path:
    return checkout / "src" / "mlops_new" / "_template" / "template.bundle"


def _manifest_path(checkout: Path) -> Path:
    return checkout / "src" / "mlops_new" / "_template" / "manifest.json"


def _write_manifest(checkout: Path, entries: list[store.ReleasedVersion]) -> None:
    data = {
        "format": 1,
        "versions": [
            {
                "version": e.version,
                "commit": e.commit,
                "tree": e.tree,
                "date": e.date,
                "summary": e.summary,
            }
            for e in entries
        ],
    }
    text = json.dumps(data, indent=2) + "\n"
    _manifest_path(checkout).write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m mlops_new.templates.release")
    parser.add_argument("version", help="the new template version, MAJOR.MINOR.PATCH")
    parser.add_argument("--summary", required=True, help="one line: what changed")
    parser.add_argument(
        "--date",
        default=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT00:00:00+00:00"),
        help="release date recorded in the commit (default: today, midnight UTC)",
    )
    parser.add_argument("--checkout", type=Path, default=Path.cwd())
    args = parser.parse_args(argv)
    entry = release(args.checkout.resolve(), semver.bare(args.version), args.summary, args.date)
    print(f"released template v{entry.version} as {entry.commit}")  # noqa: T201


if __name__ == "__main__":
    main()
