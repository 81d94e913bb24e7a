"""DOC: a Dockerfile that runs as non-root, with a healthcheck and pinned bases."""

from __future__ import annotations

import re
from collections.abc import Callable

from mlops_new.standards.general import restore_hint
from mlops_new.standards.inputs import Repo
from mlops_new.standards.model import Check, Fail, NotApplicable, Outcome, Severity

_ROOT_USERS = frozenset({"root", "0", "root:root", "0:0"})
_SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|ACCESS_KEY)", re.IGNORECASE)
_SERVER = re.compile(
    r"uvicorn|gunicorn|hypercorn|daphne|waitress|flask\W+run|streamlit|gradio|\bserve\b|server"
    r"|--port|--host|--bind|runserver|nginx|httpd|torchserve|bentoml|jupyter|supervisord",
    re.IGNORECASE,
)
_COMPOSE = re.compile(r"(^|/)(docker-)?compose[^/]*\.ya?ml$")
_VARIABLE = re.compile(r"\$\{?[A-Za-z_][A-Za-z0-9_]*(?::?[-+?][^}]*)?\}?")


def _no_docker(repo: Repo) -> NotApplicable | str | None:
    """Skip without a Dockerfile, unless the project's answers enable Docker: then fail.

    A generated project that deletes its Dockerfile silently drops out of the
    template's updates (copier never recreates a deleted file), so it is a failure.
    """
    if repo.dockerfiles:
        return None
    if repo.generated and repo.answer("docker") is True:
        return "`Dockerfile` is missing, although the project's answers enable Docker."
    return NotApplicable("no Dockerfile")


Instruction = tuple[str, str, int]


def _final_stage(instructions: list[Instruction]) -> list[Instruction]:
    starts = [i for i, (word, _, _) in enumerate(instructions) if word == "FROM"]
    return instructions[starts[-1] :] if starts else instructions


def _published(repo: Repo) -> set[str]:
    """Folders whose Compose file publishes a port (``ports:``): the image built there
    serves (handson-ml3's Jupyter Lab image gets its command and port from Compose)."""
    names = [f for f in repo.files if _COMPOSE.search(f)]
    return {name.rpartition("/")[0] for name in names if "ports:" in (repo.text(name) or "")}


def _is_service(instructions: list[Instruction]) -> bool:
    """Whether the final stage is a long-running service: it exposes a port, has a
    healthcheck, or its command starts a server. A training or batch image is not."""
    stage = _final_stage(instructions)
    if any(word in {"EXPOSE", "HEALTHCHECK"} for word, _, _ in stage):
        return True
    return bool(_SERVER.search(" ".join(a for w, a, _ in stage if w in {"CMD", "ENTRYPOINT"})))


def _runs(_name: str, instructions: list[Instruction]) -> bool:
    """Not a ``FROM scratch`` output stage without a command (``docker build --output``),
    whose files are exported, never run."""
    stage = _final_stage(instructions)
    base = [p for p in (stage[0][1] if stage else "").split() if not p.startswith("--")]
    exported = bool(base) and base[0].lower() == "scratch"
    return not exported or any(word in {"CMD", "ENTRYPOINT"} for word, _, _ in stage)


def _first_failure(
    repo: Repo,
    judge: Callable[[list[Instruction]], tuple[str, int] | None],
    only: Callable[[str, list[Instruction]], bool] | None = None,
    reason: str = "",
) -> Outcome:
    """Judge every Dockerfile (those ``only`` keeps); fail at the first problem, naming every
    file with one; skip with ``reason`` when ``only`` keeps none."""
    files = {
        name: parsed for name, parsed in repo.dockerfiles.items() if not only or only(name, parsed)
    }
    if not files:
        return NotApplicable(reason)
    problems = {name: found for name, parsed in files.items() if (found := judge(parsed))}
    if not problems:
        return True
    name, (message, line) = next(iter(problems.items()))
    others = [f"`{other}`" for other in problems if other != name]
    also = f" Also in {', '.join(others[:5])}." if others else ""
    return Fail(f"`{name}`: {message}{also}", name, line)


