"""Checks judge what a standard means: the ecosystem's common ways all count (issue 12)."""
# ruff: noqa: E501  (tables of inline fixtures read best one case a line)

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_new.standards import Status, run_checks
from mlops_new.standards.model import CheckResult
from tests.standards.conftest import BARE_PYPROJECT, Files, make_repo
from tests.support.helpers import git

WF = ".github/workflows/ci.yml"
TESTS: Files = {"tests/test_a.py": "def test_a() -> None:\n    pass\n"}


def workflow(*runs: str, uses: str = "") -> str:
    steps = "".join(f"      - run: {run}\n" for run in runs)
    steps += f"      - uses: {uses}\n" if uses else ""
    return f"on: [push]\npermissions: {{}}\njobs:\n  t:\n    runs-on: x\n    steps:\n{steps}"


def result(tmp_path: Path, check_id: str, files: Files) -> CheckResult:
    (found,) = run_checks(make_repo(tmp_path / "repo", files), select=[check_id]).results
    return found


def status(tmp_path: Path, check_id: str, files: Files) -> Status:
    return result(tmp_path, check_id, files).status


@pytest.mark.parametrize(
    ("command", "files"),
    [
        ("just test", {"justfile": "test:\n    uv run pytest -q\n"}),
        ("just", {"justfile": "default: test\n\ntest:\n    pytest\n"}),
        ("make check", {"Makefile": "check: lint unit\n\nlint:\n\truff check\nunit:\n\tpytest\n"}),
        ("mise run test", {"mise.toml": '[tasks.test]\nrun = "pytest"\n'}),
        ("mise run ci", {".mise/tasks/ci": "#!/bin/sh\npython -m pytest\n"}),
        ("poe test", {"pyproject.toml": BARE_PYPROJECT + '[tool.poe.tasks]\ntest = "pytest"\n'}),
        ("devbox run test", {"devbox.json": '{"shell": {"scripts": {"test": "pytest"}}}'}),
        (
            "pixi run -e py311 tests",
            {
                "pyproject.toml": BARE_PYPROJECT
                + '[tool.pixi.feature.tests.tasks]\ntests = "pytest"\n'
            },
        ),
        ("nox", {"noxfile.py": "import nox\n\n@nox.session\ndef t(s):\n    s.run('pytest')\n"}),
        ("bash scripts/test.sh", {"scripts/test.sh": "#!/bin/sh\nuv run pytest\n"}),
        ("./scripts/test.sh", {"scripts/test.sh": "py.test tests\n"}),
        ("py.test", {}),
        ("behave", {}),
        ("uv run python -m pytest", {}),
        ("make test", {}),
        (
            "hatch run cov",
            {
                "pyproject.toml": BARE_PYPROJECT
                + "[tool.hatch.envs.default.scripts]\ncov = 'pytest --cov'\n"
            },
        ),
        (
            "make ci",
            {
                "Makefile": "ci:\n\t$(MAKE) test\ntest:\n\tduty test\n",
                "duties.py": "def test(ctx):\n    ctx.run('pytest')\n",
            },
        ),
    ],
)
def test_ci002_follows_task_runners_and_scripts(tmp_path: Path, command: str, files: Files) -> None:
    tree = {WF: workflow(command), **TESTS, **files}
    assert status(tmp_path, "CI002", tree) is Status.passed


def test_ci002_fails_when_the_task_runs_no_tests(tmp_path: Path) -> None:
    tree = {WF: workflow("just lint"), **TESTS, "justfile": "lint:\n    ruff check\n"}
    assert status(tmp_path, "CI002", tree) is Status.failed


def test_ci002_reads_local_composite_actions(tmp_path: Path) -> None:
    action = "runs:\n  using: composite\n  steps:\n    - run: uv run pytest\n      shell: bash\n"
    tree = {
        WF: workflow("echo", uses="./.github/actions/test"),
        ".github/actions/test/action.yml": action,
        **TESTS,
    }
    assert status(tmp_path, "CI002", tree) is Status.passed


def test_ci002_reads_gitlab_local_includes(tmp_path: Path) -> None:
    tree = {
        ".gitlab-ci.yml": "include:\n  - local: ci/test.yml\n",
        "ci/test.yml": "unit:\n  script:\n    - pytest\n",
        **TESTS,
    }
    assert status(tmp_path, "CI002", tree) is Status.passed


PY = BARE_PYPROJECT


