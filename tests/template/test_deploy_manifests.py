"""deploy/ renders, for every deploy-enabled cell, to manifests Kubernetes accepts.

Rendering only (kubectl kustomize, kubernetes-validate --strict against a pinned
Kubernetes version): no uv sync, no cluster. After deploy/set-image.sh, as the
deploy workflow runs it, every container runs the image by digest.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.helpers import tool
from tests.template import matrix

KUBERNETES = "1.31.0"
DIGEST = "sha256:" + "ab" * 32
IMAGE = "ghcr.io/acme/churn"
CELLS = [c for c in matrix.cells() if matrix.defaults(c).get("deploy") == "kubernetes"]

# In CI (CI=true) kubectl must be there (.ci/run installs kubernetes-client): never skip.
pytestmark = pytest.mark.skipif(
    shutil.which("kubectl") is None and os.environ.get("CI") != "true", reason="needs kubectl"
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return matrix.template_copy(tmp_path_factory.mktemp("template") / "template")


def _kustomize(project: Path, overlay: str) -> list[dict[str, Any]]:
    out = subprocess.run(
        ["kubectl", "kustomize", f"deploy/overlays/{overlay}"],
        cwd=project,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


def _validate(path: Path) -> subprocess.CompletedProcess[str]:
    validate = Path(tool("kubernetes-validate"))
    return subprocess.run(
        [str(validate), "-k", KUBERNETES, "--strict", "--quiet", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def _images(docs: list[dict[str, Any]]) -> list[str]:
    found = []
    for doc in docs:
        spec = doc.get("spec", {})
        pod = spec.get("template", spec.get("jobTemplate", {}).get("spec", {}).get("template", {}))
        found += [c["image"] for c in pod.get("spec", {}).get("containers", [])]
    return found


@pytest.mark.parametrize("answers", CELLS, ids=[matrix.cell_id(c) for c in CELLS])
def test_overlays_render_validate_and_run_the_image_by_digest(
    template: Path, tmp_path: Path, answers: dict[str, Any]
) -> None:
    project = tmp_path / "project"
    used = matrix.render(template, project, answers)
    for overlay in ("staging", "production"):
        committed = _kustomize(project, overlay)
        rendered = tmp_path / f"{overlay}.yaml"
        rendered.write_text(yaml.safe_dump_all(committed), encoding="utf-8")
        result = _validate(rendered)
        assert result.returncode == 0, result.stdout + result.stderr
        kinds = {d["kind"] for d in committed}
        assert kinds == {
            "Deployment",
            "Service",
            "HorizontalPodAutoscaler",
            "PodDisruptionBudget",
            "NetworkPolicy",
            "ConfigMap",
            "CronJob",
        }
        assert {d["metadata"]["namespace"] for d in committed} == {
            f"{used['project_slug']}-{overlay}"
        }
        subprocess.run(
            ["sh", "deploy/set-image.sh", overlay, f"{IMAGE}@{DIGEST}"], cwd=project, check=True
        )
        docs = _kustomize(project, overlay)
        assert _images(docs) == [f"{IMAGE}@{DIGEST}"] * 2
        cron = next(d for d in docs if d["kind"] == "CronJob")
        command = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
        assert command["command"][:4] == ["python", "-m", used["package_name"], "score"]
    replicas = {
        o: next(d for d in _kustomize(project, o) if d["kind"] == "Deployment")["spec"]["replicas"]
        for o in ("staging", "production")
    }
    assert replicas["production"] > replicas["staging"]


def test_validation_rejects_a_field_kubernetes_does_not_know(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {portz: []}\n",
        encoding="utf-8",
    )
    assert _validate(bad).returncode != 0


@pytest.mark.parametrize("value", ["ghcr.io/acme/churn:latest", "ghcr.io/acme/churn@sha256:12"])
def test_set_image_refuses_a_reference_without_a_digest(
    template: Path, tmp_path: Path, value: str
) -> None:
    project = tmp_path / "project"
    matrix.render(template, project, {})
    result = subprocess.run(
        ["sh", "deploy/set-image.sh", "staging", value],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert value in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_owners_review_every_change_and_requests_carry_the_ml_checklist(
    template: Path, tmp_path: Path, ci: str
) -> None:
    folder = ".github" if ci == "github" else ".gitlab"
    request = "pull_request_template.md" if ci == "github" else "merge_request_templates/Default.md"
    with_owners = tmp_path / "with"
    matrix.render(template, with_owners, {"ci": ci, "owners": "@ada @acme/ml-team"})
    codeowners = (with_owners / folder / "CODEOWNERS").read_text(encoding="utf-8")
    assert "\n* @ada @acme/ml-team\n" in codeowners
    checklist = (with_owners / folder / request).read_text(encoding="utf-8")
    assert "dvc metrics diff main" in checklist
    assert "dvc params diff main" in checklist
    without = tmp_path / "without"
    matrix.render(template, without, {"ci": ci})
    assert not (without / folder / "CODEOWNERS").exists()


def test_without_the_image_there_is_nothing_to_deploy(template: Path, tmp_path: Path) -> None:
    """``deploy`` is asked only with ``docker``; a recorded ``kubernetes`` without it renders
    no manifests (``update -d docker=false`` removes them) rather than failing."""
    matrix.render(template, tmp_path / "p", {"docker": False, "deploy": "kubernetes"})
    assert not (tmp_path / "p" / "deploy").exists()
