"""`check` is total over other people's text: every reader and follower returns a report.

Issue 25: `check` crashed (`IndexError` in `runners.resolve`) on 10 of 21 real
repositories whose CI runs a script with a line that is only `\"\"\"`. The
reproduction below is those four files; the property test feeds `check`
deterministic mutations of the corpus' real files in every role a reader gives
them (scripts CI follows, workflows, task files, TOML, YAML, Dockerfiles).
"""

from __future__ import annotations

import functools
import json
import random
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from mlops_new.cli import app, route
from mlops_new.standards import Status, run_checks
from tests.standards.conftest import BARE_PYPROJECT, Cli, Files, make_repo, payload
from tests.support.helpers import git

GEN_PY = '"""Generate things.\n"""\nprint(1)\n'
CRASH: Files = {
    "pyproject.toml": BARE_PYPROJECT,
    "tests/test_a.py": "def test_a() -> None:\n    pass\n",
    ".github/workflows/ci.yml": (
        "on: [push]\npermissions: {}\njobs:\n  t:\n    runs-on: x\n    steps:\n"
        "      - run: python tools/gen.py\n"
    ),
    "tools/gen.py": GEN_PY,
}


def test_a_script_with_a_bare_docstring_quote_line_does_not_crash(tmp_path: Path) -> None:
    report = run_checks(make_repo(tmp_path / "r", CRASH))
    by_id = {r.id: r for r in report.results}
    assert by_id["CI002"].status is Status.failed  # the script runs no tests
    assert by_id["CI001"].status is Status.passed


def test_fleet_report_checks_the_repository_it_could_not(tmp_path: Path) -> None:
    """`fleet report` listed the crashing repositories as "cannot be checked"."""
    root = make_repo(tmp_path / "fleet" / "gen", CRASH)
    git(root, "commit", "--quiet", "-m", "x")
    result = CliRunner().invoke(
        app, route(["fleet", "report", str(tmp_path / "fleet"), "--format", "json"])
    )
    (row,) = json.loads(result.stdout)["result"]["repos"]
    assert row["status"] != "error", row


def test_the_cli_reports_instead_of_a_traceback(tmp_path: Path, check_cli: Cli) -> None:
    root = make_repo(tmp_path / "r", CRASH)
    result = check_cli(str(root), "--format", "json")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert payload(result)["results"]


# -- the property: mutated real files in every role ------------------------------------

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
ROLES = (
    ".github/workflows/ci.yml", ".github/workflows/extra.yml", ".github/actions/setup/action.yml",
    ".gitlab-ci.yml", "ci/jobs.yml", "Makefile", "justfile", "pyproject.toml", "tox.ini",
    "setup.cfg", "setup.py", "noxfile.py", "tasks.py", "duties.py", "mise.toml", "pixi.toml",
    "Taskfile.yml", "package.json", "devbox.json", "scripts/test.sh", "tools/gen.py",
    "Dockerfile", "docker/Dockerfile.gpu", "tests/Dockerfile-uv", ".dockerignore", "dvc.yaml",
    ".dvc/config", "params.yaml", "requirements.txt", ".pre-commit-config.yaml",
    ".copier-answers.yml", ".coveragerc", "codecov.yml", "Jenkinsfile", ".circleci/config.yml",
    "azure-pipelines.yml", "train.py", "notebook.ipynb", ".env", "k8s/deployment.yaml",
    "deploy/overlays/prod/patch.yaml", "src/serve.py",
)  # fmt: skip
CALLER = """\
on: [push, pull_request_target]
permissions: {}
jobs:
  t:
    runs-on: x
    steps:
      - uses: ./.github/actions/setup
      - run: |
          make && make test lint && $(MAKE) -C x all
          just && just test
          bash scripts/test.sh && ./scripts/test.sh && sh tools/gen.py
          python tools/gen.py && uv run python -m tools.gen
          nox -s tests && tox -e py && invoke test && duty test
          npm test && npm run lint && devbox run test && task && task test
          poe test && pdm run test && hatch run test && hatch run cov:all
          mise run test && pixi run -e a test && coverage report --fail-under=1
          echo "${{ github.event.pull_request.title }}"
"""
ODD = (
    '"""', "'''", "", "\\", "\t", "\x00", "\ufeff", "\r", "${{", "}}", "&&", "|", ";",
    "- ", ": ",
    "[", "{", "*", "&a", "FROM", "USER", "=", "#", "\xff", "ø", " " * 300,
)  # fmt: skip


