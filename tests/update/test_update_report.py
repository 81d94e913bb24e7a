"""The update report as Markdown: one renderer for ``update --format markdown`` and fleet PRs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mlops_new.core.results import UpdateResult, VersionNote
from mlops_new.ops import update_report
from tests.update.conftest import Cli

MakeProject = Callable[..., Path]

EVERYTHING = UpdateResult(
    path=Path("p"),
    template_src="~/.mlops-new/template",
    from_version="0.1.0",
    to_version="0.2.0",
    dry_run=False,
    changed=("Makefile",),
    added=("docs/new.md",),
    removed=("old.txt",),
    conflicts=("config.txt",),
    removed_modified=("legacy.txt",),
    changelog=(VersionNote("0.2.0", "Licences"),),
    migrations=("0.2.0: moved the pin",),
    renamed=(("ci.yml", "ci/main.yml"),),
    skipped=("deleted-by-team.txt",),
    excluded=("README.md",),
    ignored=(".env",),
    new_answers={"license": "MIT", "gpu": False},
    relocked=True,
    warnings=("the template used uncommitted changes",),
)


def test_every_field_a_reviewer_needs_is_in_the_markdown() -> None:
    """The sync PR body once dropped new answers, excluded, skipped and renamed files."""
    text = update_report.markdown(EVERYTHING)
    for heading, item in [
        ("Conflicts", "- `config.txt`"),
        ("Removed by the template although edited here", "- `legacy.txt`"),
        ("Changed", "- `Makefile`"),
        ("Added", "- `docs/new.md`"),
        ("Removed", "- `old.txt`"),
        ("Renamed", "- `ci.yml` -> `ci/main.yml`"),
        ("Template changes skipped", "- `deleted-by-team.txt`"),
        ("Left alone", "- `README.md`"),
        ("Git-ignored files merged on disk", "- `.env`"),
        ("Migrations", "- 0.2.0: moved the pin"),
        ("Warnings", "- the template used uncommitted changes"),
        ("New questions, answered", '- `license` = `"MIT"`'),
        ("Template changelog", "- v0.2.0: Licences"),
    ]:
        assert f"### {heading}" in text
        assert item in text
    assert "- `gpu` = `false`" in text
    assert "`uv.lock` was refreshed" in text


def test_the_commit_message_is_the_title_then_the_markdown() -> None:
    message = update_report.commit_message(EVERYTHING)
    subject, blank, *_ = message.splitlines()
    assert subject == "Update template v0.1.0 -> v0.2.0"
    assert blank == ""
    assert message.endswith(update_report.markdown(EVERYTHING))


def test_names_with_backticks_cannot_open_markdown() -> None:
    odd = UpdateResult(
        path=Path("p"),
        template_src="s",
        from_version="1",
        to_version="2",
        dry_run=False,
        changed=("a`b.md",),
    )
    assert "- ``a`b.md``" in update_report.markdown(odd)


def test_update_format_markdown_prints_the_same_report(cli: Cli, make_project: MakeProject) -> None:
    project = make_project("0.1.0")
    result = cli(
        "update", str(project), "--to", "0.2.0", "--defaults", "--dry-run", "--format", "markdown"
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("## Update template v0.1.0 -> v0.2.0\n\n")
    assert "### New questions, answered" in result.stdout
    assert '- `license` = `"MIT"`' in result.stdout
