"""Every check passes, fails and skips on small inline repositories."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_new.standards import ALL_CHECKS, Check, Status, run_checks
from tests.standards.conftest import (
    ANSWERS,
    AWS_KEY,
    BARE_PYPROJECT,
    CONFLICT,
    DOCKERFILE,
    DVC_CONFIG,
    DVC_YAML,
    LOCAL_DVC_CONFIG,
    MLFLOW_CODE,
    PRIVATE_KEY,
    PYPROJECT,
    WORKFLOW,
    Files,
    make_repo,
)

WF = ".github/workflows/ci.yml"
README: Files = {"README.md": "# x\n"}
K8S = "k8s/web.yaml"
WORKLOAD = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      securityContext: {runAsNonRoot: true}
      containers:
        - name: web
          image: acme/web:1
          resources: {limits: {cpu: 500m, memory: 256Mi}}
          readinessProbe: {httpGet: {path: /health, port: 8080}}
"""
DEPLOY_JOB = """\
on: {push: {branches: [main]}}
jobs:
  ship:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - run: helm upgrade --install web chart/
"""
SERVING_APP = (
    'from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get("/health")\n'
    'def health() -> dict[str, str]:\n    return {"status": "ok"}\n'
)
TESTS: Files = {"tests/test_a.py": "def test_a() -> None:\n    pass\n"}
NO_GIT = "no-git"
TARGET = WORKFLOW.replace("on: [push]", "on: [pull_request_target]")
RELEASE = WORKFLOW.replace("on: [push]", "on: [release]").replace(
    "      - run: uv run pytest\n",
    "      - uses: actions/setup-python@" + "b" * 40 + "\n        with:\n          cache: false\n",
)
LIBRARY = BARE_PYPROJECT + 'classifiers = ["Topic :: Software Development :: Libraries"]\n'
JOURNAL = '{"state": "applying", "project": "p", "prefix": "", "old_head": "0", "tree": "0"}'