class Docker(Check):
    family = "docker"
    path = "Dockerfile"
    applies = (
        "the repository has a Dockerfile (`Dockerfile*`, `*.Dockerfile`, `Containerfile`, any "
        "folder, `tests/` too; dev containers and test data aside)"
    )

    def fix_for(self, repo: Repo) -> str:
        return f"{self.fix} {restore_hint(repo, 'Dockerfile', '')}".strip()


class DOC001(Docker):
    """A container that runs as root turns an escape from the application into root on the
    host; the final stage ends with a non-root `USER`.
    """

    id = "DOC001"
    title = "The image runs as a non-root user"
    fix = "Create an unprivileged user and end the final stage with `USER 10001:10001`."

    def check(self, repo: Repo) -> Outcome:
        if (skip := _no_docker(repo)) is not None:
            return skip
        reason = "every Dockerfile ends in a `FROM scratch` stage of build output, never run"
        return _first_failure(repo, _root_user, _runs, reason)


class DOC002(Docker):
    """A `HEALTHCHECK` lets the runtime restart a service that hangs. Only images of
    long-running services are judged: a final stage that `EXPOSE`s a port, has a
    `HEALTHCHECK`, or whose `CMD`/`ENTRYPOINT` starts a server (uvicorn, gunicorn, streamlit,
    `serve`, ...); training, batch and tool images are not services.
    """

    id = "DOC002"
    applies = "the repository has a Dockerfile of a long-running service (an application)"
    severity = Severity.info
    title = "The image has a HEALTHCHECK"
    fix = (
        "Add `HEALTHCHECK CMD ...` probing the service (e.g. its `/health` endpoint) to the "
        "final stage."
    )

    def check(self, repo: Repo) -> Outcome:
        if (skip := _no_docker(repo)) is not None:
            return skip
        reason = (
            "no Dockerfile builds a long-running service (none exposes a port, has a "
            "healthcheck or starts a server)"
        )
        published = _published(repo)

        def service(name: str, parsed: list[Instruction]) -> bool:
            return _runs(name, parsed) and (
                _is_service(parsed) or name.rpartition("/")[0] in published
            )

        return _first_failure(repo, _no_healthcheck, service, reason)


class DOC003(Docker):
    """`latest` (or no tag) changes under the build; a version tag, ideally with a digest,
    makes builds repeatable. `COPY --from=IMAGE` counts as a base image too.
    """

    id = "DOC003"
    title = "Base images are pinned (a tag other than latest, or a digest)"
    fix = (
        "Pin each `FROM` (and `COPY --from=IMAGE`) to a version tag "
        "(`python:3.12-slim-bookworm`), ideally with an `@sha256:` digest."
    )

    def check(self, repo: Repo) -> Outcome:
        if (skip := _no_docker(repo)) is not None:
            return skip
        return _first_failure(repo, _loose_images)


class DOC004(Docker):
    """Without `.dockerignore`, `.git`, `.venv`, `.env` and data end up in the build context
    (and possibly the image).
    """

    id = "DOC004"
    severity = Severity.info
    title = "Has a .dockerignore"
    path = ".dockerignore"
    fix = (
        "Add a `.dockerignore` that keeps `.git`, `.venv`, `.env` and data out of the build "
        "context."
    )

    def check(self, repo: Repo) -> Outcome:
        if (skip := _no_docker(repo)) is not None:
            return skip
        folders = {name.rpartition("/")[0] for name in repo.dockerfiles}
        ignores = {name.rpartition("/")[0] for name in repo.files if name.endswith(".dockerignore")}
        return bool(ignores) and ("" in ignores or folders <= ignores)

    def fix_for(self, repo: Repo) -> str:
        return restore_hint(repo, ".dockerignore", self.fix)


class DOC005(Docker):
    """`ENV`/`ARG` values are stored in the image's layers and history, readable by anyone
    who can pull it.
    """

    id = "DOC005"
    severity = Severity.error
    title = "No secrets baked into the image (ENV/ARG)"
    fix = "Pass secrets at run time (`docker run --env-file`) or with `RUN --mount=type=secret`."

    def check(self, repo: Repo) -> Outcome:
        if (skip := _no_docker(repo)) is not None:
            return skip
        return _first_failure(repo, _baked_secret)


