"""``mlops-new fleet ...``: many repositories at once."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mlops_new.cli import _console, _output
from mlops_new.cli._errors import ExitCode, handled
from mlops_new.cli._formats import ForgeName, Format, ReportFormat
from mlops_new.cli._options import ConfigOption, DataOption, FormatOption

if TYPE_CHECKING:
    from mlops_new.fleet.hosted import Forge
    from mlops_new.fleet.report import FleetReport
    from mlops_new.fleet.shard import Shard
    from mlops_new.inputs.settings import Settings

fleet_app = typer.Typer(
    name="fleet",
    help="See and move all of an organisation's ML repositories at once.",
    no_args_is_help=True,
)

RootsArgument = Annotated[
    list[Path] | None,
    typer.Argument(metavar="ROOT...", help="Folders to search for projects (default: here)."),
]
ListOption = Annotated[
    Path | None,
    typer.Option("--list", metavar="FILE", help="A file listing repository paths, one a line."),
]


@fleet_app.command("report")
def report(
    roots: RootsArgument = None,
    list_file: ListOption = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=1, help="Repositories checked in parallel.")
    ] = 2,
    fmt: Annotated[
        ReportFormat, typer.Option("--format", help="Output format.")
    ] = ReportFormat.rich,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write the report to FILE."),
    ] = None,
    config: ConfigOption = None,
    shard: Annotated[
        str | None,
        typer.Option(
            "--shard",
            metavar="K/N",
            help="Check only shard K of N (a CI matrix job's share); join them with fleet merge.",
        ),
    ] = None,
    github_org: Annotated[
        str | None,
        typer.Option(
            "--github-org",
            metavar="ORG",
            help="Check the organisation's repositories (shallow clones; $GITHUB_TOKEN).",
        ),
    ] = None,
    gitlab_group: Annotated[
        str | None,
        typer.Option(
            "--gitlab-group",
            metavar="GROUP",
            help="Check the group's repositories, subgroups too (shallow clones; $GITLAB_TOKEN).",
        ),
    ] = None,
    github_url: Annotated[
        str | None,
        typer.Option(
            "--github-url",
            metavar="URL",
            help="GitHub's API (default: $GITHUB_API_URL, else https://api.github.com).",
        ),
    ] = None,
    gitlab_url: Annotated[
        str | None,
        typer.Option(
            "--gitlab-url",
            metavar="URL",
            help="The GitLab (default: $GITLAB_URL, $CI_SERVER_URL, https://gitlab.com).",
        ),
    ] = None,
) -> None:
    """Report every repository's template version, drift from policy and failing checks.

    Repositories without an answers file are listed as "not linked"; one that
    cannot be checked is an error row. Exit codes: 0 all pass, 7 a repository
    fails the policy, 9 a repository could not be checked, 4 no repositories.
    """
    from mlops_new.fleet.discover import discover
    from mlops_new.fleet.report import fleet_root, report_fleet
    from mlops_new.fleet.shard import Shard, pick
    from mlops_new.inputs.settings import load_settings
    from mlops_new.standards.runner import validate_policy

    with handled():
        part = Shard.parse(shard) if shard is not None else None
        settings = load_settings(config)
        validate_policy(settings.policy)
        forge = _forge(roots, list_file, github_org, gitlab_group, github_url, gitlab_url)
        if forge is not None:
            result = _report_hosted(forge, part, settings, jobs, quiet=fmt is ReportFormat.json)
        else:
            repos = discover(roots or [Path()], list_file, unlinked=True)
            root = fleet_root(repos)
            mine = pick(repos, part, root) if part is not None else repos
            with _console.progress(len(mine), quiet=fmt is ReportFormat.json) as tick:
                result = report_fleet(
                    mine, settings, jobs=jobs, progress=tick, root=root, shard=str(part or "")
                )
        _output.fleet_reported(result, fmt, output)
    _exit(result)


def _forge(
    roots: list[Path] | None,
    list_file: Path | None,
    github_org: str | None,
    gitlab_group: str | None,
    github_url: str | None,
    gitlab_url: str | None,
) -> Forge | None:
    """The forge to list the fleet from, or ``None`` for local folders."""
    from mlops_new.core.errors import UserError
    from mlops_new.fleet.gitlab import configured
    from mlops_new.fleet.hosted import Forge

    given = [name for name, value in (("ROOT", roots), ("--list", list_file),
             ("--github-org", github_org), ("--gitlab-group", gitlab_group)) if value]  # fmt: skip
    if len(given) > 1:
        raise UserError(
            f"{' and '.join(given)} both say where the fleet is.",
            "Give folders, --list FILE, --github-org ORG or --gitlab-group GROUP: one of them.",
        )
    if github_org:
        return Forge.github(github_org, github_url, os.environ)
    if gitlab_group:
        return Forge.gitlab(gitlab_group, configured(gitlab_url, os.environ))
    return None


def _report_hosted(
    forge: Forge, part: Shard | None, settings: Settings, jobs: int, *, quiet: bool
) -> FleetReport:
    from mlops_new.fleet.hosted import listed, report_hosted

    repos = listed(forge)
    mine = [repo for repo in repos if part.holds(repo.name)] if part is not None else repos
    with _console.progress(len(mine), quiet=quiet) as tick:
        return report_hosted(mine, settings, jobs=jobs, progress=tick, shard=str(part or ""))


@fleet_app.command("merge")
def merge(
    reports: Annotated[
        list[Path],
        typer.Argument(
            metavar="REPORT...", help="JSON reports of fleet report (--format json), one a shard."
        ),
    ],
    fmt: Annotated[
        ReportFormat, typer.Option("--format", help="Output format.")
    ] = ReportFormat.rich,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write the report to FILE."),
    ] = None,
) -> None:
    """Join the shard reports of fleet report --shard K/N into the fleet's one report.

    Refused (exit 4) when a shard is missing or repeated, or a repository is in
    two reports. Exit codes otherwise as fleet report: 0 all pass, 7 a
    repository fails the policy, 9 a repository could not be checked.
    """
    from mlops_new.fleet.shard import merge as merge_reports

    with handled():
        result = merge_reports(reports)
        _output.fleet_reported(result, fmt, output, command="fleet merge")
    _exit(result)


def _exit(result: FleetReport) -> None:
    if result.errors:
        raise typer.Exit(int(ExitCode.FLEET_FAILURES))
    if result.failing:
        raise typer.Exit(int(ExitCode.FAILED_CHECKS))


@fleet_app.command("update")
def update(
    roots: RootsArgument = None,
    list_file: ListOption = None,
    to: Annotated[
        str | None, typer.Option("--to", metavar="VERSION", help="Target template version.")
    ] = None,
    data: DataOption = None,
    branch: Annotated[
        str | None,
        typer.Option(
            "--branch", metavar="NAME", help="Branch name (default: mlops-new/update-vX)."
        ),
    ] = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", min=1, help="Repositories updated in parallel.")
    ] = 1,
    push: Annotated[bool, typer.Option("--push", help="Push each branch to origin.")] = False,
    pull_request: Annotated[
        bool,
        typer.Option(
            "--pull-request",
            help="Push, then open a pull request (GitHub, with gh) or a merge request "
            "(GitLab, with $GITLAB_TOKEN).",
        ),
    ] = False,
    forge: Annotated[
        ForgeName,
        typer.Option(
            "--forge",
            help="Where --pull-request opens them; auto: GitLab when origin is on the GitLab "
            "host, else GitHub.",
        ),
    ] = ForgeName.auto,
    gitlab_url: Annotated[
        str | None,
        typer.Option(
            "--gitlab-url",
            metavar="URL",
            help="The GitLab for merge requests (default: $GITLAB_URL, $CI_SERVER_URL, "
            "https://gitlab.com); the token goes there only.",
        ),
    ] = None,
    no_lock: Annotated[
        bool, typer.Option("--no-lock", help="Never refresh uv.lock after pyproject.toml changed.")
    ] = False,
    config: ConfigOption = None,
    fmt: FormatOption = Format.rich,
) -> None:
    """Prepare each repository's update on its own branch; never touch default branches."""
    from mlops_new.fleet.discover import discover
    from mlops_new.fleet.gitlab import configured
    from mlops_new.fleet.update import FleetUpdateOptions, Outcome, update_fleet
    from mlops_new.inputs.answers import parse_pairs
    from mlops_new.inputs.settings import load_settings

    with handled():
        repos = discover(roots or [Path()], list_file)
        options = FleetUpdateOptions(
            to=to,
            data=parse_pairs(data or []),
            branch=branch,
            jobs=jobs,
            push=push,
            pull_request=pull_request,
            forge=forge.value,
            gitlab=configured(gitlab_url, os.environ),
            lock=not no_lock,
            settings=load_settings(config),
        )
        result = update_fleet(repos, options)
        _output.fleet_updated(result, fmt)
    if result.count(Outcome.failed):
        raise typer.Exit(int(ExitCode.FLEET_FAILURES))
    if result.count(Outcome.conflicted):
        raise typer.Exit(int(ExitCode.CONFLICTS))