# id -> (passing tree, failing tree, skipped tree); a tree tagged NO_GIT is not a git repo.
CASES: dict[str, tuple[Files, Files, Files]] = {
    "TPL001": (
        {
            ".copier-answers.yml": ANSWERS,
            ".mlops-new-policy.toml": '[policy]\nmin_version = "0.1.0"\n',
        },
        {
            ".copier-answers.yml": ANSWERS,
            ".mlops-new-policy.toml": '[policy]\nmin_version = "0.2.0"\n',
        },
        {".copier-answers.yml": ANSWERS},
    ),
    "TPL002": (
        {
            ".copier-answers.yml": ANSWERS,
            ".mlops-new-policy.toml": '[policy.locked]\nci = "github"\n',
        },
        {
            ".copier-answers.yml": ANSWERS,
            ".mlops-new-policy.toml": '[policy.locked]\nci = "gitlab"\n',
        },
        {**README, ".mlops-new-policy.toml": '[policy.locked]\nci = "gitlab"\n'},
    ),
    "TPL003": (
        {".copier-answers.yml": ANSWERS},
        {".copier-answers.yml": "_commit: v0.1.0\n"},
        README,
    ),
    "TPL004": (
        {".copier-answers.yml": ANSWERS},
        {".copier-answers.yml": ANSWERS, ".git/mlops-new/journal.json": JOURNAL},
        README,
    ),
    "GEN001": (README, {"a.txt": "x\n"}, {}),
    "GEN002": ({"LICENSE": "MIT\n"}, README, {}),
    "GEN003": ({".gitignore": ".venv/\n"}, README, {}),
    "GEN004": ({"a.py": "x = 1\n"}, {"a.py": CONFLICT}, {}),
    "GEN005": ({"a.py": "x = 1\n"}, {"a.py.rej": "@@\n"}, {}),
    "GEN006": ({"data.csv": 1000}, {"data.csv": 11 * 1024 * 1024}, {NO_GIT: "", **README}),
    "GEN008": (
        {"models/model.pt": "lfs pointer\n", ".gitattributes": "*.pt filter=lfs diff=lfs\n"},
        {"models/model.pt": "weights\n"},
        {NO_GIT: "", "models/model.pt": "weights\n"},
    ),
    "GEN009": (
        {"notebooks/a.ipynb": '{"cells": [{"outputs": []}]}'},
        {"notebooks/a.ipynb": '{"cells": [{"outputs": [{"text": "1"}]}]}'},
        README,
    ),
    "GEN007": ({".pre-commit-config.yaml": "repos: []\n"}, README, {}),
    "PY001": ({"pyproject.toml": PYPROJECT}, {"a.py": "x = 1\n"}, README),
    "PY002": ({"pyproject.toml": PYPROJECT}, {"pyproject.toml": BARE_PYPROJECT}, README),
    "PY003": (
        {"pyproject.toml": PYPROJECT, "uv.lock": "version = 1\n"},
        {"pyproject.toml": PYPROJECT},
        README,
    ),
    "PY004": ({"pyproject.toml": PYPROJECT}, {"pyproject.toml": BARE_PYPROJECT}, README),
    "PY005": ({"pyproject.toml": PYPROJECT}, {"pyproject.toml": BARE_PYPROJECT}, README),
    "TST001": (TESTS, {"a.py": "x = 1\n"}, README),
    "TST002": (
        {"pyproject.toml": PYPROJECT, **TESTS},
        {"pyproject.toml": BARE_PYPROJECT, **TESTS},
        {"a.py": ""},
    ),
    "TST003": (
        {"pyproject.toml": PYPROJECT, **TESTS},
        {"pyproject.toml": BARE_PYPROJECT, **TESTS},
        {"a.py": ""},
    ),
    "DVC001": ({"dvc.yaml": DVC_YAML}, {"dvc.yaml": "stages: {}\n"}, README),
    "DVC002": (
        {"dvc.yaml": DVC_YAML, ".dvc/config": DVC_CONFIG},
        {"dvc.yaml": DVC_YAML, ".dvc/config": "[core]\n    autostage = true\n"},
        README,
    ),
    "DVC003": (
        {"dvc.yaml": DVC_YAML, "params.yaml": "seed: 1\n"},
        {"dvc.yaml": "stages:\n  a:\n    cmd: echo\n", "params.yaml": "seed: 1\n"},
        {"dvc.yaml": DVC_YAML},
    ),
    "TRK004": (
        {".copier-answers.yml": "tracking: mlflow\nmlflow_tracking_uri: https://mlflow.acme\n"},
        {".copier-answers.yml": "tracking: mlflow\nmlflow_tracking_uri: ''\n"},
        {".copier-answers.yml": "tracking: dvclive\n"},
    ),
    "DVC005": (
        {"dvc.yaml": DVC_YAML, ".dvc/config": DVC_CONFIG},
        {"dvc.yaml": DVC_YAML, ".dvc/config": LOCAL_DVC_CONFIG},
        {"dvc.yaml": DVC_YAML, ".dvc/config": "[core]\n    autostage = true\n"},
    ),
    "DVC004": (
        {"dvc.yaml": DVC_YAML, "metrics.json": "{}\n"},
        {"dvc.yaml": DVC_YAML, "models/model.pkl": "weights\n"},
        {NO_GIT: "", "dvc.yaml": DVC_YAML},
    ),
    "CI001": ({WF: WORKFLOW}, README, {".copier-answers.yml": ANSWERS.replace("github", "none")}),
    "CI002": ({WF: WORKFLOW, **TESTS}, {WF: WORKFLOW.replace("pytest", "ruff"), **TESTS}, TESTS),
    "CI003": (
        {WF: WORKFLOW, "dvc.yaml": DVC_YAML},
        {WF: WORKFLOW.replace("dvc repro", "ls"), "dvc.yaml": DVC_YAML},
        {WF: WORKFLOW},
    ),
    "CI004": (
        {WF: WORKFLOW},
        {WF: WORKFLOW.replace("de0fac2e4500dabe0009e67214ff5f5447ce83dd", "v4")},
        README,
    ),
    "CI005": (
        {WF: WORKFLOW},
        {WF: WORKFLOW.replace("permissions: {}\n", "").replace("permissions:\n", "env:\n")},
        README,
    ),
    "CI006": (
        {WF: WORKFLOW.replace("persist-credentials: false", "fetch-depth: 0")},
        {WF: TARGET.replace("persist-credentials: false", "fetch-depth: 0")},
        README,
    ),
    "CI007": (
        {WF: WORKFLOW.replace("uv run pytest", 'echo "${{ github.event.pull_request.number }}"')},
        {WF: WORKFLOW.replace("uv run pytest", 'echo "${{ github.event.pull_request.title }}"')},
        README,
    ),
    "CI008": (
        {WF: TARGET},
        {WF: TARGET.replace("false", "false\n          ref: ${{ github.head_ref }}")},
        README,
    ),
    "CI009": (
        {WF: RELEASE},
        {WF: RELEASE.replace("cache: false", "cache: pip")},
        {WF: WORKFLOW},
    ),
    "TRK001": (
        {"src/t.py": MLFLOW_CODE},
        {"src/t.py": "import mlflow\n\nmlflow.set_tracking_uri('http://10.0.0.1:5000')\n"},
        {"src/t.py": "import os\n"},
    ),
    "TRK002": (
        {"src/t.py": MLFLOW_CODE},
        {"src/t.py": MLFLOW_CODE, "mlruns/0/meta.yaml": "x\n"},
        {"src/t.py": ""},
    ),
    "TRK003": (
        {"train.py": "import wandb\n", ".gitignore": "wandb/\n"},
        {"train.py": "import wandb\n", "wandb/run-20240101_000000-abc/files/config.yaml": "x\n"},
        {"train.py": "import os\n"},
    ),
    "DOC001": (
        {"Dockerfile": DOCKERFILE},
        {"Dockerfile": DOCKERFILE.replace("USER 10001:10001", "USER root")},
        README,
    ),
    "DOC002": (
        {"Dockerfile": DOCKERFILE},
        {"Dockerfile": DOCKERFILE.replace("HEALTHCHECK", "EXPOSE 8000\nLABEL x=")},
        README,
    ),
    "DOC003": (
        {"Dockerfile": DOCKERFILE},
        {"Dockerfile": DOCKERFILE.replace("3.12-slim\nRUN use", "latest\nRUN use")},
        README,
    ),
    "DOC004": (
        {"Dockerfile": DOCKERFILE, ".dockerignore": ".git\n"},
        {"Dockerfile": DOCKERFILE},
        README,
    ),
    "DOC005": (
        {"Dockerfile": DOCKERFILE},
        {"Dockerfile": DOCKERFILE + "ENV API_TOKEN=abc123\n"},
        README,
    ),
    "SEC001": ({"a.py": "x = 1\n"}, {"deploy.pem": PRIVATE_KEY}, {}),
    "SEC002": ({".env.example": "A=\n"}, {".env": "A=1\n"}, {NO_GIT: "", ".env": "A=1\n"}),
    "SEC003": (
        {".dvc/config": DVC_CONFIG},
        {".dvc/config": DVC_CONFIG + "    secret_access_key = abc\n"},
        README,
    ),
    "SEC004": ({"a.py": "x = 1\n"}, {"settings.py": f"KEY = '{AWS_KEY}'\n"}, {}),
    "SEC006": (
        {"pyproject.toml": LIBRARY, "SECURITY.md": "Report privately.\n"},
        {"pyproject.toml": LIBRARY},
        {"pyproject.toml": PYPROJECT},
    ),
    "SEC005": ({WF: WORKFLOW, ".github/dependabot.yml": "version: 2\n"}, {WF: WORKFLOW}, README),
    "CI010": (
        {".github/workflows/deploy.yml": DEPLOY_JOB},
        {".github/workflows/deploy.yml": DEPLOY_JOB.replace("    environment: production\n", "")},
        {WF: WORKFLOW},
    ),
    "DEP001": (
        {K8S: WORKLOAD},
        {K8S: WORKLOAD.replace("securityContext: {runAsNonRoot: true}", "hostNetwork: false")},
        README,
    ),
    "DEP002": ({K8S: WORKLOAD}, {K8S: WORKLOAD.replace("cpu: 500m, ", "")}, README),
    "DEP003": (
        {K8S: WORKLOAD},
        {K8S: WORKLOAD.replace("readinessProbe", "startupProbe")},
        {K8S: WORKLOAD.replace("Deployment", "Job")},
    ),
    "DEP004": (
        {"src/app.py": SERVING_APP},
        {"src/app.py": SERVING_APP.replace("/health", "/predict")},
        {"src/app.py": "import fastapi\n"},
    ),
}