@pytest.mark.parametrize(
    ("check_id", "files", "expected"),
    [
        ("PY004", {"setup.cfg": "[flake8]\nmax-line-length = 100\n"}, Status.passed),
        ("PY004", {"tox.ini": "[flake8]\nignore = E501\n"}, Status.passed),
        ("PY004", {".pylintrc": "[MASTER]\n"}, Status.passed),
        ("PY004", {".pre-commit-config.yaml": "repos:\n- hooks:\n  - id: flake8\n"}, Status.passed),
        ("PY004", {"config/ruff.toml": "line-length = 100\n"}, Status.passed),
        ("PY004", {"setup.cfg": "[metadata]\nname = x\n"}, Status.failed),
        ("PY005", {"pyproject.toml": PY + "[tool.pyright]\nstrict = ['src']\n"}, Status.passed),
        ("PY005", {"pyproject.toml": PY + "[tool.ty.rules]\nx = 'error'\n"}, Status.passed),
        ("PY005", {"pyrefly.toml": "project-includes = ['src']\n"}, Status.passed),
        ("PY005", {"setup.cfg": "[mypy]\nstrict = True\n"}, Status.passed),
        ("PY005", {}, Status.failed),
        ("GEN007", {"lefthook.yml": "pre-commit:\n  commands: {}\n"}, Status.passed),
        ("GEN007", {".husky/pre-commit": "npx lint-staged\n"}, Status.passed),
        ("TST002", {"pyproject.toml": PY + "[tool.pytest]\nminversion = '9.0'\n"}, Status.passed),
        ("TST002", {".pytest.ini": "[pytest]\n"}, Status.passed),
        ("TST002", {"setup.cfg": "[tool:pytest]\naddopts = -q\n"}, Status.passed),
        ("TST002", {"setup.cfg": "[flake8]\nmax-line-length = 100\n"}, Status.failed),
        ("TST002", {"tox.ini": "[tox]\nenvlist = py311\n"}, Status.failed),
        ("TST003", {"pytest.ini": "[pytest]\naddopts = --cov=x --cov-fail-under=90\n"}, Status.passed),
        ("TST003", {"pyproject.toml": PY + "[tool.pytest.ini_options]\naddopts = '--cov-fail-under 80'\n"}, Status.passed),
        ("TST003", {"setup.cfg": "[coverage:report]\nfail_under = 90\n"}, Status.passed),
        ("PY003", {"requirements.txt": "torch>=2.0.0\nnumpy\n"}, Status.failed),
        ("PY003", {"requirements.txt": "torch==2.3.1 \\\n    --hash=sha256:ab\nnumpy==1.26.4\n"}, Status.passed),
        ("PY003", {"requirements/prod.txt": "# pinned\nfastapi==0.111.0\n"}, Status.passed),
    ],
)  # fmt: skip
def test_the_ecosystems_common_ways_count(
    tmp_path: Path, check_id: str, files: Files, expected: Status
) -> None:
    tree: Files = {"pyproject.toml": PY, **TESTS, **files}
    assert status(tmp_path, check_id, tree) is expected


def test_a_git_ignored_lock_file_does_not_lock(tmp_path: Path) -> None:
    tree: Files = {"pyproject.toml": PY, "uv.lock": "version = 1\n", ".gitignore": "uv.lock\n"}
    assert status(tmp_path, "PY003", tree) is Status.failed


DOCKER_OK = "FROM python:3.12-slim\nUSER 10001\nHEALTHCHECK CMD true\n"


def test_dockerfiles_in_any_folder_are_checked(tmp_path: Path) -> None:
    found = result(tmp_path, "DOC001", {"docker/train/Dockerfile": "FROM python:3.12\nRUN x\n"})
    assert found.status is Status.failed
    assert (found.path, found.line) == ("docker/train/Dockerfile", 1)


def test_copy_from_an_unpinned_image_fails_doc003(tmp_path: Path) -> None:
    text = DOCKER_OK + "COPY --from=ghcr.io/astral-sh/uv:latest /uv /bin/\n"
    found = result(tmp_path, "DOC003", {"Dockerfile": text})
    assert found.status is Status.failed
    assert found.line == 4
    stage = "FROM python:3.12 AS build\nRUN x\n" + DOCKER_OK + "COPY --from=build /a /a\n"
    assert status(tmp_path / "b", "DOC003", {"Dockerfile": stage}) is Status.passed


