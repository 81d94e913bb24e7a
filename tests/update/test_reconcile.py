"""Bot-aware merges: a version pin both sides bumped resolves to the higher version.

The unit tests feed ``engine.reconcile`` conflict blocks of every known pin shape, in
both directions; the end-to-end tests run a real ``mlops-new update`` on a project
whose Dependabot-shaped commit bumped the same ``uses:`` line as the template release.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from mlops_new.engine.reconcile import pair, resolve
from tests.support.helpers import ANSWERS_TEMPLATE, git, release_trees
from tests.update.conftest import COPIER_V1, Cli, commit_all, report

SHA = {name: (name * 40)[:40] for name in "abcdef"}


def block(ours: str, theirs: str, base: str | None = None) -> str:
    middle = f"||||||| template v0.1.0\n{base}" if base is not None else ""
    return f"<<<<<<< before updating\n{ours}{middle}=======\n{theirs}>>>>>>> template v0.2.0\n"


# (path, line template with {v} and {s}) for each shape, the version first.
SHAPES = [
    (".github/workflows/ci.yml", "      - uses: actions/checkout@{s} # v{v}"),
    (".github/workflows/ci.yml", "      - uses: astral-sh/setup-uv@v{v}"),
    ("Dockerfile", "FROM python:{v}-slim@sha256:" + "0" * 63 + "{s0}"),
    ("Dockerfile", "COPY --from=ghcr.io/astral-sh/uv:{v} /uv /bin/"),
    ("compose.yaml", "    image: redis:{v}"),
    (".pre-commit-config.yaml", "    rev: {s}  # frozen: v{v}"),
    (".pre-commit-config.yaml", "    rev: v{v}"),
    ("Dockerfile", "ARG UV_VERSION={v}"),
    ("pyproject.toml", '    "scikit-learn>={v}",'),
]
VERSIONS = ["1.2.0", "1.10.0", "2.0.0", "2.0.1"]


def line(shape: str, version: str, sha: str) -> str:
    return shape.format(v=version, s=SHA[sha], s0=sha)


@pytest.mark.parametrize(("path", "shape"), SHAPES)
def test_every_shape_keeps_the_higher_version_in_both_directions(path: str, shape: str) -> None:
    for (low, high), (first, second) in itertools.product(
        itertools.combinations(VERSIONS, 2), [("a", "b"), ("b", "a")]
    ):
        ours, theirs = line(shape, low, first), line(shape, high, second)
        for mine, other, side in ((ours, theirs, "template"), (theirs, ours, "project")):
            text = f"name: ci\n{block(mine + chr(10), other + chr(10))}tail\n"
            outcome = resolve(text.encode(), path)
            assert outcome is not None, (mine, other)
            assert outcome.text.decode() == f"name: ci\n{line(shape, high, second)}\ntail\n"
            assert outcome.conflicts_left == 0
            (note,) = outcome.reconciled
            assert (note.kept.lstrip("v"), note.dropped.lstrip("v"), note.side) == (
                high,
                low,
                side,
            )


def test_a_diff3_block_with_its_base_resolves_too() -> None:
    shape = SHAPES[0][1]
    text = block(
        line(shape, "4.2.2", "a") + "\n",
        line(shape, "4.2.0", "b") + "\n",
        base=line(shape, "4.1.0", "c") + "\n",
    )
    outcome = resolve(text.encode(), "ci.yml")
    assert outcome is not None
    assert outcome.text.decode() == line(shape, "4.2.2", "a") + "\n"


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        # a person's edit beside the pin: not only a version changed
        (
            "      - uses: actions/checkout@{a} # v4.2.2\n        with: {{fetch-depth: 0}}\n",
            "      - uses: actions/checkout@{b} # v4.2.0\n        with: {{fetch-depth: 1}}\n",
        ),
        # two different actions
        (
            "      - uses: actions/checkout@{a} # v4.2.2\n",
            "      - uses: actions/setup-python@{b} # v5.0.0\n",
        ),
        # the same version with different SHAs: which is right is a person's call
        (
            "      - uses: actions/checkout@{a} # v4.2.2\n",
            "      - uses: actions/checkout@{b} # v4.2.2\n",
        ),
        # an image whose variant changed, not only its version
        ("FROM python:3.13-slim\n", "FROM python:3.12-alpine\n"),
        # a version that does not parse
        ("    rev: main\n", "    rev: v1.0.0\n"),
        # unequal lengths
        ("    rev: v1.0.0\n    rev: v2.0.0\n", "    rev: v1.1.0\n"),
        # plain text
        ("alpha=5\n", "alpha=10\n"),
    ],
)
def test_anything_but_a_pure_pin_bump_stays_a_conflict(ours: str, theirs: str) -> None:
    text = block(ours.format(a=SHA["a"], b=SHA["b"]), theirs.format(a=SHA["a"], b=SHA["b"]))
    assert resolve(text.encode(), "Dockerfile") is None


def test_a_floor_is_a_pin_only_in_pyproject() -> None:
    assert pair('    "numpy>=2.1",', '    "numpy>=2.0",', "pyproject.toml") is not None
    assert pair('    "numpy>=2.1",', '    "numpy>=2.0",', "notes.txt") is None


def test_a_file_keeps_its_other_conflicts() -> None:
    shape = SHAPES[0][1]
    pin = block(line(shape, "4.2.2", "a") + "\n", line(shape, "4.2.0", "b") + "\n")
    other = block("alpha=5\n", "alpha=10\n")
    outcome = resolve(f"{pin}middle\n{other}".encode(), "ci.yml")
    assert outcome is not None
    assert outcome.conflicts_left == 1
    assert outcome.text.decode() == f"{line(shape, '4.2.2', 'a')}\nmiddle\n{other}"


def test_a_pre_commit_rev_is_named_by_its_repository() -> None:
    text = "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n" + block(
        "    rev: v0.9.1\n", "    rev: v0.8.0\n"
    )
    outcome = resolve(text.encode(), ".pre-commit-config.yaml")
    assert outcome is not None
    assert outcome.reconciled[0].pin == "https://github.com/astral-sh/ruff-pre-commit"


# -- end to end: a real update over a Dependabot commit ----------------------------------------

WORKFLOW = """\
name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@{checkout} # v{version}
      - run: make test