def _status(tmp_path: Path, check_id: str, files: Files) -> tuple[Status, str]:
    use_git = NO_GIT not in files
    tree = {k: v for k, v in files.items() if k != NO_GIT}
    root = make_repo(tmp_path / "repo", tree, use_git=use_git)
    (result,) = run_checks(root, select=[check_id]).results
    assert result.id == check_id
    return result.status, result.message


def test_every_check_has_cases_and_docs() -> None:
    ids = [cls.id for cls in ALL_CHECKS]
    assert len(ids) >= 25
    assert len(set(ids)) == len(ids)
    assert sorted(CASES) == sorted(ids)
    docs = (Path(__file__).resolve().parents[2] / "docs" / "checks.md").read_text(encoding="utf-8")
    for cls in ALL_CHECKS:
        assert f"## {cls.id}" in docs, f"docs/checks.md does not document {cls.id}"
        assert cls().url.endswith(f"docs/checks.md#{cls.id.lower()}")
        assert cls.__doc__, f"{cls.id} has no rationale (its docstring)"
        assert cls.__doc__ is not Check.__doc__


def test_docs_checks_md_is_generated_from_the_classes() -> None:
    from mlops_new.standards.docs import render

    docs = Path(__file__).resolve().parents[2] / "docs" / "checks.md"
    assert docs.read_text(encoding="utf-8") == render(), (
        "docs/checks.md is stale: run `python -m mlops_new.standards.docs`"
    )


