"""From a release to production and back, under act (host mode): deploy.yml, monitor.yml,
retrain.yml and ci.yml's review job of a generated project.

One project per module: rendered from this checkout's template, its pipeline
reproduced and pushed to a local DVC remote (``ci_local.release_model``), the
stand-ins committed. The tools that talk to the outside are stand-ins on the jobs'
PATH (``tests/e2e/stand-ins/bin``): ``kubectl`` records what each job applies (the
real kubectl renders the overlay) and keeps the Deployment's image and annotations;
``docker`` is a registry of images with digests and model labels; ``gh`` holds at
most one pull request. act does not gate environments: the approval itself is
GitHub's (required reviewers on ``production``); here the workflow must declare it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.e2e.test_act import PYTHON, _act, _with_stand_ins
from tests.support import ci_local
from tests.support.batches import batch
from tests.support.commands import REAL_UV_CACHE, run, uv_binary

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("ci-local")]

REPOSITORY = "Example/proj"
NAME = "ghcr.io/example/proj"  # lower case, as ghcr.io names it
CHAMPION = "sha256:" + "a" * 64
NEWER = "sha256:" + "b" * 64
OTHER = "sha256:" + "c" * 64
SHIFTED = "mean texture"


class Released:
    """The module's project, the wheel folder, the DVC remote, and act's arguments."""

    def __init__(self, root: Path) -> None:
        self.project, self.dist = ci_local.project_and_wheel(
            root, "-ddocker=true", "-ddeploy=kubernetes"
        )
        self.remote = root / "dvc-remote"
        run([uv_binary(), "run", "dvc", "remote", "modify", "local", "url", str(self.remote)],
            self.project)  # fmt: skip
        self.lineage = ci_local.release_model(self.project)
        _with_stand_ins(self.project)
        run(["git", "add", "-A"], self.project)
        run(["git", "commit", "--quiet", "--no-verify", "-m", "stand-ins"], self.project)
        run(["git", "tag", "v0.1.0"], self.project)
        self.lock = yaml.safe_load((self.project / "dvc.lock").read_text(encoding="utf-8"))

    def md5(self, path: str) -> str:
        for stage in self.lock["stages"].values():
            for out in stage.get("outs", []):
                if out["path"] == path:
                    return str(out["md5"])
        raise AssertionError(f"dvc.lock has no output {path}")

    def act(
        self, where: Path, out: Path, event: str, workflow: str, payload: dict[str, object],
        *args: str,
    ) -> tuple[int, str]:  # fmt: skip
        """``act EVENT`` on ``workflow`` in ``where``, the stand-ins first on PATH."""
        out.mkdir(parents=True, exist_ok=True)
        event_file = out / "event.json"
        event_file.write_text(json.dumps(payload), encoding="utf-8")
        stand_ins = where / ".stand-ins" / "bin"
        path = f"{stand_ins}{os.pathsep}{Path(uv_binary()).parent}{os.pathsep}{os.environ['PATH']}"
        argv = [_act(), event, "-e", str(event_file), "-W", f".github/workflows/{workflow}"]
        argv += ["-P", "ubuntu-latest=-self-hosted", "--env", f"PATH={path}"]
        argv += ["--env", f"UV_BIN_DIR={Path(uv_binary()).parent}", "--env", f"STAND_IN_OUT={out}"]
        argv += ["--env", f"REAL_KUBECTL={shutil.which('kubectl') or 'kubectl'}"]
        argv += ["--env", f"UV_FIND_LINKS={self.dist}", "--env", f"UV_CACHE_DIR={REAL_UV_CACHE}"]
        argv += ["--matrix", "os:ubuntu-latest", "--matrix", f"python:{PYTHON}"]
        argv += ["-s", "GITHUB_TOKEN=stand-in-token", "--env", f"GITHUB_REPOSITORY={REPOSITORY}"]
        argv += list(args)
        env = {**os.environ, "CI": "", "UV_FIND_LINKS": str(self.dist)}
        proc = subprocess.run(
            argv, cwd=where, capture_output=True, text=True, env=env, check=False, timeout=1800
        )
        return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Released:
    ci_local.need("kubectl", "install kubectl (it renders the overlays)")
    return Released(tmp_path_factory.mktemp("released"))


def _ok(outcome: tuple[int, str]) -> str:
    code, output = outcome
    assert code == 0, output[-8000:]
    return output


def _registry(out: Path, images: dict[str, tuple[str, str]]) -> None:
    """The docker stand-in's registry: ``TAG`` -> (digest, model md5)."""
    out.mkdir(parents=True, exist_ok=True)
    document = {
        f"{NAME}:{tag}": {
            "digest": digest,
            "labels": {"io.mlops-new.model.md5": md5, "io.mlops-new.model.version": "1"},
        }
        for tag, (digest, md5) in images.items()
    }
    (out / "registry.json").write_text(json.dumps(document), encoding="utf-8")


