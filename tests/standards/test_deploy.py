"""The production checks: Kubernetes manifests (DEP001-DEP003), deploy gates (CI010) and
health endpoints (DEP004), on small repositories written for each rule."""

from __future__ import annotations

from pathlib import Path

from mlops_new.standards import run_checks
from mlops_new.standards.model import CheckResult, Status
from tests.standards.conftest import Cli, Files, make_repo, payload

HARDENED = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      securityContext:
        runAsNonRoot: true
      containers:
        - name: server
          image: ghcr.io/acme/web:1.0
          resources:
            limits: {cpu: 500m, memory: 512Mi}
          readinessProbe:
            httpGet: {path: /health, port: 8080}
"""
BARE = """\
# a Service first: not a workload
apiVersion: v1
kind: Service
metadata:
  name: web
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: main
          image: acme/api:2
          securityContext:
            runAsNonRoot: false
          resources:
            limits: {memory: 1Gi}
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  jobTemplate:
    spec:
      template:
        spec:
          securityContext: {runAsNonRoot: true}
          containers:
            - name: train
              image: acme/train:2
              resources:
                limits: {cpu: "2", memory: 4Gi}
"""


def _results(root: Path, files: Files) -> dict[str, CheckResult]:
    report = run_checks(make_repo(root, files), select=["DEP", "CI010"])
    return {r.id: r for r in report.results}


def test_a_hardened_deployment_passes(tmp_path: Path) -> None:
    found = _results(tmp_path, {"k8s/web.yaml": HARDENED})
    assert {k: r.status for k, r in found.items() if k != "DEP004"} == {
        "DEP001": Status.passed,
        "DEP002": Status.passed,
        "DEP003": Status.passed,
        "CI010": Status.skipped,
    }


def test_each_finding_names_the_file_the_workload_and_the_container(tmp_path: Path) -> None:
    found = _results(tmp_path, {"deploy/base/all.yml": BARE})
    root_user, limits, probes = found["DEP001"], found["DEP002"], found["DEP003"]
    assert root_user.status is Status.failed
    assert "`deploy/base/all.yml` Deployment/api container `main`" in root_user.message
    assert "nightly" not in root_user.message  # the pod's runAsNonRoot covers it
    assert root_user.path == "deploy/base/all.yml"
    assert root_user.line == 7  # the Deployment's document, after the Service's
    assert "has no `resources.limits` cpu" in limits.message
    assert "nightly" not in limits.message
    assert probes.status is Status.failed
    assert "Deployment/api" in probes.message
    assert "CronJob" not in probes.message  # a job is not long-running
    assert "securityContext" in root_user.message or "runAsNonRoot" in root_user.message


def test_a_container_s_own_true_counts_and_jobs_need_no_probes(tmp_path: Path) -> None:
    job = (
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: train}\nspec:\n  template:\n"
        "    spec:\n      containers:\n        - name: t\n          image: acme/t:1\n"
        "          securityContext: {runAsNonRoot: true}\n"
    )
    found = _results(tmp_path, {"jobs/train.yaml": job})
    assert found["DEP001"].status is Status.passed
    assert found["DEP003"].status is Status.skipped  # no long-running workload


def test_helm_templates_kustomize_patches_and_broken_yaml_never_crash(tmp_path: Path) -> None:
    files: Files = {
        "chart/templates/deployment.yaml": HARDENED.replace("web", "{{ .Release.Name }}").replace(
            "runAsNonRoot: true", "runAsNonRoot: {{ .Values.nonRoot }}"
        ),
        "chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 0.1.0\n",
        "overlays/prod/patch.yaml": (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
            "spec:\n  template:\n    spec:\n      containers:\n        - name: server\n"
            "          env: [{name: X, value: y}]\n"
        ),
        "other/inline.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: {{ x }}}\n",
        "broken/pod.yaml": "apiVersion: v1\nkind: Pod\nspec: [unclosed\n",
    }
    found = _results(tmp_path, files)
    for check_id in ("DEP001", "DEP002", "DEP003"):
        assert found[check_id].status is Status.skipped, found[check_id]
    assert "`broken/pod.yaml` (line 1)" in found["DEP001"].message


WORKFLOW = """\
on:
  push:
    tags: ["v*"]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: kubectl get pods
  ship:
    runs-on: ubuntu-latest
    steps:
      - run: |
          kustomize build deploy/overlays/prod | kubectl apply -f -
  rollout:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - run: helm upgrade --install web ./chart
