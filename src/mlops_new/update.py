"""``update_project``: a 3-way merge of template changes that never loses work."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mlops_new import catalog, migrations, template_store, versions
from mlops_new.answers import read_answers
from mlops_new.config import Policy, load_policy_file
from mlops_new.drift import pristine
from mlops_new.errors import AbortedError, DowngradeError
from mlops_new.git import git, require_git
from mlops_new.project import Project, known_version, load, relpath_in_repo, require_clean
from mlops_new.results import UpdateResult

_CONFLICT_CODES = {"DD", "AU", "UD", "UA", "DU", "AA", "UU"}
_SAVE_LIMIT = 10 * 1024 * 1024


@dataclass(frozen=True)
class UpdateOptions:
    """How to update (everything but the project)."""

    to: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    defaults: bool = False
    dry_run: bool = False
    trust: bool = False
    steps: Sequence[migrations.Migration] = migrations.MIGRATIONS
    policy: Policy = field(default_factory=Policy)
    """The settings' policy; the project's own ``.mlops-new-policy.toml`` is added to it."""


def update_project(path: Path, options: UpdateOptions) -> UpdateResult:
    """Bring the project at ``path`` to a newer template version (or new answers).

    Preflight refuses a dirty tree, a missing or corrupt answers file, an
    unknown project version and a downgrade, before anything changes. Any
    failure or Ctrl-C during the merge restores the project to its last commit.
    With ``dry_run`` the update runs in a temporary git worktree that is then
    removed: the project is not touched.
    """
    project = load(path)
    require_clean(project)
    known_version(project)
    options.policy.merged(load_policy_file(project.path)).refuse_locked(options.data)
    ref, target = resolve_target(project, options.to)
    if target == project.version and not options.data:
        return UpdateResult(
            path=project.path,
            template_src=project.src,
            from_version=project.version,
            to_version=target,
            dry_run=options.dry_run,
        )
    if not options.dry_run:
        return _merge(project, ref, options)
    with _worktree(project) as copy:
        result = _merge(copy, ref, options)
    return replace(result, path=project.path)


def resolve_target(project: Project, to: str | None) -> tuple[str | None, str]:
    """The git ref to update to and its version (``latest`` when copier decides)."""
    ref: str | None
    if project.bundled:
        template_store.ensure_store()
        entry = template_store.latest() if to is None else template_store.find(to)
        ref, target = entry.tag, entry.version
    else:
        tags = catalog.remote_tags(project.src)  # also proves the source is reachable
        ref = None if to is None else catalog.match_tag(project.src, to, tags)
        semver = [tag for tag in tags if versions.is_version(tag)]
        newest = max(semver, key=versions.parse) if semver else None
        target = (ref or newest or "latest").removeprefix("v")
    if (
        versions.is_version(target)
        and versions.is_version(project.version)
        and (versions.parse(target) < versions.parse(project.version))
    ):
        raise DowngradeError(
            f"The project is on template v{project.version}; v{target} is older "
            "and mlops-new never downgrades.",
            "Pick a newer --to, or leave it out for the newest version.",
        )
    return ref, target


def _merge(project: Project, ref: str | None, options: UpdateOptions) -> UpdateResult:
    from mlops_new import _copier  # noqa: PLC0415  (lazy: importing copier is slow)

    old = project.version
    saved = _ignored_files(project)
    try:
        _copier.update(
            project.path,
            src=project.src,
            ref=ref,
            data=options.data,
            defaults=options.defaults,
            trust=options.trust,
        )
        ignored_conflicts = _merge_ignored(project, saved)
        new = str(read_answers(project.path).get("_commit", old)).removeprefix("v")
        done = (
            migrations.run(options.steps, project.path, old, new)
            if project.bundled and versions.is_version(old) and versions.is_version(new)
            else []
        )
    except KeyboardInterrupt as exc:
        _reset(project, saved)
        raise AbortedError("Aborted: the project was restored to its last commit.") from exc
    except BaseException:
        _reset(project, saved)
        raise
    status = _status(project)
    status["conflicts"] = sorted({*status["conflicts"], *ignored_conflicts})
    removed_modified = _removed_modified(project, status["removed"]) if status["removed"] else ()
    return UpdateResult(
        path=project.path,
        template_src=project.src,
        from_version=old,
        to_version=new,
        dry_run=options.dry_run,
        changed=tuple(status["changed"]),
        added=tuple(status["added"]),
        removed=tuple(status["removed"]),
        conflicts=tuple(status["conflicts"]),
        removed_modified=tuple(removed_modified),
        changelog=tuple(catalog.crossed(project.src, old, new)),
        migrations=tuple(done),
    )


def _status(project: Project) -> dict[str, list[str]]:
    """Changed, added, removed and conflicted files (relative to the project)."""
    out = git(
        "status",
        "--porcelain=v1",
        "-z",
        "--untracked-files=all",
        "--",
        ".",
        cwd=project.path,
        strip=False,
    )
    prefix = "" if relpath_in_repo(project) == "." else relpath_in_repo(project) + "/"
    groups: dict[str, list[str]] = {"changed": [], "added": [], "removed": [], "conflicts": []}
    for entry in filter(None, out.split("\0")):
        code, name = entry[:2], entry[3:].removeprefix(prefix)
        if code in _CONFLICT_CODES or name.endswith(".rej"):
            groups["conflicts"].append(name)
        elif code in {"??", "A "}:
            groups["added"].append(name)
        elif "D" in code:
            groups["removed"].append(name)
        else:
            groups["changed"].append(name)
    for names in groups.values():
        names.sort()
    return groups


def _removed_modified(project: Project, removed: list[str]) -> list[str]:
    """Removed files whose committed content differs from the old template's."""
    with pristine(project.src, project.commit, project.user_answers) as clean:
        modified = []
        for name in removed:
            committed = git("show", f"HEAD:./{name}", cwd=project.path, check=False)
            template = clean / name
            try:
                original = template.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError):
                original = None
            if original != committed:
                modified.append(name)
        return modified