def _applied(out: Path) -> list[str]:
    log = out / "applied.log"
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def _dispatch(tag: str = "", rollback: str = "none", to: str = "previous") -> dict[str, object]:
    """deploy.yml's workflow_dispatch event: on ``tag`` (else the default branch)."""
    ref = f"refs/tags/{tag}" if tag else "refs/heads/main"
    return {"ref": ref, "ref_name": tag or "main", "inputs": {"rollback": rollback, "to": to}}


def test_production_needs_staging_declares_its_environment_and_deploys_the_same_digest(
    released: Released,
) -> None:
    workflow = yaml.safe_load(
        (released.project / ".github/workflows/deploy.yml").read_text(encoding="utf-8")
    )
    jobs = workflow["jobs"]
    assert jobs["staging"]["environment"] == "staging"
    assert jobs["production"]["environment"] == "production"
    assert "staging" in jobs["production"]["needs"]
    for job in ("staging", "production"):
        (step,) = [s for s in jobs[job]["steps"] if "rollout.sh" in s.get("run", "")]
        assert step["env"]["IMAGE"] == "${{ needs.resolve.outputs.image }}"
        # Secrets only inside environment jobs; OIDC is opt-in.
        assert "id-token" not in jobs[job]["permissions"]
    assert "secrets." not in yaml.safe_dump(jobs["resolve"])
    assert workflow["permissions"] == {}