@functools.cache
def _sources() -> dict[str, list[str]]:
    """The corpus' real files (texts), by basename and by suffix."""
    found: dict[str, list[str]] = {"": []}
    for path in sorted(CORPUS.rglob("*")):
        if path.is_file() and path.stat().st_size < 20_000:
            text = path.read_bytes().decode("utf-8", "replace")
            if text.strip():
                for key in ("", path.name, path.suffix):
                    found.setdefault(key, []).append(text)
    return found


def _source(role: str, rng: random.Random) -> str:
    """A real file for ``role``: mostly one of its kind, sometimes any file at all."""
    name = role.rpartition("/")[2]
    kinds = [k for k in (name, Path(name).suffix) if k and k in _sources()]
    return rng.choice(_sources()[rng.choice(kinds) if kinds and rng.random() < 0.8 else ""])


ODD_VALUES: tuple[object, ...] = (
    None, 0, True, [], {}, [{"a": 1}], '"""', {"run": '"""'}, [[[]]], "${{ github.event.x }}",
    {"uses": 1, "with": [1]}, ["make", None], "FROM", {"on": {"push": None}}, 1.5,
)  # fmt: skip
TOML_KEYS = (
    "project.name", "project.dependencies", "project.requires-python", "dependency-groups.dev",
    "project.optional-dependencies.x", "tool.poe.tasks.test", "tool.pdm.scripts.test",
    "tool.hatch.envs.default.scripts.test", "tool.pixi.tasks.test", "tool.pixi.feature.x.tasks",
    "tool.coverage.report.fail_under", "tool.pytest.ini_options.addopts", "tool.ruff.x",
    "tool.poetry.dependencies", "tool.poetry.group.dev.dependencies", "tool.uv.dev-dependencies",
    "tool.tox.env_list", "tool.mypy.strict", "tasks.test", "feature.x.tasks.test",
    "tool.mlops-new.x",
)  # fmt: skip
TOML_VALUES = (
    "1", '"""\"\"\""""', "[1, {a = 1}]", "1979-05-27T07:32:00Z", "{}", "true", '"${{ x }}"',
    "[[1]]", '"pytest"', '{cmd = "pytest", deps = [1]}', '["a", 1, 2.5]', '"python tools/gen.py"',
)  # fmt: skip


def odd_yaml(text: str, rng: random.Random) -> str:
    """``text`` parsed as YAML, random nodes replaced by values of the wrong shape, dumped."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return yaml.safe_dump(_replace(data, rng, 0))


def _replace(node: object, rng: random.Random, depth: int) -> object:
    if rng.random() < 0.1 or depth > 8:
        return rng.choice(ODD_VALUES)
    if isinstance(node, dict):
        return {k: _replace(v, rng, depth + 1) for k, v in node.items()}
    if isinstance(node, list):
        return [_replace(v, rng, depth + 1) for v in node]
    return node


COMMANDS = (
    '"""', "make", "just x", "bash scripts/test.sh", "python tools/gen.py", "mise run x\0y",
    "npm run", "pixi run", "hatch run", "poe", "pdm run", "devbox run", "task", "./x/../../y",
    "actions/checkout@v4", "docker://x", "./.github/actions/setup", "write-all", "a" * 300,
)  # fmt: skip