@pytest.mark.parametrize("check_id", sorted(CASES))
def test_passes(tmp_path: Path, check_id: str) -> None:
    status, message = _status(tmp_path, check_id, CASES[check_id][0])
    assert status is Status.passed, message


@pytest.mark.parametrize("check_id", sorted(CASES))
def test_fails_with_a_fix(tmp_path: Path, check_id: str) -> None:
    status, message = _status(tmp_path, check_id, CASES[check_id][1])
    assert status is Status.failed
    assert message.strip()


@pytest.mark.parametrize("check_id", sorted(CASES))
def test_skips_when_it_does_not_apply(tmp_path: Path, check_id: str) -> None:
    status, message = _status(tmp_path, check_id, CASES[check_id][2])
    assert status is Status.skipped, message


def test_unparsable_inputs_fail_instead_of_crashing(tmp_path: Path) -> None:
    files: Files = {
        "pyproject.toml": "[project\n",
        "dvc.yaml": "stages: [\n",
        WF: "jobs: [\n",
        ".copier-answers.yml": "_commit: [\n",
        "Dockerfile": "\\\n",
    }
    report = run_checks(make_repo(tmp_path, files))
    by_id = {r.id: r for r in report.results}
    for check_id in ("PY001", "DVC001", "CI001", "TPL003"):
        assert by_id[check_id].status is Status.failed, by_id[check_id]
    assert "not valid" in by_id["PY001"].message


def test_a_tag_only_release_workflow_is_not_ci(tmp_path: Path) -> None:
    release = "on:\n  push:\n    tags: ['v*']\npermissions: {}\njobs: {}\n"
    status, message = _status(tmp_path, "CI001", {".github/workflows/release.yml": release})
    assert status is Status.failed
    assert "pull requests" in message


def test_gitlab_ci_counts_and_its_scripts_are_read(tmp_path: Path) -> None:
    gitlab = "test:\n  script:\n    - uv run pytest\npipeline:\n  script: uv run dvc repro\n"
    files: Files = {".gitlab-ci.yml": gitlab, "dvc.yaml": DVC_YAML, **TESTS}
    report = run_checks(make_repo(tmp_path, files), select=["CI"])
    found = {r.id: r.status for r in report.results}
    assert found["CI001"] is found["CI002"] is found["CI003"] is Status.passed
    assert found["CI004"] is Status.passed  # no includes of other projects