def test_composite_actions_and_gitlab_includes_are_pinned(tmp_path: Path) -> None:
    action = "runs:\n  using: composite\n  steps:\n    - uses: actions/setup-python@v5\n"
    found = result(tmp_path, "CI004", {".github/actions/setup/action.yml": action})
    assert found.status is Status.failed
    assert (found.path, found.line) == (".github/actions/setup/action.yml", 4)
    gitlab = "include:\n  - project: org/ci\n    ref: main\n    file: /t.yml\n"
    assert status(tmp_path / "g", "CI004", {".gitlab-ci.yml": gitlab}) is Status.failed
    pinned = gitlab.replace("main", "a" * 40)
    assert status(tmp_path / "p", "CI004", {".gitlab-ci.yml": pinned}) is Status.passed


# Assembled at run time so that no scanner mistakes this file for a leak.
SECRETS = {
    "hugging face": "HF_TOKEN = 'hf_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z'\n",
    "openai": "OPENAI_API_KEY = 'sk-proj-" + "A" * 24 + "T3Blbk" + "FJ" + "b" * 24 + "'\n",
    "databricks": "token = 'dapi" + "0123456789abcdef" * 2 + "'\n",
    "wandb": "WANDB_API_KEY=" + "0123456789" * 4 + "\n",
    "aws secret": "aws_secret_access_key = "
    + "wJalrXUtnFEMI/K7MDENG/bPxRfiCY"
    + "zQ3kLm9PqR"
    + "\n",
    "redis": "REDIS_URL = 'redis://:" + "s3cr3tpw@cache.internal:6379/0'\n",
}


@pytest.mark.parametrize("kind", sorted(SECRETS))
def test_ml_ecosystem_tokens_are_found_with_their_line(tmp_path: Path, kind: str) -> None:
    found = result(tmp_path, "SEC004", {"src/settings.py": "import os\n" + SECRETS[kind]})
    assert found.status is Status.failed, kind
    assert (found.path, found.line) == ("src/settings.py", 2)


def test_fake_secrets_in_test_fixtures_are_not_leaks(tmp_path: Path) -> None:
    files: Files = {
        "tests/fixtures/settings.py": SECRETS["hugging face"],
        "tests/test_x.py": SECRETS["openai"],
        "testdata/.env": "A=1\n",
    }
    for check_id in ("SEC004", "SEC002"):
        assert status(tmp_path / check_id, check_id, files) is Status.passed


def test_secrets_are_found_outside_git_too(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "plain", {"app.py": SECRETS["databricks"]}, use_git=False)
    (found,) = run_checks(root, select=["SEC004"]).results
    assert (found.status, found.path, found.line) == (Status.failed, "app.py", 1)


def test_results_in_a_monorepo_folder_are_relative_to_the_repository(tmp_path: Path) -> None:
    root = make_repo(
        tmp_path / "mono",
        {
            "services/model/pyproject.toml": PY,
            "services/model/.env": "A=1\n",
            "services/model/train.py": SECRETS["hugging face"],
            ".github/workflows/ci.yml": workflow("pytest", uses="actions/checkout@v4"),
        },
    )
    report = run_checks(root / "services" / "model", select=["SEC", "CI004"])
    by_id = {r.id: r for r in report.results}
    assert (by_id["SEC002"].status, by_id["SEC002"].path) == (
        Status.failed,
        "services/model/.env",
    )
    assert by_id["SEC004"].path == "services/model/train.py"
    assert (by_id["CI004"].status, by_id["CI004"].path) == (Status.failed, WF)


def test_every_result_points_at_a_real_file(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"train.py": "x = 1\n", "Dockerfile": "FROM x\n"})
    git(root, "commit", "--quiet", "-m", "x")
    by_id = {r.id: r for r in run_checks(root).results}
    for found in by_id.values():
        if found.status is Status.failed and found.path:
            assert (root / found.path).is_file(), found
            assert found.line >= 1
    # A missing file is no place: no README.md:1 or train.py:1 for a missing LICENSE (issue 25).
    for check_id in ("GEN001", "GEN002", "GEN003", "CI001", "TST001"):
        assert (by_id[check_id].status, by_id[check_id].path) == (Status.failed, ""), check_id
    assert (by_id["DOC001"].path, by_id["DOC001"].line) == ("Dockerfile", 1)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("dvc.yaml", "stages:\n  train:\n    cmd: python train.py\n    outs:\n"),
        ("pyproject.toml", "tool = 1\n[project]\nname = 'x'\n"),
        ("dvc.yaml", "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        )),
        (".github/workflows/ci.yml", "a:" + " [" * 5000 + "]" * 5000 + "\n"),
        ("pyproject.toml", "a = " + "[" * 5000 + "]" * 5000 + "\n"),
        (".copier-answers.yml", "\xff\xfe not utf-8"),
    ],
)  # fmt: skip
def test_hostile_and_half_written_inputs_never_crash(tmp_path: Path, name: str, text: str) -> None:
    report = run_checks(make_repo(tmp_path / "r", {name: text, "train.py": "x = 1\n"}))
    assert report.results


