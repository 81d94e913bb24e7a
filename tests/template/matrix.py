"""The template's option matrix, derived from copier.yml, and rendering helpers.

Options are the questions with ``choices`` or ``type: bool``. Rather than their
full product, :func:`cells` rotates them (as cookiecutter-data-science's tests
do): every value of every option appears in at least one cell, and a second,
shifted rotation mixes the pairs. Answers whose question's ``when`` is false for
the cell are dropped, exactly as copier skips the question.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template"

Answers = dict[str, Any]


def questions() -> dict[str, dict[str, Any]]:
    """The questions of copier.yml (settings, which start with '_', left out)."""
    config = yaml.safe_load((TEMPLATE / "copier.yml").read_text(encoding="utf-8"))
    return {name: spec for name, spec in config.items() if not name.startswith("_")}


def options() -> dict[str, list[Any]]:
    """Every question that offers a fixed set of values: its values, the default first."""
    found: dict[str, list[Any]] = {}
    base = defaults({})
    for name, spec in questions().items():
        if spec.get("when") is False:
            continue  # derived, never asked
        if "choices" in spec:
            values = list(spec["choices"])
        elif spec.get("type") == "bool":
            values = [False, True]
        else:
            continue
        default = base[name]
        if default in values:
            values.remove(default)
            values.insert(0, default)
        found[name] = values
    return found


def _render(expression: str, answers: Mapping[str, Any]) -> str:
    # copier.yml expressions render to plain text, never HTML: no escaping wanted.
    environment = jinja2.Environment(autoescape=False)  # noqa: S701
    return environment.from_string(expression).render(**answers)


def defaults(answers: Mapping[str, Any]) -> Answers:
    """``answers`` completed with copier's defaults (rendered in question order)."""
    full: Answers = {}
    for name, spec in questions().items():
        if name in answers:
            full[name] = answers[name]
            continue
        default = spec.get("default")
        value = _render(default, full) if isinstance(default, str) else default
        if spec.get("type") == "bool" and isinstance(value, str):
            value = value.strip().lower() in ("true", "1", "yes", "y", "on")
        full[name] = value.strip() if isinstance(value, str) else value
    return full


def asked(name: str, answers: Mapping[str, Any]) -> bool:
    """Whether copier asks ``name`` given the answers so far (its ``when``)."""
    when = questions()[name].get("when", True)
    if isinstance(when, str):
        return _render(when, defaults(answers)).strip().lower() in ("true", "1", "yes")
    return bool(when)


def valid(answers: Mapping[str, Any]) -> Answers:
    """Keep only the answers copier would use: those whose question is asked."""
    kept: Answers = {}
    for name, value in answers.items():
        if asked(name, {**kept, name: value}):
            kept[name] = value
    return kept


# How the rotation mixes the options: option ``name`` takes its value number
# ``(k // PERIOD[name] + OFFSET[name]) % len(values)`` in cell ``k``. Chosen (by a
# small search) so that 12 cells hold every value and the pairs that matter:
# a GPU image, GitLab with and GitHub without an image, PyTorch with each tracker.
# An option missing here rotates with period 1.
CELLS = 12
PERIOD = {"license": 2, "framework": 6, "gpu": 4, "serving": 5, "docker": 4, "ci": 3, "docs": 2}
OFFSET = {"python_version": 1, "gpu": 1, "dvc_remote": 1}