def test_github_annotations_escape_newlines_and_commas(tmp_path: Path) -> None:
    from mlops_new.standards.serialise import to_github

    files: Files = {"a, b.py.rej": "x\n", "c.rej": "y\n"}
    report = run_checks(make_repo(tmp_path, files), select=["GEN005"])
    (line, summary) = to_github(report).splitlines()
    assert line.startswith(
        "::warning file=a%2C b.py.rej,line=1,title=GEN005 (warning) No .rej or .orig files left "
        "from merges::"
    )
    assert "\n" not in line
    assert summary.startswith("mlops-new check: 0 pass, 1 fail")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("url = 'postgresql://ml:s3cr3t@db.internal/runs'\n", Status.failed),
        ("Use `scheme://user:password@host` or ${DB_URL}\n", Status.passed),
        ("url = 'postgresql://ml:${DB_PASSWORD}@db.internal/runs'\n", Status.passed),
    ],
)
def test_url_passwords_but_not_placeholders(tmp_path: Path, text: str, expected: Status) -> None:
    assert _status(tmp_path, "SEC004", {"settings.py": text})[0] is expected


def test_tests_may_hard_code_a_throwaway_tracking_store(tmp_path: Path) -> None:
    code = "import mlflow\n\nmlflow.set_tracking_uri('sqlite:///tmp.db')\n"
    files: Files = {"src/t.py": MLFLOW_CODE, "tests/test_t.py": code}
    assert _status(tmp_path, "TRK001", files)[0] is Status.passed


def test_a_dvc_dependency_or_versioned_data_calls_for_no_pipeline(tmp_path: Path) -> None:
    dependent = '[project]\nname = "x"\ndependencies = ["dvc[s3]>=3"]\n'
    status, message = _status(tmp_path / "a", "DVC001", {"pyproject.toml": dependent})
    assert (status, "`dvc` is a dependency" in message) == (Status.skipped, True)
    data: Files = {"data.csv.dvc": "outs:\n- md5: x\n  path: data.csv\n", ".dvc/config": DVC_CONFIG}
    status, message = _status(tmp_path / "b", "DVC001", data)
    assert (status, "DVC versions data here" in message) == (Status.skipped, True)
    status, message = _status(tmp_path / "n", "DVC001", README)  # no DVC at all (issue 25)
    assert (status, "does not use DVC" in message) == (Status.skipped, True)
    assert _status(tmp_path / "c", "DVC002", data)[0] is Status.passed


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("s3://bucket/path", Status.passed),
        ("ssh://user@host/srv/dvc", Status.passed),
        ("/mnt/team/dvc", Status.passed),
        ("~/dvc-storage", Status.passed),
        ("C:\\dvc", Status.passed),
        ("../proj-dvc-storage", Status.failed),
        ("storage", Status.failed),
    ],
)
def test_a_relative_default_remote_is_single_machine(
    tmp_path: Path, url: str, expected: Status
) -> None:
    config = f"[core]\n    remote = team\n['remote \"team\"']\n    url = {url}\n"
    status, message = _status(tmp_path, "DVC005", {"dvc.yaml": DVC_YAML, ".dvc/config": config})
    assert status is expected, message
    if expected is Status.failed:
        assert f"`{url}`" in message


def test_a_generated_project_that_deleted_its_dockerfile_fails(tmp_path: Path) -> None:
    answers = "_commit: v0.3.0\n_src_path: ~/.mlops-new/template\ndocker: true\n"
    status, message = _status(tmp_path, "DOC001", {".copier-answers.yml": answers})
    assert status is Status.failed
    assert "`mlops-new restore Dockerfile`" in message
    without = "_commit: v0.3.0\n_src_path: ~/.mlops-new/template\ndocker: false\n"
    status, _ = _status(tmp_path / "off", "DOC001", {".copier-answers.yml": without})
    assert status is Status.skipped


def test_mlops_new_passes_its_own_check() -> None:
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        pytest.skip("not a git checkout")
    report = run_checks(root)
    failed = [(r.id, r.path, r.message) for r in report.results if r.status is Status.failed]
    assert not failed
    assert report.ok
    assert not report.warnings