def _odd(rng: random.Random, depth: int = 0) -> object:
    """A value of any shape: a command, a wrong type, or (shallowly) more of the same."""
    pick = rng.randrange(6 if depth < 3 else 3)
    if pick == 0:
        return rng.choice(COMMANDS)
    if pick == 1:
        return rng.choice(ODD_VALUES)
    if pick == 2:
        return rng.choice(ODD)
    if pick == 3:
        return [_odd(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    keys = ("run", "uses", "with", "steps", "script", "local", "project", "ref", "push", "tags")
    return {rng.choice(keys): _odd(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def odd_ci(rng: random.Random) -> str:
    """A workflow / GitLab file / composite action of the right keys and wrong shapes."""
    step = {"run": _odd(rng), "uses": _odd(rng), "with": _odd(rng)}
    job = {"permissions": _odd(rng), "uses": _odd(rng), "steps": [step, _odd(rng)],
           "script": _odd(rng), "before_script": _odd(rng)}  # fmt: skip
    data = {"on": _odd(rng), "permissions": _odd(rng), "jobs": {"a": job, "b": _odd(rng)},
            "runs": {"steps": [step]}, "include": _odd(rng), "test": job,
            "stages": _odd(rng)}  # fmt: skip
    return yaml.safe_dump({k: v for k, v in data.items() if rng.random() < 0.8})


def odd_k8s(rng: random.Random) -> str:
    """Kubernetes workloads (several documents) of the right keys and wrong shapes."""
    container = {"name": _odd(rng), "image": _odd(rng), "securityContext": _odd(rng),
                 "resources": rng.choice(({"limits": _odd(rng)}, _odd(rng))),
                 "livenessProbe": _odd(rng)}  # fmt: skip
    pod = {
        "securityContext": _odd(rng),
        "containers": rng.choice(([container, _odd(rng)], _odd(rng))),
    }
    specs = ({"template": {"spec": pod}}, {"jobTemplate": _odd(rng)}, pod, _odd(rng))
    documents = [
        {"apiVersion": _odd(rng), "kind": kind, "metadata": _odd(rng), "spec": rng.choice(specs)}
        for kind in rng.sample(("Deployment", "CronJob", "Pod", "Job", "DaemonSet"), 3)
    ]  # fmt: skip
    return "---\n".join(yaml.safe_dump(d) for d in documents if rng.random() < 0.9)


def odd_toml(rng: random.Random) -> str:
    """Valid-or-nearly TOML: the keys readers look at, with values of the wrong shape."""
    keys = rng.sample(TOML_KEYS, rng.randint(3, 10))
    return "".join(f"{key} = {rng.choice(TOML_VALUES)}\n" for key in keys)


def _nest(rng: random.Random) -> str:
    depth = rng.choice((3, 60, 400))
    kind = rng.randrange(4)
    if kind == 0:
        return "a: " + "[" * depth + "]" * depth + "\n"
    if kind == 1:
        return "".join("  " * i + f"k{i}:\n" for i in range(depth))
    if kind == 2:
        return "x = " + "[" * depth + "]" * depth + "\n"
    return "{" * depth + "}" * depth


def mutate(text: str, rng: random.Random) -> str:
    """One to three deterministic mutations of ``text``."""
    lines = text.splitlines(keepends=True)
    for _ in range(rng.randint(1, 3)):
        kind = rng.randrange(8)
        at = rng.randint(0, len(lines))
        if kind == 0 and lines:  # truncate (possibly mid-line)
            joined = "".join(lines)
            lines = [joined[: rng.randint(0, len(joined))]]
        elif kind == 1:
            rng.shuffle(lines)
        elif kind == 2:
            lines.insert(at, rng.choice(('"""\n', "    '''\n", '      """\n')))
        elif kind == 3:
            lines[at:at] = ["\n"] * rng.randint(1, 5)
        elif kind == 4 and lines:  # odd bytes in a line
            i = rng.randrange(len(lines))
            cut = rng.randint(0, len(lines[i]))
            lines[i] = lines[i][:cut] + rng.choice(ODD) + lines[i][cut:]
        elif kind == 5:
            lines.insert(at, _nest(rng))
        elif kind == 6 and lines:  # duplicate a slice
            lines[at:at] = lines[max(0, at - 5) : at]
        else:
            lines.insert(at, rng.choice(ODD) + rng.choice(ODD) + "\n")
    return "".join(lines)


@pytest.mark.parametrize("seed", range(25))
def test_check_reports_on_mutated_real_files(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311  (deterministic test data)
    for round_ in range(4):
        files: Files = {role: mutate(_source(role, rng), rng) for role in ROLES}
        for role in ROLES:
            if role.endswith((".yml", ".yaml")) and rng.random() < 0.5:
                odd = (odd_yaml(_source(role, rng), rng), odd_ci(rng), odd_k8s(rng))
                files[role] = rng.choice(odd)
            elif role.endswith(".toml") and rng.random() < 0.5:
                files[role] = odd_toml(rng)
        files[".github/workflows/ci.yml"] = rng.choice(
            (CALLER, mutate(CALLER, rng), odd_yaml(CALLER, rng), odd_ci(rng))
        )
        files[f"tests/test_{round_}.py"] = "def test() -> None:\n    pass\n"
        root = make_repo(tmp_path / f"r{round_}", files, use_git=round_ % 2 == 0)
        report = run_checks(root)
        assert report.results
        for found in report.results:
            if found.path:
                assert (tmp_path / f"r{round_}" / found.path).is_file(), found


def test_pathological_inputs_are_read_in_linear_time(tmp_path: Path) -> None:
    """Unclosed expressions, steps and quotes by the hundred thousand: seconds, not hours."""
    run = "      - run: '" + "${{ " * 200_000 + "'\n"
    files: Files = {
        ".github/workflows/ci.yml": "on: [push]\njobs:\n  t:\n    steps:\n" + run,
        "Jenkinsfile": "sh '" * 200_000 + 'sh "' + "x" * 100_000,
        "Dockerfile": "FROM a AS s\nFROM " + "${A}x" * 2_000 + "\n",
        ".circleci/config.yml": "a:\n" + "  - run: x\n" * 20_000,
    }
    started = time.monotonic()
    report = run_checks(make_repo(tmp_path / "r", files))
    assert report.results
    assert time.monotonic() - started < 20