def test_a_deep_folder_tree_and_symlink_loops_outside_git(tmp_path: Path) -> None:
    root = tmp_path / "deep"
    folder = root
    for _ in range(300):
        folder = folder / "d"
    folder.mkdir(parents=True)
    (folder / "x.py").write_text("x = 1\n", encoding="utf-8")
    (root / "loop").symlink_to(root)
    assert run_checks(root).results


def test_git_and_python_find_the_same_things(tmp_path: Path) -> None:
    """Large repositories are scanned by `git grep`, small ones in Python: same hits, same lines."""
    from mlops_new.standards import scan
    from mlops_new.standards.inputs import Repo
    from tests.standards.conftest import CONFLICT, PRIVATE_KEY

    files: Files = {f"src/s{i}.py": "x = 1\n" + text for i, text in enumerate(SECRETS.values())}
    files |= {"a.txt": CONFLICT, "k.pem": PRIVATE_KEY, "t.py": "import mlflow\n"}
    files |= {"docs/logo.svg": "<svg>" + SECRETS["databricks"] + "</svg>\n"}  # not scanned
    root = make_repo(tmp_path / "r", files)
    repo = Repo(root)
    by_git = scan.git_grep(root)
    by_python = scan.python_scan(repo.files, repo.text)
    assert by_git is not None
    assert {k: sorted(v) for k, v in by_git.items()} == {k: sorted(v) for k, v in by_python.items()}
    assert len(by_git["token"]) == len(SECRETS)
    git(root, "commit", "--quiet", "-m", "x")
    sizes = scan.index_sizes(root)
    assert sizes == {name: len(str(text).encode()) for name, text in files.items()}
    assert scan.index_sizes(root, at_least=40) == {n: s for n, s in sizes.items() if s >= 40}
    assert 0 < len(scan.index_sizes(root, at_least=40) or {}) < len(sizes)


def test_a_prefetched_grep_is_the_one_the_checks_use(tmp_path: Path) -> None:
    """`check` starts `git grep` and the listing before it imports the checks; the run takes
    them over."""
    from mlops_new.standards import scan
    from tests.standards.conftest import CONFLICT

    root = make_repo(tmp_path / "r", {"a.txt": CONFLICT, "b.py": "x = 1\n"})
    cold = run_checks(root, select=["GEN004"]).results
    scan.prefetch(root / "." / "")
    assert str(root.resolve()) in scan._STARTED
    warm = run_checks(root, select=["GEN004"]).results
    assert str(root.resolve()) not in scan._STARTED
    assert warm == cold
    assert warm[0].status is Status.failed
    assert warm[0].path == "a.txt"
    scan.prefetch(tmp_path / "nowhere")  # not a folder: nothing started, nothing raised
    assert str((tmp_path / "nowhere").resolve()) not in scan._STARTED


def test_large_files_of_a_large_repository_come_from_the_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past LARGE_REPOSITORY files, GEN006 reads git's index sizes instead of a stat per file."""
    from mlops_new.standards import inputs

    monkeypatch.setattr(inputs, "LARGE_REPOSITORY", 1)
    files: Files = {"data/big.csv": 11 * 1024 * 1024, "a.py": "x = 1\n", "b.py": "y = 2\n"}
    found = result(tmp_path, "GEN006", files)
    assert found.status is Status.failed
    assert "`data/big.csv`" in found.message
    assert "a.py" not in found.message


