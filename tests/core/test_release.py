"""Releasing template versions: deterministic, append-only, immutable."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_new.core.errors import MlopsNewError
from mlops_new.templates import release, store
from tests.support.helpers import build_tree, fake_checkout, git, tiny_template_files


def _manifest(checkout: Path) -> list[store.ReleasedVersion]:
    return store.load_manifest(checkout / "src/mlops_new/_template/manifest.json")


def test_each_release_is_a_tagged_commit_on_top_of_the_previous(tmp_path: Path) -> None:
    checkout = fake_checkout(tmp_path / "c", [("0.1.0", "a"), ("0.2.0", "b")])
    first, second = _manifest(checkout)
    clone = tmp_path / "clone"
    git(tmp_path, "init", "--quiet", str(clone))
    git(
        clone,
        "fetch",
        "--quiet",
        str(checkout / "src/mlops_new/_template/template.bundle"),
        "refs/tags/*:refs/tags/*",
    )
    assert git(clone, "rev-parse", "v0.1.0") == first.commit
    assert git(clone, "rev-parse", "v0.2.0") == second.commit
    assert git(clone, "rev-parse", "v0.2.0^") == first.commit
    assert git(clone, "rev-parse", "v0.2.0^{tree}") == second.tree
    assert "second" not in git(clone, "show", "v0.1.0:project/README.md.jinja")


def test_same_trees_and_dates_give_the_same_commit_ids(tmp_path: Path) -> None:
    one = fake_checkout(tmp_path / "one", [("0.1.0", "a"), ("0.2.0", "b")])
    two = fake_checkout(tmp_path / "two", [("0.1.0", "a"), ("0.2.0", "b")])
    assert [e.commit for e in _manifest(one)] == [e.commit for e in _manifest(two)]


def test_a_released_version_is_never_rewritten(tmp_path: Path) -> None:
    checkout = fake_checkout(tmp_path / "c", [("0.1.0", "a")])
    build_tree(checkout, tiny_template_files("changed"))
    with pytest.raises(MlopsNewError, match="already released"):
        release.release(checkout, "0.1.0", "again", "2026-02-01T00:00:00+00:00")
    with pytest.raises(MlopsNewError, match="not newer"):
        release.release(checkout, "0.0.9", "older", "2026-02-01T00:00:00+00:00")


def test_an_unchanged_template_is_not_released_twice(tmp_path: Path) -> None:
    checkout = fake_checkout(tmp_path / "c", [("0.1.0", "a")])
    with pytest.raises(MlopsNewError, match="nothing to release"):
        release.release(checkout, "0.2.0", "same", "2026-02-01T00:00:00+00:00")


def test_ignored_files_are_not_released(tmp_path: Path) -> None:
    checkout = tmp_path / "c"
    build_tree(checkout, {".gitignore": "*.pyc\n", "template/project/junk.pyc": "x"})
    fake_checkout(checkout, [("0.1.0", "a")])
    assert "template/project/junk.pyc" not in release.template_files(checkout)