def _root_user(instructions: list[Instruction]) -> tuple[str, int] | None:
    users = [(args.split()[0], line) for word, args, line in _final_stage(instructions)
             if word == "USER" and args]  # fmt: skip
    if users and users[-1][0] not in _ROOT_USERS:
        return None
    if users:
        return f"the final stage runs as `{users[-1][0]}`.", users[-1][1]
    last = _final_stage(instructions)
    return "the final stage sets no `USER` (it runs as root).", last[0][2] if last else 1


def _no_healthcheck(instructions: list[Instruction]) -> tuple[str, int] | None:
    stage = _final_stage(instructions)
    checks = [args for word, args, _ in stage if word == "HEALTHCHECK"]
    if checks and checks[-1].upper() != "NONE":
        return None
    return "the final stage has no `HEALTHCHECK`.", stage[0][2] if stage else 1


def _loose_images(instructions: list[Instruction]) -> tuple[str, int] | None:
    stages: set[str] = set()
    loose: list[tuple[str, int]] = []
    for word, args, line in instructions:
        parts = [p for p in args.split() if not p.startswith("--")]
        if word == "FROM":
            image = parts[0] if parts else ""
            if len(parts) >= 3 and parts[1].lower() == "as":
                stages.add(parts[2].lower())
        elif word in {"COPY", "ADD"} and (source := _copy_from(args)):
            image = source
        else:
            continue
        if (
            not _stage(image.lower(), stages)
            and image != "scratch"
            and not image.isdigit()
            and not _pinned(image)
        ):
            loose.append((image, line))
    if not loose:
        return None
    return f"not pinned: {', '.join(f'`{i}`' for i, _ in loose)}.", loose[0][1]


def _stage(image: str, stages: set[str]) -> bool:
    """Whether ``image`` names a stage of the file, also through build ARGs
    (``FROM build_${SOURCE}`` with stages ``build_pip`` and ``build_conda``)."""
    if image in stages:
        return True
    parts = _VARIABLE.split(image)
    if len(parts) < 2 or len(parts) > 4 or len(image) > 200:
        return False  # no variable, or too many for a stage name (and for backtracking)
    pattern = ".+".join(re.escape(part) for part in parts)
    return any(re.fullmatch(pattern, stage) for stage in stages)


def _copy_from(args: str) -> str:
    match = re.search(r"--from=(\S+)", args)
    return match[1] if match else ""


def _assignments(word: str, args: str) -> list[tuple[str, str]]:
    """``(name, value)`` of an ``ENV``/``ARG``: ``K=V K2=V2``, ``ENV K V``, ``ARG K``."""
    tokens = args.split()
    if word == "ENV" and tokens and "=" not in tokens[0]:
        return [(tokens[0], " ".join(tokens[1:]))]
    pairs = [token.partition("=") for token in tokens]
    return [(name, value) for name, _, value in pairs]


def _baked_secret(instructions: list[Instruction]) -> tuple[str, int] | None:
    baked = [
        (name, line)
        for word, args, line in instructions
        if word in {"ENV", "ARG"}
        for name, value in _assignments(word, args)
        if _SECRET_NAME.search(name) and value.strip("'\"")
    ]  # an empty `ENV NPM_TOKEN=` or an `ARG TOKEN` without a default bakes nothing
    if not baked:
        return None
    return f"secrets set in the Dockerfile: {', '.join(f'`{b}`' for b, _ in baked)}.", baked[0][1]


def _pinned(image: str) -> bool:
    if "@sha256:" in image or image.startswith("$"):
        return True
    name = image.rsplit("/", 1)[-1]
    _, sep, tag = name.partition(":")
    return bool(sep) and tag != "latest"


CHECKS: tuple[type[Check], ...] = (DOC001, DOC002, DOC003, DOC004, DOC005)