AWS_EXAMPLE = "AKIA" + "IOSFODNN7" + "EXAMPLE"
AWS_REAL_SHAPE = "AKIA" + "Q3ZR7TB2WXN4KLMP"
DB = "postgresql://ml:" + "s3cr3t"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("src/settings.py", f"KEY = '{AWS_EXAMPLE}'\n", Status.passed),
        ("src/settings.py", f"KEY = '{AWS_REAL_SHAPE}'  # pragma: allowlist secret\n", Status.passed),
        ("src/settings.py", f"KEY = '{AWS_REAL_SHAPE}'  # gitleaks:allow\n", Status.passed),
        ("src/settings.py", f"KEY = '{AWS_REAL_SHAPE}'\n", Status.failed),
        ("src/settings.py", f"URL = '{DB}@localhost:5432/runs'\n", Status.passed),
        ("src/settings.py", "URL = 'postgresql://ml:your-password@db.internal/runs'\n", Status.passed),
        ("src/settings.py", f"URL = '{DB}@db.internal/runs'\n", Status.failed),
        ("docs/deploy.md", f"export URL={DB}@db.example.com/runs\n", Status.passed),
        (".github/workflows/ci.yml", f"env:\n  URL: {DB}@postgres:5432/runs\n", Status.passed),
        ("requirements.txt", "git+https://bot:" + "ghp_" + "a1" * 18 + "@github.com/o/r\n", Status.failed),
    ],
)  # fmt: skip
def test_sec004_follows_the_secret_scanners_conventions(
    tmp_path: Path, name: str, text: str, expected: Status
) -> None:
    """Issue 25: 6 of SEC004's 7 failures on real repositories were documented examples,
    CI databases, AWS's example key and lines marked allowed for secret scanners."""
    assert status(tmp_path, "SEC004", {name: text}) is expected


SERVICE = "FROM python:3.12-slim\nUSER 10001\nEXPOSE 8000\nCMD uvicorn app:app\n"


@pytest.mark.parametrize(
    ("name", "text", "check_id", "expected"),
    [
        # found by name anywhere, tests/ too; a .dockerignore is not a Dockerfile
        ("tests/integration/Dockerfile-uv", "FROM python:3.12\n", "DOC001", Status.failed),
        ("docker/train.Dockerfile", "FROM python:3.12\n", "DOC001", Status.failed),
        ("Containerfile", "FROM python:3.12\n", "DOC001", Status.failed),
        ("tests/e2e/Dockerfile", "FROM python:3.12\nENV OPENAI_API_KEY=sk-x1\n", "DOC005", Status.failed),
        ("Dockerfile.dockerignore", "FROM python:latest\n", "DOC003", Status.skipped),
        ("tests/fixtures/Dockerfile", "FROM python:3.12\n", "DOC001", Status.skipped),
        # a stage of the same file, also through an ARG, is no unpinned base image
        ("Dockerfile", "ARG SOURCE=pip\nFROM python:3.12 AS build_pip\nFROM build_${SOURCE}\n", "DOC003", Status.passed),
        ("Dockerfile", "FROM python:3.12 AS build_pip\nFROM base_${SOURCE}\n", "DOC003", Status.failed),
        # a FROM scratch output stage is never run
        ("Dockerfile", "FROM python:3.12 AS build\nRUN make\nFROM scratch\nCOPY --from=build /out /\n", "DOC001", Status.skipped),
        ("Dockerfile", "FROM python:3.12 AS build\nFROM scratch\nENTRYPOINT [\"/app\"]\n", "DOC001", Status.failed),
        # HEALTHCHECK is for services; an empty ENV value bakes nothing
        ("Dockerfile", "FROM python:3.12\nUSER 1\nCMD python train.py\n", "DOC002", Status.skipped),
        ("Dockerfile", SERVICE, "DOC002", Status.failed),
        ("Dockerfile", SERVICE.replace("EXPOSE 8000\n", ""), "DOC002", Status.failed),
        ("Dockerfile", SERVICE + "HEALTHCHECK CMD curl -f localhost:8000\n", "DOC002", Status.passed),
        ("Dockerfile", "FROM node:20\nARG NPM_TOKEN\nENV NPM_TOKEN=\n", "DOC005", Status.passed),
        ("Dockerfile", "FROM node:20\nENV NPM_TOKEN abc\n", "DOC005", Status.failed),
    ],
)  # fmt: skip
def test_dockerfiles_are_found_and_judged_as_their_kind(
    tmp_path: Path, name: str, text: str, check_id: str, expected: Status
) -> None:
    """Issue 25: Dockerfiles under tests/ and named Dockerfile-uv were missed, stages built
    from ARGs called unpinned, FROM scratch output 'runs as root', HEALTHCHECK asked of jobs."""
    assert status(tmp_path, check_id, {name: text}) is expected


def test_an_image_whose_compose_file_publishes_a_port_is_a_service(tmp_path: Path) -> None:
    image = "FROM python:3.12\nUSER 1\n"
    compose = "services:\n  lab:\n    build: .\n    ports: ['8888:8888']\n"
    tree: Files = {"docker/Dockerfile": image, "docker/docker-compose.yml": compose}
    assert status(tmp_path, "DOC002", tree) is Status.failed
    assert status(tmp_path / "b", "DOC002", {"docker/Dockerfile": image}) is Status.skipped