def test_staging_then_production_apply_the_champions_digest_and_rollback_the_previous(
    released: Released, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    champion = released.md5("models/model.joblib")
    # The label release.yml builds with is the md5 dvc.lock records for the champion.
    assert f"MODEL_MD5={champion}" in released.lineage
    _registry(out, {"0.1.0": (CHAMPION, champion), "0.1.1": (NEWER, champion),
                    "0.2.0": (OTHER, "0" * 32)})  # fmt: skip
    secret = ("-s", "KUBECONFIG=apiVersion: v1\nkind: Config\n")
    project = released.project

    # An image whose model is not dvc.lock's champion is refused before any apply.
    code, output = released.act(project, out, "workflow_dispatch", "deploy.yml",
                                _dispatch("v0.2.0"), *secret)  # fmt: skip
    assert code != 0, output[-4000:]
    assert "not the champion dvc.lock records at v0.2.0" in output, output[-4000:]
    assert _applied(out) == []

    _ok(released.act(project, out, "workflow_dispatch", "deploy.yml", _dispatch("v0.1.0"),
                     *secret))  # fmt: skip
    assert _applied(out) == [
        f"proj-staging {NAME}@{CHAMPION}",
        f"proj-production {NAME}@{CHAMPION}",
    ]
    rendered = (out / "applied-0.yaml").read_text(encoding="utf-8")
    assert f"image: {NAME}@{CHAMPION}" in rendered
    assert "kind: Deployment" in rendered

    _ok(released.act(project, out, "workflow_dispatch", "deploy.yml", _dispatch("v0.1.1"),
                     *secret))  # fmt: skip
    assert _applied(out)[2:] == [f"proj-staging {NAME}@{NEWER}", f"proj-production {NAME}@{NEWER}"]

    # One input rolls production back to the digest it ran before; staging stays.
    _ok(released.act(project, out, "workflow_dispatch", "deploy.yml",
                     _dispatch(rollback="production"), *secret))  # fmt: skip
    assert _applied(out)[4:] == [f"proj-production {NAME}@{CHAMPION}"]
    cluster = out / "cluster"
    assert json.loads((cluster / "proj-staging.json").read_text())["image"] == f"{NAME}@{NEWER}"

    # Without the environment's KUBECONFIG nothing is applied.
    code, output = released.act(project, out, "workflow_dispatch", "deploy.yml",
                                _dispatch(rollback="staging"))  # fmt: skip
    assert code != 0
    assert "has no secret KUBECONFIG" in output, output[-4000:]
    assert len(_applied(out)) == 5


def _batch(released: Released, path: Path, *, shift: str | None) -> Path:
    """3,000 training rows (from the DVC remote), features only; ``shift``: +3 sd."""
    md5 = released.md5("data/prepared/train.csv")
    source = released.remote / "files" / "md5" / md5[:2] / md5[2:]
    return batch(source, path, shift=shift, labels=False)


def test_monitor_passes_the_training_distribution_and_fails_on_a_shifted_batch(
    released: Released, tmp_path: Path
) -> None:
    same = _batch(released, tmp_path / "same.csv", shift=None)
    out = tmp_path / "same"
    output = _ok(released.act(released.project, out, "workflow_dispatch", "monitor.yml",
                              {"inputs": {"data": str(same)}}))  # fmt: skip
    assert "Compared 3000 rows" in output, output[-4000:]
    assert not (out / "gh.log").exists()  # no drift: no retraining

    shifted = _batch(released, tmp_path / "shifted.csv", shift=SHIFTED)
    out = tmp_path / "shifted"
    code, output = released.act(released.project, out, "workflow_dispatch", "monitor.yml",
                                {"inputs": {"data": str(shifted)}})  # fmt: skip
    assert code != 0, output[-4000:]
    assert f"drift: '{SHIFTED}'" in output, output[-4000:]
    assert f"| {SHIFTED} |" in output, output[-4000:]  # the report, in the job summary
    # The drift starts retrain.yml.
    assert "gh workflow run retrain.yml" in (out / "gh.log").read_text(encoding="utf-8")


def _clone(released: Released, tmp_path: Path) -> tuple[Path, Path]:
    """A bare "origin" of the project and a clone of it to work in."""
    origin = tmp_path / "origin.git"
    run(["git", "clone", "--quiet", "--bare", str(released.project), str(origin)], tmp_path)
    work = tmp_path / "work"
    run(["git", "clone", "--quiet", str(origin), str(work)], tmp_path)
    for key, value in (("user.name", "t"), ("user.email", "t@example.com")):
        run(["git", "config", key, value], work)
    return origin, work


def _new_seed(work: Path, seed: int) -> None:
    params = work / "params.yaml"
    text = params.read_text(encoding="utf-8")
    params.write_text(text.replace("seed: 42", f"seed: {seed}", 1), encoding="utf-8")
    run(["git", "commit", "--quiet", "--no-verify", "-am", f"seed {seed}"], work)


def test_retrain_opens_one_pull_request_with_the_metrics_diff_and_the_promote_decision(
    released: Released, tmp_path: Path
) -> None:
    origin, work = _clone(released, tmp_path)
    _new_seed(work, 7)  # stands in for fresh data: the retrained model differs
    run(["git", "push", "--quiet", "origin", "HEAD"], work)
    out = tmp_path / "out"
    _ok(released.act(work, out, "workflow_dispatch", "retrain.yml", {"inputs": {}}))
    body = (out / "pr-body.md").read_text(encoding="utf-8")
    assert "**Promote decision:** roc_auc = " in body, body
    assert "| Path " in body, body  # dvc metrics diff --md
    assert "| metrics/metrics.json | roc_auc " in body, body
    assert "### Model card diff" in body, body
    assert "+++ b/reports/model_card.md" in body, body
    branch = run(["git", "log", "--format=%s", "-1", "retrain/model"], origin).strip()
    assert branch == "Retrain the model"
    pushed = run(["git", "show", "retrain/model:dvc.lock"], origin)
    assert pushed != run(["git", "show", "HEAD:dvc.lock"], origin)

    # A second run updates that pull request: still exactly one.
    _ok(released.act(work, out, "workflow_dispatch", "retrain.yml", {"inputs": {}}))
    calls = (out / "gh.log").read_text(encoding="utf-8").splitlines()
    assert [c.split()[:3] for c in calls if c.startswith("gh pr c") or c.startswith("gh pr e")] == [
        ["gh", "pr", "create"],
        ["gh", "pr", "edit"],
    ], calls


def test_the_review_job_summarises_params_metrics_and_the_promote_verdict(
    released: Released, tmp_path: Path
) -> None:
    _, work = _clone(released, tmp_path)
    run(["git", "switch", "--quiet", "--create", "feature"], work)
    _new_seed(work, 11)
    out = tmp_path / "out"
    event: dict[str, object] = {
        "pull_request": {"number": 1, "base": {"ref": "main"}, "head": {"ref": "feature"}}
    }
    output = _ok(released.act(work, out, "pull_request", "ci.yml", event, "-j", "review"))
    assert "Model review against main" in output, output[-4000:]
    assert "| params.yaml | seed " in output, output[-4000:]  # dvc params diff --md
    assert "metrics/metrics.json" in output, output[-4000:]
    assert "threshold 0.95: " in output, output[-4000:]
