"""DOC: a Dockerfile that runs as non-root, with a healthcheck and pinned bases."""

from __future__ import annotations

import re
from collections.abc import Callable

from mlops_new.standards.general import restore_hint
from mlops_new.standards.inputs import Repo
from mlops_new.standards.model import Check, Fail, NotApplicable, Outcome, Severity

_ROOT_USERS = frozenset({"root", "0", "root:root", "0:0"})
_SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|ACCESS_KEY)", re.IGNORECASE)


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


def _first_failure(
    repo: Repo, judge: Callable[[list[Instruction]], tuple[str, int] | None]
) -> Outcome:
    """Judge every Dockerfile; fail at the first problem, naming every file with one."""
    problems = {
        name: found for name, parsed in repo.dockerfiles.items() if (found := judge(parsed))
    }
    if not problems:
        return True
    name, (message, line) = next(iter(problems.items()))
    others = [f"`{other}`" for other in problems if other != name]
    also = f" Also in {', '.join(others[:5])}." if others else ""
    return Fail(f"`{name}`: {message}{also}", name, line)


class Docker(Check):
    family = "docker"
    path = "Dockerfile"
    applies = "the repository has a Dockerfile (any folder; dev containers and test fixtures aside)"

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
        return _first_failure(repo, _root_user)


class DOC002(Docker):
    """A `HEALTHCHECK` lets the runtime restart a service that hangs. Images of batch jobs may
    waive it.
    """

    id = "DOC002"
    severity = Severity.info
    title = "The image has a HEALTHCHECK"
    fix = (
        "Add `HEALTHCHECK CMD ...` probing the service (e.g. its `/health` endpoint) to the "
        "final stage."
    )

    def check(self, repo: Repo) -> Outcome:
        if (skip := _no_docker(repo)) is not None:
            return skip
        return _first_failure(repo, _no_healthcheck)


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
            image.lower() not in stages
            and image != "scratch"
            and not image.isdigit()
            and not _pinned(image)
        ):
            loose.append((image, line))
    if not loose:
        return None
    return f"not pinned: {', '.join(f'`{i}`' for i, _ in loose)}.", loose[0][1]


def _copy_from(args: str) -> str:
    match = re.search(r"--from=(\S+)", args)
    return match[1] if match else ""


def _baked_secret(instructions: list[Instruction]) -> tuple[str, int] | None:
    baked = [
        (args.split("=")[0].split()[0], line)
        for word, args, line in instructions
        if word in {"ENV", "ARG"} and "=" in args and _SECRET_NAME.search(args.split("=")[0])
    ]
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
