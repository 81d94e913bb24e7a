"""The per-user store materialised from the bundle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlops_new.core.errors import StoreError, UnknownVersionError
from mlops_new.templates import store
from tests.support.helpers import fake_checkout, git


@pytest.mark.usefixtures("tiny_bundle")
def test_store_gets_every_bundled_version(isolated_env: Path) -> None:
    path = store.ensure_store()
    assert path == isolated_env / ".mlops-new" / "template"
    tags = git(path, "tag", "--list").split()
    assert tags == ["v0.1.0", "v0.2.0"]
    for entry in store.manifest():
        assert git(path, "rev-parse", entry.tag) == entry.commit


@pytest.mark.usefixtures("tiny_bundle")
def test_a_complete_store_is_not_synced_again_after_git_packs_its_refs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The fast path reads packed refs too: after `git gc` the store is still complete
    (once, its main branch was read as a loose file only, and every command re-fetched)."""
    path = store.ensure_store()
    assert git(path, "rev-parse", "main") == store.manifest()[-1].commit
    git(path, "pack-refs", "--all")
    assert not (path / ".git" / "refs" / "heads" / "main").exists()

    def refetch(*_args: object) -> None:
        raise AssertionError("a complete store was synced again")

    monkeypatch.setattr(store, "_sync", refetch)
    assert store.ensure_store() == path


@pytest.mark.usefixtures("tiny_bundle")
def test_store_is_written_as_an_unexpanded_home_path() -> None:
    assert store.STORE_SRC == "~/.mlops-new/template"
    assert store.store_path() == Path.home() / ".mlops-new" / "template"


def test_an_older_release_keeps_the_newer_versions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    newer = fake_checkout(tmp_path / "newer", [("0.1.0", "a"), ("0.2.0", "b")])
    older = fake_checkout(tmp_path / "older", [("0.1.0", "a")])
    for checkout in (newer, older):
        bundle = checkout / "src/mlops_new/_template"
        monkeypatch.setattr(store, "bundle_dir", lambda bundle=bundle: bundle)
        store.ensure_store()
    assert git(store.store_path(), "tag", "--list").split() == ["v0.1.0", "v0.2.0"]


@pytest.mark.usefixtures("tiny_bundle")
def test_a_tag_moved_by_hand_is_reported_not_rewritten() -> None:
    path = store.ensure_store()
    git(path, "tag", "--force", "v0.1.0", "v0.2.0")
    with pytest.raises(StoreError, match=r"has tag v0\.1\.0 at"):
        store.ensure_store()
    assert git(path, "rev-parse", "v0.1.0") == git(path, "rev-parse", "v0.2.0")


@pytest.mark.usefixtures("tiny_bundle")
def test_find_accepts_both_spellings_and_names_the_available_ones() -> None:
    assert store.find("v0.1.0").version == "0.1.0"
    assert store.find("0.2.0").version == "0.2.0"
    with pytest.raises(UnknownVersionError, match=r"Available versions: 0\.2\.0, 0\.1\.0"):
        store.find("9.9.9")


def test_the_shipped_manifest_matches_the_shipped_bundle(tmp_path: Path) -> None:
    """Published versions are immutable: every recorded commit is in the bundle."""
    released = store.manifest()
    assert released, "the package must ship at least one template version"
    clone = tmp_path / "clone"
    git(tmp_path, "init", "--quiet", str(clone))
    git(
        clone,
        "fetch",
        "--quiet",
        str(store.bundle_dir() / "template.bundle"),
        "refs/tags/*:refs/tags/*",
    )
    previous = None
    for entry in released:
        assert git(clone, "rev-parse", entry.tag) == entry.commit
        assert git(clone, "rev-parse", f"{entry.tag}^{{tree}}") == entry.tree
        parents = git(clone, "rev-list", "--parents", "-n1", entry.commit).split()[1:]
        assert parents == ([previous] if previous else [])
        previous = entry.commit


def test_the_shipped_commits_are_reproducible(tmp_path: Path) -> None:
    """Rebuilding each commit from its tree, parent and date gives the same id."""
    from mlops_new.templates import release

    clone = tmp_path / "clone"
    git(tmp_path, "init", "--quiet", str(clone))
    git(
        clone,
        "fetch",
        "--quiet",
        str(store.bundle_dir() / "template.bundle"),
        "refs/tags/*:refs/tags/*",
    )
    previous = None
    for entry in store.manifest():
        args = [
            "commit-tree",
            entry.tree,
            "-m",
            release.commit_message(entry.version, entry.summary),
        ]
        args += ["-p", previous] if previous else []
        rebuilt = _git_env(clone, args, release.commit_env(entry.date))
        assert rebuilt == entry.commit
        previous = entry.commit


def test_the_working_tree_template_is_released() -> None:
    """template/ must equal the newest bundled version: release it with release."""
    from mlops_new.templates import release

    checkout = Path(__file__).resolve().parents[2]
    if not (checkout / "template" / "copier.yml").is_file():
        pytest.skip("not a source checkout")
    files = release.template_files(checkout)
    tree = _tree_of(checkout, files)
    latest = store.latest()
    assert tree == latest.tree, (
        f"template/ differs from v{latest.version}: release it with "
        "`python -m mlops_new.templates.release X.Y.Z --summary ...`"
    )


def _tree_of(checkout: Path, files: list[str]) -> str:
    import os
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "GIT_INDEX_FILE": str(Path(tmp) / "index")}
        for name in files:
            blob = subprocess.run(
                ["git", "hash-object", "-w", name],
                cwd=checkout,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            mode = "100755" if os.access(checkout / name, os.X_OK) else "100644"
            subprocess.run(
                [
                    "git",
                    "update-index",
                    "--add",
                    "--cacheinfo",
                    f"{mode},{blob},{Path(name).relative_to('template').as_posix()}",
                ],
                cwd=checkout,
                env=env,
                check=True,
            )
        return subprocess.run(
            ["git", "write-tree"], cwd=checkout, env=env, capture_output=True, text=True, check=True
        ).stdout.strip()


def _git_env(cwd: Path, args: list[str], env: dict[str, str]) -> str:
    import os
    import subprocess

    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_manifest_is_valid_json_with_one_entry_per_version() -> None:
    data = json.loads((store.bundle_dir() / "manifest.json").read_text())
    names = [entry["version"] for entry in data["versions"]]
    assert len(names) == len(set(names))
    assert data["format"] == 1