def cells() -> list[Answers]:
    """The rotated cells, invalid answers dropped, duplicates removed."""
    opts = options()
    count = max(CELLS, *(len(values) for values in opts.values()))
    found: list[Answers] = []
    for k in range(count):
        cell = {
            name: values[(k // PERIOD.get(name, 1) + OFFSET.get(name, 0)) % len(values)]
            for name, values in opts.items()
        }
        if k % 2:  # a free-text answer, where it is asked
            cell.update(STRING_SAMPLES)
        cell = valid(cell)
        if cell not in found:
            found.append(cell)
    return found


# Non-default values of free-text questions, tried in every other cell where asked.
STRING_SAMPLES: Answers = {
    "mlflow_tracking_uri": "http://mlflow.example.com:5000",
    "owners": "@ada @org/ml-team",
}


def cell_id(answers: Mapping[str, Any]) -> str:
    """A short test id naming the values that differ from the defaults."""
    opts = options()
    parts = [
        f"{name}={value}" if not isinstance(value, bool) else (name if value else f"no-{name}")
        for name, value in answers.items()
        if (name in opts and value != opts[name][0]) or name in STRING_SAMPLES
    ]
    return ",".join(parts) or "defaults"


def template_copy(destination: Path) -> Path:
    """A copy of template/ outside git, so copier renders the working tree as it is."""
    shutil.copytree(TEMPLATE, destination, ignore=shutil.ignore_patterns("__pycache__"))
    return destination


def render(template: Path, destination: Path, answers: Mapping[str, Any]) -> Answers:
    """Render ``template`` into ``destination``; return every answer copier used."""
    import copier  # slow import, only where rendering

    worker = copier.run_copy(
        str(template),
        destination,
        data=dict(answers),
        defaults=True,
        unsafe=False,
        quiet=True,
        vcs_ref=None,
        settings=copier.Settings(defaults={}, trust=[]),  # never the user's copier settings
    )
    combined: Answers = dict(worker.answers.combined)
    return combined


def expected_files(answers: Mapping[str, Any]) -> set[str]:
    """Exactly the files a project rendered with ``answers`` must contain."""
    a = defaults(answers)
    package, docker = f"src/{a['package_name']}", bool(a["docker"]) and a["serving"] == "fastapi"
    files = {
        ".copier-answers.yml",
        ".dvc/.gitignore",
        ".dvc/config",
        ".dvcignore",
        ".env.example",
        ".gitattributes",
        ".gitignore",
        ".pre-commit-config.yaml",
        ".python-version",
        "LICENSE",
        "Makefile",
        "README.md",
        "dvc.yaml",
        "params.yaml",
        "pyproject.toml",
        *(f"{package}/{module}" for module in PACKAGE_MODULES),
        *(f"tests/{module}" for module in TEST_MODULES),
    }
    optional = {
        f"{package}/network.py": a["framework"] == "pytorch",
        f"{package}/serving/__init__.py": a["serving"] == "fastapi",
        f"{package}/serving/app.py": a["serving"] == "fastapi",
        "tests/test_serving.py": a["serving"] == "fastapi",
        "Dockerfile": docker,
        ".dockerignore": docker,
        "compose.yaml": docker,
        ".github/workflows/ci.yml": a["ci"] == "github",
        ".github/workflows/template-sync.yml": a["ci"] == "github",
        ".github/workflows/release.yml": a["ci"] == "github" and docker,
        ".github/workflows/deploy.yml": a["ci"] == "github"
        and docker
        and a.get("deploy") == "kubernetes",
        ".github/workflows/monitor.yml": a["ci"] == "github",
        ".github/workflows/retrain.yml": a["ci"] == "github",
        ".github/dependabot.yml": a["ci"] == "github",
        ".github/pull_request_template.md": a["ci"] == "github",
        ".github/CODEOWNERS": a["ci"] == "github" and bool(a.get("owners")),
        ".gitlab/merge_request_templates/Default.md": a["ci"] == "gitlab",
        ".gitlab/CODEOWNERS": a["ci"] == "gitlab" and bool(a.get("owners")),
        ".gitlab-ci.yml": a["ci"] == "gitlab",
        ".gitlab/template_sync.py": a["ci"] == "gitlab",
        ".gitlab/retrain.py": a["ci"] == "gitlab",
        "mkdocs.yml": a["docs"] == "mkdocs",
        "docs/index.md": a["docs"] == "mkdocs",
        "docs/pipeline.md": a["docs"] == "mkdocs",
        "docs/model-card.md": a["docs"] == "mkdocs",
        "notebooks/exploration.ipynb": bool(a["notebooks"]),
        "docs/serving.md": a["docs"] == "mkdocs" and a["serving"] == "fastapi",
    }
    if docker and a.get("deploy") == "kubernetes":
        files |= {f"deploy/{name}" for name in DEPLOY_FILES}
    return files | {name for name, wanted in optional.items() if wanted}


DEPLOY_FILES = (
    "set-image.sh",
    "rollout.sh",
    *(
        f"base/{name}.yaml"
        for name in (
            "kustomization",
            "deployment",
            "service",
            "hpa",
            "pdb",
            "networkpolicy",
            "configmap",
            "cronjob",
        )
    ),
    "overlays/staging/kustomization.yaml",
    "overlays/production/kustomization.yaml",
)


PACKAGE_MODULES = (
    "__init__.py",
    "__main__.py",
    "card.py",
    "config.py",
    "data.py",
    "evaluate.py",
    "features.py",
    "lineage.py",
    "monitoring.py",
    "paths.py",
    "predict.py",
    "promote.py",
    "py.typed",
    "schema.py",
    "scoring.py",
    "tracking.py",  # one module per tracking option (MLflow, DVCLive, none), one name
    "train.py",  # one module per framework, one name
)
TEST_MODULES = (
    "conftest.py",
    "test_cli.py",
    "test_config.py",
    "test_data.py",
    "test_evaluate.py",
    "test_features.py",
    "test_monitoring.py",
    "test_predict.py",
    "test_promote.py",
    "test_schema.py",
    "test_scoring.py",
    "test_train.py",
)


def dvc_config(answers: Mapping[str, Any]) -> str:
    """The .dvc/config that `dvc init` + `dvc remote add -d NAME URL` write."""
    a = defaults(answers)
    if a["dvc_remote"] == "none":
        return ""
    if a["dvc_remote"] == "local":
        name, url = "local", f"../../{a['project_slug']}-dvc-storage"
    else:
        name, url = "storage", a["dvc_remote_url"]
    return f"[core]\n    remote = {name}\n['remote \"{name}\"']\n    url = {url}\n"