@pytest.mark.parametrize(
    ("codecov", "expected"),
    [
        ("coverage:\n  status:\n    project:\n      default:\n        target: 90%\n", Status.passed),
        ("comment: false\n", Status.passed),  # Codecov's default statuses (target: auto)
        ("coverage:\n  status: false\n", Status.failed),
        # bentoml: both statuses `off` (YAML false); torchmetrics: both informational
        ("coverage:\n  status:\n    patch: off\n    project: off\n", Status.failed),
        (
            "coverage:\n  status:\n    project:\n      default:\n        informational: true\n"
            "    patch:\n      default:\n        informational: true\n",
            Status.failed,
        ),
        ("coverage:\n  status:\n    project:\n      default:\n        informational: true\n"
         "    patch: off\n", Status.failed),
        ("coverage:\n  status:\n    project: off\n    patch:\n      default:\n"
         "        target: 80%\n", Status.passed),
        # great_expectations: informational statuses, but flags must reach their targets
        ("coverage:\n  status:\n    project:\n      default:\n        informational: true\n"
         "    patch: off\nflag_management:\n  default_rules:\n    statuses:\n"
         "      - type: project\n        target: 80%\n", Status.passed),
    ],
)  # fmt: skip
def test_tst003_counts_codecov_statuses(tmp_path: Path, codecov: str, expected: Status) -> None:
    """Issue 25: TST003 failed on 17 of 17 repositories, most of which guard coverage with
    Codecov's statuses."""
    tree: Files = {"pyproject.toml": BARE_PYPROJECT, **TESTS, ".github/codecov.yml": codecov}
    assert status(tmp_path, "TST003", tree) is expected


LIBRARY = (
    BARE_PYPROJECT
    + 'requires-python = ">=3.10"\nclassifiers = ["Topic :: Software Development :: Libraries"]\n'
)
PUBLISH = workflow("uv build", uses="pypa/gh-action-pypi-publish@" + "a" * 40)


@pytest.mark.parametrize(
    ("tree", "expected"),
    [
        ({"pyproject.toml": LIBRARY}, Status.skipped),
        ({"pyproject.toml": BARE_PYPROJECT, ".github/workflows/release.yml": PUBLISH}, Status.skipped),
        ({"pyproject.toml": BARE_PYPROJECT, WF: workflow("uv build && uv publish")}, Status.skipped),
        ({"pyproject.toml": LIBRARY, "uv.lock": "version = 1\n"}, Status.passed),
        ({"pyproject.toml": "[tool.ruff]\n", "setup.py": "setup(name='x', classifiers=['A'])\n"}, Status.skipped),
        ({"pyproject.toml": LIBRARY, "dvc.yaml": "stages: {}\n"}, Status.failed),  # a pipeline
        ({"pyproject.toml": BARE_PYPROJECT}, Status.failed),  # an application
    ],
)  # fmt: skip
def test_py003_is_an_applications_standard(tmp_path: Path, tree: Files, expected: Status) -> None:
    """Issue 25: a lock file is an application's standard, not a library's."""
    found = result(tmp_path, "PY003", tree)
    assert found.status is expected, found.message
    if expected is Status.skipped:
        assert "a library" in found.message


JENKINSFILE = "pipeline {\n  stages {\n    stage('test') {\n      steps {\n        sh '''\n          make test\n        '''\n      }\n    }\n  }\n}\n"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("Jenkinsfile", JENKINSFILE),
        ("ci/Jenkinsfile.gpu", "node { sh(script: 'uv run pytest -q', returnStatus: true) }\n"),
        (".circleci/config.yml", "jobs:\n  t:\n    steps:\n      - checkout\n      - run:\n          command: make test\n"),
        ("azure-pipelines.yml", "steps:\n  - script: python -m pytest\n"),
        (".travis.yml", "script:\n  - tox\n"),
        (".prow.yaml", "presubmits:\n  - name: unit\n    spec:\n      containers:\n        - command: [make]\n          args: [test]\n"),
        ("bitbucket-pipelines.yml", "pipelines:\n  default:\n    - step:\n        script:\n          - pytest\n"),
    ],
)  # fmt: skip
def test_ci_systems_beyond_github_and_gitlab(tmp_path: Path, name: str, text: str) -> None:
    """Issue 25: on Jenkins, Prow, Azure Pipelines and CircleCI projects CI001 failed and
    every other CI check skipped."""
    tree: Files = {name: text, **TESTS, "Makefile": "test:\n\tpytest\n"}
    report = run_checks(make_repo(tmp_path / "repo", tree), select=["CI001", "CI002"])
    assert [r.status for r in report.results] == [Status.passed, Status.passed], report.results