"""


def test_a_github_deploy_job_without_an_environment_fails(tmp_path: Path) -> None:
    found = _results(tmp_path, {".github/workflows/deploy.yml": WORKFLOW})
    gate = found["CI010"]
    assert gate.status is Status.failed
    assert "`ship` in `.github/workflows/deploy.yml`" in gate.message
    assert "rollout" not in gate.message
    assert "`test`" not in gate.message  # `kubectl get` changes nothing
    assert gate.line == 9
    gated = WORKFLOW.replace("  ship:\n", "  ship:\n    environment: {name: prod}\n")
    again = _results(tmp_path / "gated", {".github/workflows/deploy.yml": gated})
    assert again["CI010"].status is Status.passed


def test_publishing_an_image_on_a_tag_is_not_a_deployment(tmp_path: Path) -> None:
    release = (
        "on: {push: {tags: ['v*']}}\njobs:\n  image:\n    runs-on: x\n    steps:\n"
        "      - uses: docker/build-push-action@v6\n        with: {push: true}\n"
        "      - run: docker push ghcr.io/acme/app:1\n"
    )
    found = _results(tmp_path, {".github/workflows/release.yml": release})
    assert found["CI010"].status is Status.skipped


def test_gitlab_deploy_jobs_need_an_environment(tmp_path: Path) -> None:
    gitlab = """\
stages: [test, deploy]
.template:
  stage: deploy
  script: [kubectl apply -f k8s/]
test:
  stage: test
  script: [pytest]
production:
  stage: deploy
  script: [echo shipping]
staging:
  stage: test
  script: [helm upgrade --install web chart/]
  environment: staging
"""
    gate = _results(tmp_path, {".gitlab-ci.yml": gitlab})["CI010"]
    assert gate.status is Status.failed
    assert "`production` in `.gitlab-ci.yml` (stage deploy)" in gate.message
    assert "staging" not in gate.message
    assert ".template" not in gate.message


APP = """\
from fastapi import FastAPI

app = FastAPI(title="model")


@app.post("/predict")
def predict() -> dict[str, float]:
    return {"y": 1.0}
"""


def test_a_serving_app_without_a_health_route_fails(tmp_path: Path) -> None:
    found = _results(tmp_path, {"src/svc/app.py": APP})["DEP004"]
    assert found.status is Status.failed
    assert found.path == "src/svc/app.py"
    assert found.line == 3
    assert "FastAPI app declares no health route" in found.message


def test_a_health_route_in_a_router_module_passes(tmp_path: Path) -> None:
    router = 'from fastapi import APIRouter\n\nr = APIRouter()\n\n\n@r.get("/api/v1/healthz")\n'
    with_router = APP + "\napp.include_router(r)\n"
    files: Files = {"src/svc/app.py": with_router, "src/svc/api/routes.py": router}
    assert _results(tmp_path, files)["DEP004"].status is Status.passed
    files = {"src/svc/app.py": APP, "src/svc/api/routes.py": router}  # the app adds no router
    alone = _results(tmp_path / "alone", files)["DEP004"]
    assert alone.status is Status.failed


def test_another_app_s_health_route_does_not_count(tmp_path: Path) -> None:
    ping = "from flask import Flask\n\napp = Flask('ping')\n\n\n@app.route('/ping')\n"
    files: Files = {"ping/ping.py": ping, "gateway/gateway.py": APP}
    found = _results(tmp_path, files)["DEP004"]
    assert found.status is Status.failed
    assert found.path == "gateway/gateway.py"
    assert "ping/ping.py" not in found.message


def test_apps_in_examples_and_tests_are_not_judged(tmp_path: Path) -> None:
    files: Files = {
        "examples/serve.py": APP,
        "tests/test_app.py": APP,
        "src/pkg/other.py": "app = FastAPI()  # no import of the framework\n",
    }
    assert _results(tmp_path, files)["DEP004"].status is Status.skipped


def test_an_app_made_by_a_factory_is_judged(tmp_path: Path) -> None:
    flask = "import flask\n\n\ndef make():\n    app = flask.Flask(__name__)\n    return app\n"
    found = _results(tmp_path, {"src/pkg/factory.py": flask})["DEP004"]
    assert found.status is Status.failed
    assert found.line == 5
    healthy = flask.replace(
        "    return app", "    app.add_url_rule('/healthz', 'h', ok)\n    return app"
    )
    again = _results(tmp_path / "healthy", {"src/pkg/factory.py": healthy})["DEP004"]
    assert again.status is Status.passed


def test_json_carries_the_new_checks_severity(tmp_path: Path, check_cli: Cli) -> None:
    root = make_repo(tmp_path, {"k8s/all.yaml": BARE, "src/app.py": APP})
    result = check_cli(str(root), "--format", "json", "--select", "DEP")
    rows = {r["id"]: r for r in payload(result)["results"]}
    assert rows["DEP001"]["severity"] == "warning"
    assert rows["DEP001"]["status"] == "fail"
    assert rows["DEP004"]["severity"] == "info"
    assert rows["DEP004"]["url"].endswith("docs/checks.md#dep004")


def test_every_family_has_a_section_in_the_checks_docs() -> None:
    from mlops_new.standards.docs import FAMILIES, render
    from mlops_new.standards.runner import ALL_CHECKS

    assert {cls.family for cls in ALL_CHECKS} <= set(FAMILIES)
    text = render()
    for check_id in ("DEP001", "DEP002", "DEP003", "DEP004", "CI010"):
        assert f"### {check_id}" in text


def test_apps_are_found_outside_git_too(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {"src/svc/app.py": APP}, use_git=False)
    (result,) = run_checks(root, select=["DEP004"]).results
    assert result.status is Status.failed
    assert result.path == "src/svc/app.py"