def _reset(project: Project, saved: dict[str, bytes]) -> None:
    """Put the project back exactly as it was (clean at HEAD, ignored files as saved)."""
    git("reset", "--quiet", "--", ".", cwd=project.path, check=False)
    git("checkout", "--quiet", "HEAD", "--", ".", cwd=project.path, check=False)
    git("clean", "-fdq", "--", ".", cwd=project.path, check=False)
    for name, data in saved.items():
        (project.path / name).parent.mkdir(parents=True, exist_ok=True)
        (project.path / name).write_bytes(data)


def _ignored_files(project: Project) -> dict[str, bytes]:
    """Contents of the small git-ignored files (outside ignored folders).

    Git cannot give these back, so the update must not lose a team's version
    of an ignored file the template also manages (a local config, say).
    """
    out = git(
        "ls-files",
        "-z",
        "--others",
        "--ignored",
        "--exclude-standard",
        "--directory",
        "--",
        ".",
        cwd=project.path,
    )
    saved = {}
    for name in filter(None, out.split("\0")):
        path = project.path / name
        if not name.endswith("/") and path.is_file() and path.stat().st_size <= _SAVE_LIMIT:
            saved[name] = path.read_bytes()
    return saved


def _merge_ignored(project: Project, saved: dict[str, bytes]) -> list[str]:
    """3-way merge the ignored files the update changed; return those in conflict."""
    touched = {
        name: data
        for name, data in saved.items()
        if not (project.path / name).is_file() or (project.path / name).read_bytes() != data
    }
    if not touched:
        return []
    conflicts = []
    with (
        pristine(project.src, project.commit, project.user_answers) as base_tree,
        tempfile.TemporaryDirectory(prefix="mlops-new-merge-") as tmp,
    ):
        for name, ours in touched.items():
            path = project.path / name
            base = base_tree / name
            if not path.is_file() or not base.is_file():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(ours)  # removed by the template, or never its file: keep
                continue
            mine = Path(tmp) / "ours"
            mine.write_bytes(ours)
            code = _merge_file(mine, base, path)
            path.write_bytes(mine.read_bytes())
            if code:
                conflicts.append(name)
    return conflicts


def _merge_file(ours: Path, base: Path, theirs: Path) -> int:
    """``git merge-file`` into ``ours``; the number of conflicts (0: clean)."""
    proc = subprocess.run(
        [
            require_git(),
            "merge-file",
            "-L",
            "before updating",
            "-L",
            "template base",
            "-L",
            "after updating",
            str(ours),
            str(base),
            str(theirs),
        ],
        capture_output=True,
        check=False,
    )
    return proc.returncode


@contextmanager
def _worktree(project: Project) -> Iterator[Project]:
    """The project checked out at HEAD in a temporary worktree, removed afterwards."""
    tmp = Path(tempfile.mkdtemp(prefix="mlops-new-dry-run-"))
    tree = tmp / "worktree"
    git("worktree", "add", "--quiet", "--detach", str(tree), "HEAD", cwd=project.repo_root)
    try:
        rel = relpath_in_repo(project)
        yield replace(project, path=tree if rel == "." else tree / rel, repo_root=tree)
    finally:
        git("worktree", "remove", "--force", str(tree), cwd=project.repo_root, check=False)
        git("worktree", "prune", cwd=project.repo_root, check=False)
        shutil.rmtree(tmp, ignore_errors=True)