INJECTED = 'echo "${{ github.event.issue.title }}"'


@pytest.mark.parametrize(
    ("tree", "expected"),
    [
        ({WF: workflow(INJECTED)}, Status.failed),
        ({WF: workflow('echo "${{ github.head_ref }}"')}, Status.failed),
        ({WF: workflow('echo "$TITLE" ${{ github.event.pull_request.number }} ${{ github.sha }}')}, Status.passed),
        ({".github/actions/a/action.yml": f"runs:\n  using: composite\n  steps:\n    - run: {INJECTED}\n      shell: bash\n"}, Status.failed),
        ({WF: "on: [issues]\npermissions: {}\njobs:\n  t:\n    runs-on: x\n    steps:\n      - uses: actions/github-script@" + "a" * 40 + "\n        with:\n          script: console.log('${{ github.event.comment.body }}')\n"}, Status.failed),
        ({WF: workflow("true").replace("steps:", "env:\n      T: ${{ github.event.issue.title }}\n    steps:")}, Status.passed),
    ],
)  # fmt: skip
def test_ci007_finds_template_injection(tmp_path: Path, tree: Files, expected: Status) -> None:
    found = result(tmp_path, "CI007", tree)
    assert found.status is expected, found.message
    if expected is Status.failed:
        assert found.line > 1


CHANGED = (
    "on: [pull_request]\npermissions: {}\njobs:\n  t:\n    runs-on: x\n    steps:\n"
    "      - uses: tj-actions/changed-files@" + "a" * 40 + "\n        id: changed\n"
    "      - uses: actions/setup-python@" + "a" * 40 + "\n        id: py\n"
    "      - run: RUN\n"
)


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        ('echo "${{ steps.changed.outputs.tasks_all_modified_files }}"', Status.failed),
        ('echo "${{ steps.changed.outputs.any_changed }}"', Status.passed),
        ('echo "${{ steps.py.outputs.cache_files }}"', Status.passed),
    ],
)  # fmt: skip
def test_ci007_finds_changed_file_names_in_scripts(
    tmp_path: Path, run: str, expected: Status
) -> None:
    """Issue 25 (lm-evaluation-harness): the names of the files a pull request changes,
    listed by tj-actions/changed-files, are an outsider's text pasted into the shell."""
    found = result(tmp_path, "CI007", {WF: CHANGED.replace("RUN", run)})
    assert found.status is expected, found.message


CHECKOUT = "      - uses: actions/checkout@" + "a" * 40 + "\n        with:\n          ref: {ref}\n"


@pytest.mark.parametrize(
    ("on", "ref", "expected"),
    [
        ("pull_request_target", "${{ github.event.pull_request.head.sha }}", Status.failed),
        ("pull_request_target", "refs/pull/${{ github.event.number }}/merge", Status.failed),
        ("workflow_run", "${{ github.event.workflow_run.head_branch }}", Status.failed),
        ("pull_request_target", "main", Status.passed),
        ("pull_request", "${{ github.event.pull_request.head.sha }}", Status.passed),
    ],
)  # fmt: skip
def test_ci008_finds_pwn_requests(tmp_path: Path, on: str, ref: str, expected: Status) -> None:
    text = workflow("make test").replace("[push]", f"[{on}]") + CHECKOUT.format(ref=ref)
    found = result(tmp_path, "CI008", {WF: text})
    assert found.status is expected, found.message


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("", Status.passed),  # a read-only checkout that publishes nothing
        ("      - uses: actions/upload-artifact@" + "b" * 40 + "\n", Status.failed),
        ("    permissions:\n      contents: write\n", Status.failed),
    ],
)  # fmt: skip
def test_ci006_judges_checkouts_that_could_leak(
    tmp_path: Path, extra: str, expected: Status
) -> None:
    """Issue 25: CI006 failed 17 of 19 repositories, most of whose tokens could go nowhere."""
    text = workflow("make test", uses="actions/checkout@" + "a" * 40)
    text = (
        text.replace("    steps:\n", extra + "    steps:\n")
        if "permissions" in extra
        else text + extra
    )
    assert status(tmp_path, "CI006", {WF: text}) is expected


def test_ci006_an_oidc_permission_is_not_a_writing_token(tmp_path: Path) -> None:
    text = workflow("uv build", uses="actions/checkout@" + "a" * 40)
    text = text.replace("    steps:\n", "    permissions:\n      id-token: write\n    steps:\n")
    assert status(tmp_path, "CI006", {WF: text}) is Status.passed