"""


def template(version: str, sha: str) -> dict[str, str]:
    return {
        "copier.yml": COPIER_V1,
        "project/{{ _copier_conf.answers_file }}.jinja": ANSWERS_TEMPLATE,
        "project/README.md.jinja": "# {{ project_name }}\n",
        "project/ci.yml": WORKFLOW.format(checkout=SHA[sha], version=version),
    }


@pytest.fixture(scope="module")
def update_checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Overrides the package's template: 0.2.0 bumps actions/checkout 4.1.0 -> 4.2.0."""
    return release_trees(
        tmp_path_factory.mktemp("reconcile"),
        [("0.1.0", template("4.1.0", "c")), ("0.2.0", template("4.2.0", "b"))],
    )


def dependabot(project: Path, version: str, sha: str) -> None:
    """A commit shaped as Dependabot makes it: its author, its subject, one line changed."""
    path = project / "ci.yml"
    old = path.read_text()
    path.write_text(old.replace(f"{SHA['c']} # v4.1.0", f"{SHA[sha]} # v{version}"))
    git(project, "add", "ci.yml")
    git(
        project,
        "-c",
        "user.name=dependabot[bot]",
        "-c",
        "user.email=49699333+dependabot[bot]@users.noreply.github.com",
        "commit",
        "--quiet",
        "-m",
        f"Bump actions/checkout from 4.1.0 to {version}",
    )


@pytest.fixture
def made(cli: Cli, tmp_path: Path) -> Path:
    assert cli("proj", "--ref", "0.1.0", "--defaults", "--no-lock").exit_code == 0
    return tmp_path / "proj"


@pytest.mark.parametrize(
    ("bot", "kept", "dropped", "expected_sha"),
    [("4.2.2", "v4.2.2", "v4.2.0", "a"), ("4.1.1", "v4.2.0", "v4.1.1", "b")],
    ids=["project-newer", "template-newer"],
)
def test_update_over_a_dependabot_bump_keeps_the_higher_pin(
    cli: Cli, made: Path, bot: str, kept: str, dropped: str, expected_sha: str
) -> None:
    dependabot(made, bot, "a")
    result = cli("update", str(made), "--to", "0.2.0", "--defaults", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = report(result)
    assert payload["conflicts"] == []
    assert payload["reconciled"] == [["ci.yml", "actions/checkout", kept, dropped]]
    text = (made / "ci.yml").read_text()
    assert f"actions/checkout@{SHA[expected_sha]} # {kept}\n" in text
    assert "<<<<<<<" not in text
    assert "UU" not in git(made, "status", "--porcelain")


def test_a_person_s_edit_on_the_pinned_line_stays_a_conflict(cli: Cli, made: Path) -> None:
    path = made / "ci.yml"
    path.write_text(path.read_text().replace("# v4.1.0", "# v4.1.0 (pinned: see #12)"))
    commit_all(made, "team pins checkout")
    result = cli("update", str(made), "--to", "0.2.0", "--defaults", "--format", "json")
    payload = report(result)
    assert payload["conflicts"] == ["ci.yml"]
    assert payload["reconciled"] == []
    assert "<<<<<<<" in path.read_text()


def test_the_markdown_report_names_what_was_reconciled(cli: Cli, made: Path) -> None:
    dependabot(made, "4.2.2", "a")
    result = cli("update", str(made), "--to", "0.2.0", "--defaults", "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert "### Version pins reconciled" in result.stdout
    assert "- `ci.yml`: `actions/checkout` v4.2.2 (over v4.2.0)" in result.stdout


def test_a_pre_release_is_below_its_release() -> None:
    rc = f"      - uses: actions/checkout@{SHA['a']} # v5.0.0rc1"
    final = f"      - uses: actions/checkout@{SHA['b']} # v5.0.0"
    note = pair(rc, final, "ci.yml")
    assert note is not None
    assert (note.kept, note.side) == ("v5.0.0", "template")
