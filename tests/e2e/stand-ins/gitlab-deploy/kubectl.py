"""Stand-in kubectl for the GitLab deploy jobs (tests/e2e/test_gitlab_deploy.py).

A cluster of one kind of object: Deployments and their rollout revisions. State
lives in the folder $KUBECTL_STAND_IN: ``calls.jsonl`` (every argv), ``applied/``
(the kustomize output of each ``apply -k``, rendered by the real kubectl at
$KUBECTL_REAL) and ``rollouts.json`` (``{"NAMESPACE/NAME": [image, ...]}``, one
entry per revision, the newest last). ``rollout undo`` goes back to the revision
before, as Kubernetes does: it becomes the newest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

STATE = Path(os.environ["KUBECTL_STAND_IN"])
ROLLOUTS = STATE / "rollouts.json"


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")


def _rollouts() -> dict[str, list[str]]:
    return json.loads(ROLLOUTS.read_text(encoding="utf-8")) if ROLLOUTS.exists() else {}


def _save(rollouts: dict[str, list[str]]) -> None:
    ROLLOUTS.write_text(json.dumps(rollouts, indent=2), encoding="utf-8")


def _option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def _apply(folder: str) -> None:
    real = os.environ["KUBECTL_REAL"]
    rendered = subprocess.run(
        [real, "kustomize", folder], capture_output=True, text=True, check=False
    )
    if rendered.returncode != 0:
        sys.exit(rendered.stderr)
    applied = STATE / "applied"
    applied.mkdir(exist_ok=True)
    (applied / f"{len(list(applied.iterdir())) + 1:03d}.yaml").write_text(rendered.stdout)
    rollouts = _rollouts()
    for document in yaml.safe_load_all(rendered.stdout):
        kind, meta = document["kind"], document["metadata"]
        _say(f"{kind.lower()}/{meta['name']} configured")
        if kind == "Deployment":
            image = document["spec"]["template"]["spec"]["containers"][0]["image"]
            revisions = rollouts.setdefault(f"{meta['namespace']}/{meta['name']}", [])
            if not revisions or revisions[-1] != image:
                revisions.append(image)
    _save(rollouts)


def _rollout(action: str, key: str) -> None:
    rollouts = _rollouts()
    revisions = rollouts.get(key)
    if not revisions:
        sys.exit(f'Error from server (NotFound): deployments "{key}" not found')
    if action == "status":
        _say(f'deployment "{key}" successfully rolled out')
    elif action == "history":
        _say("REVISION  CHANGE-CAUSE")
        for number, image in enumerate(revisions, 1):
            _say(f"{number}         {image}")
    elif action == "undo":
        if len(revisions) < 2:
            sys.exit(f"error: no rollout history found for deployment {key!r}")
        revisions.append(revisions[-2])
        _save(rollouts)
        _say(f"deployment.apps/{key} rolled back")


def main(argv: list[str]) -> None:
    STATE.mkdir(parents=True, exist_ok=True)
    with (STATE / "calls.jsonl").open("a", encoding="utf-8") as calls:
        calls.write(json.dumps(argv) + "\n")
    match argv:
        case ["config", "use-context", _context]:
            pass
        case ["apply", "-k", folder]:
            _apply(folder)
        case ["annotate", "deployment", name, *rest]:
            _say(f"deployment.apps/{name} annotated ({rest[-1]})")
        case ["rollout", action, "deployment", name, *rest]:
            _rollout(action, f"{_option(rest, '--namespace')}/{name}")
        case _:
            sys.exit(f"kubectl stand-in: unexpected arguments {argv}")


if __name__ == "__main__":
    main(sys.argv[1:])