@pytest.mark.parametrize(
    ("tree", "expected"),
    [
        ({"pyproject.toml": BARE_PYPROJECT + 'dependencies = ["clearml"]\n', "clearml.conf": "api { }\n"}, Status.failed),
        ({"src/t.py": "from comet_ml import Experiment\n", ".cometml-runs/a.zip": "x\n"}, Status.failed),
        ({"src/t.py": "import aim\n", "aim_notes.md": "x\n"}, Status.passed),
        ({"tests/test_t.py": "import wandb\n", "wandb/run-1/x": "x\n"}, Status.skipped),  # only a test imports it
    ],
)  # fmt: skip
def test_trk003_covers_trackers_beyond_mlflow(
    tmp_path: Path, tree: Files, expected: Status
) -> None:
    """Issue 25: the tracking checks knew only MLflow."""
    assert status(tmp_path, "TRK003", tree) is expected


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ("astral-sh/setup-uv@" + "c" * 40, Status.failed),  # v6+ caches by default
        ("astral-sh/setup-uv@" + "c" * 40 + "\n        with:\n          enable-cache: false", Status.passed),
        ("astral-sh/setup-uv@v5", Status.passed),  # before v6: only when asked
        ("actions/cache@" + "d" * 40, Status.failed),
        ("actions/setup-python@" + "e" * 40, Status.passed),
    ],
)  # fmt: skip
def test_ci009_publishing_workflows_restore_no_cache(
    tmp_path: Path, step: str, expected: Status
) -> None:
    """zizmor's cache-poisoning: a release built from a cache a pull request may have written."""
    text = (
        "on:\n  push:\n    tags: ['v*']\npermissions: {}\njobs:\n  t:\n    runs-on: x\n    steps:\n"
    )
    text += f"      - uses: {step}\n      - run: uv build\n"
    assert status(tmp_path, "CI009", {WF: text}) is expected


def _release_workflow(build_cache: str, test_cache: str) -> str:
    pin = "@" + "a" * 40
    publish = "      - uses: pypa/gh-action-pypi-publish" + pin + "\n"
    return (
        "on:\n  push:\n    tags: ['*']\n  pull_request:\npermissions: {}\njobs:\n"
        "  tests:\n    runs-on: x\n    steps:\n" + test_cache + "      - run: pytest\n"
        "  build:\n    needs: tests\n    runs-on: x\n    steps:\n"
        + build_cache
        + "      - run: python -m build\n      - uses: actions/upload-artifact"
        + pin
        + "\n"
        "  publish:\n    needs: [build, tests]\n    runs-on: x\n    steps:\n" + publish
    )


@pytest.mark.parametrize(
    ("build_cache", "test_cache", "expected"),
    [
        ("", "      - uses: actions/cache@" + "d" * 40 + "\n", Status.passed),
        ("      - uses: actions/cache@" + "d" * 40 + "\n", "", Status.failed),
    ],
)
def test_ci009_judges_the_jobs_that_make_the_release(
    tmp_path: Path, build_cache: str, test_cache: str, expected: Status
) -> None:
    """Issue 25 (great_expectations): ci.yml runs its tests with pip caches on tags too, but
    the job that builds and publishes the package restores none; a cache in the build job
    that uploads what the publishing job releases counts."""
    text = _release_workflow(build_cache, test_cache)
    assert status(tmp_path, "CI009", {WF: text}) is expected


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"setup.py": 'setup(name="x", python_requires=">=3.9")\n'}, Status.passed),
        # great_expectations: a dict passed as setup(**config)
        ({"setup.py": 'config = {"name": "x", "python_requires": ">=3.9"}\nsetup(**config)\n'},
         Status.passed),
        ({"setup.py": "setup()\n", "setup.cfg": "[metadata]\nname = x\n[options]\npython_requires = >=3.9\n"},
         Status.passed),
        ({"setup.py": 'config = {"name": "x"}\nsetup(**config)\n'}, Status.failed),
    ],
)  # fmt: skip
def test_py002_reads_setuptools_metadata(
    tmp_path: Path, files: dict[str, str], expected: Status
) -> None:
    """Issue 25: a pyproject.toml of tool tables only, the metadata in setuptools' files."""
    tree: Files = {"pyproject.toml": "[tool.ruff]\nline-length = 100\n", **files}
    assert status(tmp_path, "PY002", tree) is expected
