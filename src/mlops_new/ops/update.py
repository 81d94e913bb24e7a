"""``update_project``: a real 3-way merge of template renders, computed off-tree, applied once.

1. Preflight (before anything): a clean tree, valid answers, a known version,
   no downgrade, no locked answer changed, no unfinished update.
2. Plan (``planner``): render the recorded version with the recorded answers
   (base) and the target with the new answers (theirs) in temporary folders,
   merge them with ``HEAD`` through ``git merge-tree``.  A dry run stops here.
3. Apply (``applier``) under the repository's update lock with a journal:
   index and working tree move to the result in one step; conflicts are staged
   with markers like ``git merge``; ignored files are 3-way merged and backed
   up; then mlops-new's own migrations and ``uv lock``.  Any failure or
   interrupt before the end rolls back; a kill leaves the journal, and
   ``update --continue`` / ``--abort`` finish or undo it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mlops_new.core import relock, semver, signals
from mlops_new.core.errors import (
    AbortedError,
    FileSystemError,
    MlopsNewError,
    UserError,
    from_os_error,
)
from mlops_new.core.git import git
from mlops_new.core.results import UpdateResult
from mlops_new.engine import applier, ignored, migrations, steps
from mlops_new.engine.planner import Plan, make_plan, patch
from mlops_new.inputs.answers import ANSWERS_FILE, validate_answers
from mlops_new.inputs.settings import Settings, load_policy_file
from mlops_new.project import journal
from mlops_new.project.model import (
    HandEdit,
    Project,
    in_project_folder,
    known_version,
    load,
    relpath_in_repo,
    rendered_answers,
    require_clean,
    require_no_git_operation,
    touched_since,
)
from mlops_new.templates import catalog, scratch, source
from mlops_new.templates.schema import config, question_map
from mlops_new.templates.source import TemplateRef


@dataclass(frozen=True)
class UpdateOptions:
    """How to update (everything but the project)."""

    to: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    defaults: bool = False
    dry_run: bool = False
    trust: bool = False
    diff: bool = False
    """Include the result as a patch (``--diff``)."""
    lock: bool = True
    """Re-lock ``uv.lock`` when ``pyproject.toml`` changed (``--no-lock``: never)."""
    steps: Sequence[migrations.Migration] = migrations.MIGRATIONS
    source_folder: Path | None = None
    """Where a relative ``_src_path`` is read from (``None``: the project's folder; ``fleet
    update`` passes the checkout its temporary worktree was made from)."""
    settings: Settings = field(default_factory=Settings)
    """Organisation settings: their policy (with the project's own ``.mlops-new-policy.toml``)
    locks answers, and their ``mlops_new_source`` fills projects that record none."""


@dataclass(frozen=True)
class Preflight:
    """What ``update`` found before rendering anything: the project, from where to where."""

    project: Project
    current: TemplateRef
    target: TemplateRef


def preflight(path: Path, options: UpdateOptions) -> Preflight:
    """Every check ``update`` makes before it renders (``fleet update`` runs them too).

    A clean tree, no git operation under way, a version this release knows, no
    locked answer changed, a target that is no downgrade, answers to questions the
    target asks. Each failure is the :class:`UserError` ``update`` would raise.
    """
    project = load(path)
    with in_project_folder(project, options.source_folder):  # a relative _src_path
        return _preflight(project, options)


def _preflight(project: Project, options: UpdateOptions) -> Preflight:
    require_clean(project)
    require_no_git_operation(project)
    known_version(project)
    policy = options.settings.policy.merged(load_policy_file(project.path))
    policy.refuse_locked(options.data)
    current = source.recorded(project.src, project.commit)
    target = source.update_target(current, options.to)
    if options.data:  # an answer to a question the target does not ask is a typo
        validate_answers(options.data, question_map(target))
    return Preflight(project, current, target)


def update_project(path: Path, options: UpdateOptions) -> UpdateResult:
    """Bring the project at ``path`` to a newer template version (or new answers).

    Nothing changes before the merge is computed; a dry run changes nothing at
    all. Exit with conflicts leaves them staged like ``git merge`` does.
    """
    scratch.sweep()
    checked = preflight(path, options)
    with in_project_folder(checked.project, options.source_folder):  # a relative _src_path
        return _update(checked, options)


def _update(checked: Preflight, options: UpdateOptions) -> UpdateResult:
    project, current, target = checked.project, checked.current, checked.target
    edited = rendered_answers(project)  # a hand-edited answer changes files like `-d` does
    if target.version == project.version and target.version and not options.data and not edited:
        return _result(project, project.version, options)
    answers = migrations.migrate_answers(
        {**project.user_answers, **options.data},
        project.version if project.bundled else "",
        target.version if target.bundled else "",
        mlops_new_source=options.settings.mlops_new_source,
    )
    refs = (current, target)
    if options.dry_run:
        plan, edited = _plan(project, refs, answers, options, edited)
        labels = [step.label for step in _template_steps(plan, target, answers, options)]
        return _report(plan, options, due=[*_due(project, plan, options), *labels], edited=edited)
    with journal.locked(project.repo_root):
        journal.refuse_pending(project.repo_root, project.path)
        plan, edited = _plan(project, refs, answers, options, edited)
        if plan.merged.tree == plan.head_tree and not plan.disk:
            return _report(plan, options, due=[], edited=edited)
        own = _template_steps(plan, target, answers, options)  # refused before anything moves
        return _apply(
            plan, options, trusted=target.bundled or options.trust, edited=edited, own=own
        )


def _template_steps(
    plan: Plan, target: TemplateRef, answers: Mapping[str, Any], options: UpdateOptions
) -> list[steps.Step]:
    """Another template's crossed migrations and tasks, which run only with ``--trust``."""
    if target.bundled or not options.trust:
        return []
    project = plan.project
    return steps.due(
        config(target),
        project.version,
        plan.to_version,
        {**answers, **plan.new_answers},
        project.path.name,
    )


def _plan(
    project: Project,
    refs: tuple[TemplateRef, TemplateRef],
    answers: Mapping[str, Any],
    options: UpdateOptions,
    edited: HandEdit | None,
) -> tuple[Plan, HandEdit | None]:
    """The plan, from the answers the files were rendered with; a hand edit a later commit
    already applied (it changed the files the edit stops following) is not applied again."""
    with scratch.private_tmp():
        base = edited.answers if edited else None
        plan = make_plan(
            project, refs, answers, defaults=options.defaults, trust=options.trust,
            base_answers=base,
        )  # fmt: skip
        if edited is None or not touched_since(project, edited.commit, plan.unfollowed):
            return plan, edited
        again = make_plan(project, refs, answers, defaults=options.defaults, trust=options.trust)
        return again, None


def abort_update(path: Path) -> UpdateResult:
    """Undo an interrupted update, or one that stopped on conflicts (``update --abort``).

    Like ``git merge --abort``, scoped to what the update wrote: only the paths it
    changed, and only where they are still as it left them; the rest is kept and reported.
    """
    project = load(path, resuming=True)
    with journal.locked(project.repo_root):
        record = _pending(project)
        kept = applier.rollback(project.repo_root, record)
    restored = load(path)
    return replace(_result(restored, restored.version, UpdateOptions()), warnings=_kept(kept))


def continue_update(path: Path) -> UpdateResult:
    """Finish an interrupted update, or close one whose conflicts are resolved.

    An interrupted update is finished from its journal and stops on its conflicts (if any)
    as it would have; closing one refuses unmerged paths and leftover markers.
    """
    project = load(path, resuming=True)
    repo = project.repo_root
    with journal.locked(repo):
        record = _pending(project)
        if record.state == "conflicts" and _committed(project, record):
            journal.clear(repo)
            raise UserError(
                "The update was already committed; nothing to continue.",
                "Review it with `git show --stat HEAD`.",
            )
        applier.verify_head(repo, record, "continue")
        if record.state != "conflicts":
            with signals.held():
                kept = applier.move(repo, record, resume=True)
                record.state = "conflicts"
                record.report["warnings"] = [
                    *record.report.get("warnings", ()),
                    "The interrupted update was finished from its journal; migrations and "
                    "`uv lock` were not re-run (run `uv lock` if pyproject.toml changed).",
                    *_kept(kept),
                ]
                journal.write(repo, record)
            if record.report.get("conflicts"):  # stops on them as the update would have
                return UpdateResult.from_json({**record.report, "path": str(project.path)})
        _refuse_unresolved(project, record)
        journal.clear(repo)
    return UpdateResult.from_json({**record.report, "path": str(project.path), "conflicts": []})


def _committed(project: Project, record: journal.Journal) -> bool:
    head = git("rev-parse", "--verify", "--quiet", "HEAD", cwd=project.repo_root, check=False)
    return head != record.old_head


def _refuse_unresolved(project: Project, record: journal.Journal) -> None:
    """Refuse unmerged paths, leftover conflict markers, or an update a reset undid."""
    unmerged = _unmerged(project)
    if unmerged:
        raise UserError(
            f"{len(unmerged)} file(s) still have conflicts, e.g. {unmerged[0]}.",
            "Resolve the markers, `git add` the files, then run `mlops-new update --continue`.",
        )
    marked = applier.conflict_markers(project.repo_root, record)
    if marked:
        shown = ", ".join(name.removeprefix(f"{record.prefix}/") for name in marked[:3])
        raise UserError(
            f"{len(marked)} file(s) still hold conflict markers (<<<<<<<): {shown}.",
            "Resolve them (and `git add` tracked ones), then run `mlops-new update --continue`.",
        )
    if applier.undone(project.repo_root, record):
        journal.clear(project.repo_root)
        raise UserError(
            "The update's changes are no longer in the project (undone by `git reset` or "
            "`git checkout`); its journal was dropped and nothing was changed.",
            "Run `mlops-new update` to start it again.",
        )


def _kept(kept: list[str]) -> tuple[str, ...]:
    if not kept:
        return ()
    return (
        f"Kept {len(kept)} file(s) changed since the update started (not restored): "
        f"{', '.join(kept[:5])}{' ...' if len(kept) > 5 else ''}; review them with `git status`.",
    )


def _pending(project: Project) -> journal.Journal:
    record = journal.read(project.repo_root)
    if record is None:
        raise UserError(
            f"No template update of {project.path} is in progress; nothing to continue or abort.",
            "Run `mlops-new update` to start one.",
        )
    journal.validate(record, _prefix(project))
    return record


def _prefix(project: Project) -> str:
    rel = relpath_in_repo(project)
    return "" if rel == "." else rel


def _unmerged(project: Project) -> list[str]:
    out = git("diff", "--name-only", "--diff-filter=U", "-z", "--", ".", cwd=project.path)
    return sorted({name for name in out.split("\0") if name})


def _apply(
    plan: Plan,
    options: UpdateOptions,
    *,
    trusted: bool,
    edited: HandEdit | None,
    own: Sequence[steps.Step] = (),
) -> UpdateResult:
    project, repo = plan.project, plan.project.repo_root
    result = _report(plan, options, due=[], edited=edited)
    record = journal.Journal(
        state="applying",
        project=relpath_in_repo(project),
        prefix=plan.prefix,
        old_head=plan.head,
        tree=plan.merged.tree,
        stages=applier.stage_lines(plan.merged),
        report=result.to_json(),
    )
    try:
        applier.start(repo, record, plan.disk, project.path)
        applier.move(repo, record)
        done = _migrate(project, plan, options)
        done += steps.run(list(own), project.path, project.version, plan.to_version)
        relocked = _relock(project, result, options, trusted=trusted)
        result = replace(result, migrations=tuple(done), **relocked)
        with signals.held():
            record.report = result.to_json()
            record.state = "conflicts"
            if result.conflicts:
                journal.write(repo, record)
            else:
                journal.clear(repo)
    except BaseException as exc:
        kept = _roll_back(repo, record, exc)
        if signals.is_interrupt(exc):  # Ctrl-C, a signal, or one Python wrapped
            raise AbortedError(
                "Aborted: the update was rolled back; "
                + (kept[0] if kept else "the project is at its last commit.")
            ) from exc
        if isinstance(exc, OSError) and (mapped := from_os_error(exc)) is not None:
            raise FileSystemError(
                f"{mapped.message.rstrip('.')}; the update was rolled back.", mapped.hint
            ) from exc
        raise
    return result


def _roll_back(repo: Path, record: journal.Journal, cause: BaseException) -> tuple[str, ...]:
    """Undo what the update wrote; if that fails too, say how to finish it."""
    try:
        return _kept(applier.rollback(repo, record))
    except (MlopsNewError, OSError) as exc:
        reason = exc.message if isinstance(exc, MlopsNewError) else str(exc)
        raise FileSystemError(
            f"The update failed ({_reason(cause)}) and so did its rollback ({reason}).",
            "Fix that, then run `mlops-new update --abort` (or `--continue`).",
        ) from cause


def _reason(exc: BaseException) -> str:
    if signals.is_interrupt(exc):
        return "interrupted"
    return exc.message if isinstance(exc, MlopsNewError) else str(exc) or type(exc).__name__


def _migrate(project: Project, plan: Plan, options: UpdateOptions) -> list[str]:
    old, new = project.version, plan.to_version
    if project.bundled and semver.is_version(old) and semver.is_version(new):
        return migrations.run(options.steps, project.path, old, new)
    return []


def _due(project: Project, plan: Plan, options: UpdateOptions) -> list[str]:
    old, new = project.version, plan.to_version
    if project.bundled and semver.is_version(old) and semver.is_version(new):
        return [
            f"v{step.version}: {step.description}"
            for step in migrations.due(options.steps, old, new)
        ]
    return []


def _relock(
    project: Project, result: UpdateResult, options: UpdateOptions, *, trusted: bool
) -> dict[str, Any]:
    touched = {*result.changed, *result.added, *(new for _, new in result.renamed)}
    if "pyproject.toml" not in touched or not (project.path / "uv.lock").is_file():
        return {}
    if not options.lock:
        return {"warnings": (*result.warnings, "uv.lock not refreshed (--no-lock): run `uv lock`.")}
    if not trusted:
        return {
            "warnings": (
                *result.warnings,
                "uv.lock not refreshed: `uv lock` runs the template's build backend; "
                "pass --trust, or run `uv lock` yourself.",
            )
        }
    warning = relock.uv_lock(project.path)
    if warning:
        return {"warnings": (*result.warnings, warning)}
    return {"relocked": True}


def _answer_notes(plan: Plan, hand: HandEdit | None) -> tuple[str, ...]:
    """Say which answers were edited by hand, and which files stop following the template."""
    notes: list[str] = []
    if plan.merged.tree == plan.head_tree and not plan.disk:
        return ()  # nothing changes: an answer edited by hand was applied already
    if hand is not None:
        edited = hand.answers
        changes = [
            f"{key}: {edited.get(key, '(unset)')} -> {value}"
            for key, value in plan.project.user_answers.items()
            if edited.get(key, object()) != value
        ]
        notes.append(
            f"{ANSWERS_FILE} was edited by hand since the template last wrote it "
            f"({', '.join(changes) or 'answers removed'}): applied like `-d`."
        )
    if plan.unfollowed:
        shown = ", ".join(plan.unfollowed[:5]) + (" ..." if len(plan.unfollowed) > 5 else "")
        notes.append(
            f"{len(plan.unfollowed)} file(s) stop following the template with the new answers: "
            f"{shown} (removed where unedited; edited ones stay as modify/delete conflicts)."
        )
    return tuple(notes)


def _report(
    plan: Plan, options: UpdateOptions, *, due: list[str], edited: HandEdit | None = None
) -> UpdateResult:
    project, merged, changes = plan.project, plan.merged, plan.changes
    lead = f"{plan.prefix}/" if plan.prefix else ""
    conflicts = {path[len(lead) :] for path in merged.conflicts if path.startswith(lead)}
    conflicts |= {change.path for change in plan.disk if change.conflict}
    disk_added = [change.path for change in plan.disk if not change.existed]
    disk_changed = [change.path for change in plan.disk if change.existed and not change.conflict]
    return UpdateResult(
        path=project.path,
        template_src=project.src,
        from_version=project.version,
        to_version=plan.to_version,
        dry_run=options.dry_run,
        changed=tuple(sorted({*changes.changed, *disk_changed} - conflicts)),
        added=tuple(sorted({*changes.added, *disk_added} - conflicts)),
        removed=changes.removed,
        renamed=changes.renamed,
        conflicts=tuple(sorted(conflicts)),
        removed_modified=merged.removed_modified,
        skipped=merged.skipped,
        excluded=merged.excluded,
        reconciled=tuple(
            (path, note.pin, note.kept, note.dropped) for path, note in merged.reconciled
        ),
        ignored=tuple(sorted(change.path for change in plan.disk)),
        new_answers=plan.new_answers,
        changelog=tuple(catalog.crossed(project.src, project.version, plan.to_version)),
        migrations=tuple(due),
        warnings=_answer_notes(plan, edited),
        messages=plan.messages,
        patch=patch(project.repo_root, plan.head, plan.merged.tree, plan.prefix)
        + ignored.disk_patch(plan.disk)
        if options.diff
        else "",
    )


def _result(project: Project, version: str, options: UpdateOptions) -> UpdateResult:
    return UpdateResult(
        path=project.path,
        template_src=project.src,
        from_version=version,
        to_version=project.version,
        dry_run=options.dry_run,
    )
