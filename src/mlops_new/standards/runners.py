"""What a CI command runs, through task runners and scripts.

A CI step that calls ``just test``, ``make check``, ``mise run test``, ``poe
test``, ``devbox run test``, ``pixi run test``, ``nox``, ``tox``, ``hatch run test``, ``npm test``
or ``bash scripts/test.sh`` runs whatever that task or script runs: the
checks follow each call into the task's definition (a Makefile recipe, a
justfile recipe, a pyproject table, a script file), a few levels deep.
Nothing is executed; the files are only read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator

from mlops_new.standards.inputs import Repo, mapping

MAX_DEPTH = 3
_SPLIT = re.compile(r"\n|&&|\|\||;|\|")
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_WRAPPERS = {
    ("uv", "run"), ("poetry", "run"), ("pipenv", "run"), ("rye", "run"),
    ("python", "-m"), ("python3", "-m"), ("uvx",), ("pipx", "run"), ("sudo",), ("time",),
    ("xvfb-run",), ("exec",), ("env",), ("command",),
}  # fmt: skip
_SCRIPT = re.compile(r"^(\./|scripts?/|bin/|tools/|ci/|\.github/|\.ci/)|\.(sh|bash|py)$")
_MAKE_TARGET = re.compile(r"^([A-Za-z0-9_.%/ -]+?)\s*::?(?![=])\s*(.*)$")
_JUST_RECIPE = re.compile(r"^@?([A-Za-z0-9_-]+)(\s+[^:=]*)?:(?!=)\s*(.*)$")


def runs(repo: Repo, commands: list[str], pattern: re.Pattern[str]) -> bool:
    """Whether any of ``commands`` runs something ``pattern`` matches, directly or via tasks."""
    seen: set[str] = set()
    todo = [(command, 0) for command in commands]
    while todo:
        text, depth = todo.pop()
        if pattern.search(text):
            return True
        if depth >= MAX_DEPTH:
            continue
        for call in calls(text):
            if call in seen:
                continue
            seen.add(call)
            todo += [(body, depth + 1) for body in resolve(repo, call)]
    return False


def calls(text: str) -> Iterator[str]:
    """Each simple command of a shell text, wrappers and variable assignments dropped."""
    for segment in _SPLIT.split(text):
        words = [w.strip("'\"") for w in segment.split()]
        while words and _ENV.match(words[0]):
            words = words[1:]
        changed = True
        while changed and words:
            changed = False
            for wrapper in _WRAPPERS:
                if tuple(words[: len(wrapper)]) == wrapper:
                    words, changed = words[len(wrapper) :], True
        if words:
            yield " ".join(words)


def resolve(repo: Repo, call: str) -> list[str]:
    """The definition texts that ``call`` runs (empty when it is not a known runner)."""
    words = call.split()
    if words[0] in {"$(MAKE)", "${MAKE}"}:
        words[0] = "make"
    program, args = words[0].rsplit("/", 1)[-1], [w for w in words[1:] if not w.startswith("-")]
    if program in _RUNNERS:
        return _RUNNERS[program](repo, args)
    if program in {"bash", "sh", "zsh", "python", "python3"} and args:
        return _script(repo, args[0])
    if _SCRIPT.search(words[0]):
        return _script(repo, words[0])
    return []


def _script(repo: Repo, name: str) -> list[str]:
    found = repo.has_up(name.removeprefix("./"))
    text = repo.text(found) if found else None
    return [text] if text else []


def _first_text(repo: Repo, *names: str) -> str:
    """The text of the first of ``names`` in the folder or (monorepo) above it."""
    found = repo.has_up(*names)
    return (repo.text(found) or "") if found else ""


def _make(repo: Repo, args: list[str]) -> list[str]:
    text = _first_text(repo, "Makefile", "makefile", "GNUmakefile")
    targets = [a for a in args if "=" not in a]
    recipes = _recipes(text, _MAKE_TARGET, "make")
    if not recipes:
        return []
    chosen = targets or [next(iter(recipes))]
    found = [recipes[t] for t in chosen if t in recipes]
    return found or ([text] if "%" in "".join(recipes) else [])


def _just(repo: Repo, args: list[str]) -> list[str]:
    text = _first_text(repo, "justfile", "Justfile", ".justfile")
    recipes = _recipes(text, _JUST_RECIPE, "just")
    chosen = args[:1] or list(recipes)[:1]
    return [recipes[name] for name in chosen if name in recipes]


def _recipes(text: str, header: re.Pattern[str], runner: str) -> dict[str, str]:
    """``{target: body}`` where body is the recipe lines plus ``runner DEP`` per dependency."""
    recipes: dict[str, str] = {}
    current: list[str] = []
    for line in text.splitlines():
        if line[:1] in {"\t", " "} and current:
            for name in current:
                recipes[name] += line + "\n"
            continue
        match = header.match(line)
        if match and not line.startswith(("#", ".PHONY", "export ")):
            current = match[1].split()
            deps = (match.lastindex and match[match.lastindex]) or ""
            for name in current:
                recipes[name] = "".join(f"{runner} {dep}\n" for dep in deps.split())
        elif line.strip():
            current = []
    return recipes


def _table(value: object) -> list[str]:
    return [json.dumps(value)] if value is not None else []


def _poe(repo: Repo, args: list[str]) -> list[str]:
    tasks = mapping(repo.tool("poe")).get("tasks")
    return _table(mapping(tasks).get(args[0])) if args else []


def _pdm(repo: Repo, args: list[str]) -> list[str]:
    args = args[1:] if args[:1] == ["run"] else args
    if not args:
        return []
    return _table(mapping(mapping(repo.tool("pdm")).get("scripts")).get(args[0])) or [args[0]]


def _hatch(repo: Repo, args: list[str]) -> list[str]:
    args = args[1:] if args[:1] == ["run"] else args
    if not args or args[0] == "test":
        return ["pytest"] if args else []
    name = args[0].split(":")[-1]
    envs = mapping(mapping(repo.tool("hatch")).get("envs"))
    found = [
        mapping(env.get("scripts")).get(name) for env in envs.values() if isinstance(env, dict)
    ]
    return [json.dumps(s) for s in found if s is not None] or [" ".join(args)]


def _mise(repo: Repo, args: list[str]) -> list[str]:
    names = args[1:2] if args[:1] in (["run"], ["r"]) else args[:1]
    if not names:
        return []
    for config in ("mise.toml", ".mise.toml", ".config/mise.toml", "mise/config.toml"):
        task = mapping(mapping(repo.toml(config)).get("tasks")).get(names[0])
        if task is not None:
            return _table(task)
    for folder in (".mise/tasks", "mise-tasks", ".config/mise/tasks", "mise/tasks"):
        if text := repo.text(f"{folder}/{names[0]}"):
            return [text]
    return []


def _pixi(repo: Repo, args: list[str]) -> list[str]:
    """``pixi run [-e ENV] TASK``: the task from ``[tool.pixi]`` or ``pixi.toml``, any feature."""
    tables = [mapping(repo.tool("pixi")), mapping(repo.toml("pixi.toml"))]
    tasks: dict[str, object] = {}
    for table in tables:
        tasks |= mapping(table.get("tasks"))
        for feature in mapping(table.get("feature")).values():
            tasks |= mapping(mapping(feature).get("tasks"))
    names = [a for a in args[1:] if a in tasks] if args[:1] == ["run"] else []
    return _table(tasks[names[0]]) if names else []


def _devbox(repo: Repo, args: list[str]) -> list[str]:
    if args[:1] != ["run"] or len(args) < 2:
        return []
    try:
        data = json.loads(repo.text("devbox.json") or "{}")
    except (ValueError, RecursionError):  # not JSON, or nested too deeply
        return []
    scripts = mapping(mapping(mapping(data).get("shell")).get("scripts"))
    return _table(scripts.get(args[1]))


def _npm(repo: Repo, args: list[str]) -> list[str]:
    name = args[1] if args[:1] == ["run"] and len(args) > 1 else (args[:1] or ["test"])[0]
    try:
        data = json.loads(repo.text("package.json") or "{}")
    except (ValueError, RecursionError):  # not JSON, or nested too deeply
        return []
    return _table(mapping(mapping(data).get("scripts")).get(name))


def _task(repo: Repo, args: list[str]) -> list[str]:
    data = repo.yaml("Taskfile.yml") or repo.yaml("Taskfile.yaml")
    tasks = mapping(mapping(data).get("tasks"))
    return _table(tasks.get(args[0] if args else "default"))


def _whole(*names: str) -> Callable[[Repo, list[str]], list[str]]:
    """A runner whose tasks live in one Python file (nox, duty, invoke): read it all."""

    def read(repo: Repo, _args: list[str]) -> list[str]:
        return [text for name in names if (text := _first_text(repo, name))]

    return read


def _tox(repo: Repo, args: list[str]) -> list[str]:
    texts = _whole("tox.ini", "tox.toml")(repo, args)
    return texts + _table(repo.tool("tox"))


_RUNNERS: dict[str, Callable[[Repo, list[str]], list[str]]] = {
    "make": _make, "gmake": _make, "just": _just, "poe": _poe, "pdm": _pdm, "hatch": _hatch,
    "mise": _mise, "devbox": _devbox, "pixi": _pixi, "npm": _npm, "yarn": _npm, "pnpm": _npm,
    "task": _task,
    "nox": _whole("noxfile.py"), "tox": _tox, "duty": _whole("duties.py"),
    "invoke": _whole("tasks.py"), "inv": _whole("tasks.py"),
}  # fmt: skip
