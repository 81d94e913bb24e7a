"""Another template's versions, read as copier reads them (PEP 440): `v1`/`v2` tags,
pre-releases, and no silent downgrade (issue 26)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_new.cli._errors import ExitCode
from mlops_new.core import semver
from mlops_new.inputs.answers import read_answers
from tests.support.helpers import build_tree, git
from tests.update.conftest import Cli, commit_all, report


@pytest.mark.parametrize(
    ("ref", "name"),
    [
        ("v0.1.0", "0.1.0"),
        ("v2", "2"),
        ("1.2", "1.2"),
        ("2.0.0rc1", "2.0.0rc1"),
        ("v1.2.3-alpha.1", "1.2.3-alpha.1"),
        ("main", ""),
        ("1234567", ""),  # a short commit id, not version 1234567
        ("abc1234", ""),
        ("v", ""),
    ],
)
def test_what_a_ref_names(ref: str, name: str) -> None:
    assert semver.tag_name(ref) == name
    assert (semver.tag_version(ref) is not None) is bool(name)


def test_the_newest_tag_is_the_newest_release_unless_pre_releases_are_followed() -> None:
    tags = ["v1.0.0", "v1.10.0", "v1.9.0", "v1.11.0rc1", "main", "v1.2.3-alpha.1"]
    assert semver.newest_tag(tags) == "v1.10.0"  # 1.10 after 1.9: not string order
    assert semver.newest_tag(tags, prereleases=True) == "v1.11.0rc1"
    assert semver.newest_tag(["2.0.0b1", "2.0.0a3"]) == "2.0.0b1"  # only pre-releases
    assert semver.newest_tag(["main", "latest"]) is None


def _template(root: Path, tags: list[str]) -> Path:
    """A template with one commit per tag, ``policy.txt`` naming it."""
    build_tree(
        root,
        {
            "copier.yml": "team:\n  type: str\n  default: platform\n",
            "{{ _copier_conf.answers_file }}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n",
        },
    )
    git(root, "init", "--quiet")
    for tag in tags:
        (root / "policy.txt").write_text(f"release={tag}\n")
        commit_all(root, tag)
        git(root, "tag", tag)
    return root


def _on(project: Path) -> str:
    return str(read_answers(project)["_commit"])


def test_two_part_tags_order_and_an_older_to_is_refused(cli: Cli, tmp_path: Path) -> None:
    org = _template(tmp_path.parent / "org-v", ["v1", "v2", "v10"])
    listed = report(cli("versions", "--template", str(org), "--format", "json"))
    assert [v["version"] for v in listed["versions"]] == ["10", "2", "1"]
    made = cli("p", "--template", str(org), "--ref", "2", "--defaults", "--no-lock")
    assert made.exit_code == 0, made.output
    project = tmp_path / "p"
    before = git(project, "rev-parse", "HEAD")
    refused = cli("update", str(project), "--to", "v1", "--defaults")
    assert refused.exit_code == ExitCode.USER_ERROR, refused.output
    assert "never downgrades" in refused.output
    assert git(project, "rev-parse", "HEAD") == before
    assert git(project, "status", "--porcelain") == ""
    moved = cli("update", str(project), "--defaults", "--format", "json")
    assert moved.exit_code == 0, moved.output
    assert report(moved)["to_version"] == "10"  # v10 after v2
    assert (project / "policy.txt").read_text() == "release=v10\n"


def test_a_project_on_a_pre_release_follows_pre_releases_and_never_drops_back(
    cli: Cli, tmp_path: Path
) -> None:
    org = _template(tmp_path.parent / "org-rc", ["1.0.0", "1.1.0rc1"])
    made = cli("p", "--template", str(org), "--ref", "1.1.0rc1", "--defaults", "--no-lock")
    assert made.exit_code == 0, made.output
    project = tmp_path / "p"
    stays = cli("update", str(project), "--defaults")
    assert stays.exit_code == 0, stays.output
    assert _on(project) == "1.1.0rc1"  # not dropped to 1.0.0
    assert (project / "policy.txt").read_text() == "release=1.1.0rc1\n"
    (org / "policy.txt").write_text("release=1.1.0rc2\n")
    commit_all(org, "rc2")
    git(org, "tag", "1.1.0rc2")
    moved = cli("update", str(project), "--defaults")
    assert moved.exit_code == 0, moved.output
    assert _on(project) == "1.1.0rc2"  # the next pre-release
    commit_all(project, "the update")
    release = tmp_path / "r"
    made = cli("r", "--template", str(org), "--ref", "1.0.0", "--defaults", "--no-lock")
    assert made.exit_code == 0, made.output
    assert cli("update", str(release), "--defaults").exit_code == 0
    assert _on(release) == "1.0.0"  # a release follows releases only
    asked = cli("update", str(release), "--to", "1.1.0rc2", "--defaults")
    assert asked.exit_code == 0, asked.output
    assert _on(release) == "1.1.0rc2"


@pytest.mark.parametrize(
    ("src", "location"),
    [
        ("gh:acme/ml", "https://github.com/acme/ml.git"),
        ("gh:acme/ml.git", "https://github.com/acme/ml.git"),
        ("gl:/group/sub/ml", "https://gitlab.com/group/sub/ml.git"),
        ("git+https://host.test/ml", "https://host.test/ml"),
        ("git+file:///srv/ml", "file:///srv/ml"),
        ("https://host.test/ml.git", "https://host.test/ml.git"),
        ("git@host.test:ml.git", "git@host.test:ml.git"),
    ],
)
def test_copier_s_spellings_of_a_source_are_what_git_reads(src: str, location: str) -> None:
    from mlops_new.templates.catalog import git_location

    assert git_location(src) == location


def test_a_git_plus_file_source_creates_and_updates(cli: Cli, tmp_path: Path) -> None:
    org = _template(tmp_path.parent / "org-git-plus", ["1.0.0", "1.1.0"])
    src = f"git+file://{org}"
    made = cli("p", "--template", src, "--ref", "1.0.0", "--defaults", "--no-lock")
    assert made.exit_code == 0, made.output
    project = tmp_path / "p"
    assert read_answers(project)["_src_path"] == src
    listed = report(cli("versions", "--path", str(project), "--format", "json"))
    assert [v["version"] for v in listed["versions"]] == ["1.1.0", "1.0.0"]
    moved = cli("update", str(project), "--defaults")
    assert moved.exit_code == 0, moved.output
    assert _on(project) == "1.1.0"
