"""DOC: a Dockerfile that runs as non-root, with a healthcheck and pinned bases."""

from __future__ import annotations

import re

from mlops_new.standards.general import restore_hint
from mlops_new.standards.inputs import Repo
from mlops_new.standards.model import Check, NotApplicable, Outcome

_ROOT_USERS = frozenset({"root", "0", "root:root", "0:0"})
_SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|ACCESS_KEY)", re.IGNORECASE)


def _no_docker(repo: Repo) -> NotApplicable | str | None:
    """Skip without a Dockerfile, unless the project's answers enable Docker: then fail.

    A generated project that deletes its Dockerfile silently drops out of the
    template's updates (copier never recreates a deleted file), so it is a failure.
    """
    if repo.has("Dockerfile"):
        return None
    if repo.generated and repo.answer("docker") is True:
        return "`Dockerfile` is missing, although the project's answers enable Docker."
    return NotApplicable("no Dockerfile")


def _final_stage(repo: Repo) -> list[tuple[str, str]]:
    instructions = repo.dockerfile
    starts = [i for i, (word, _) in enumerate(instructions) if word == "FROM"]
    return instructions[starts[-1] :] if starts else instructions


class Docker(Check):
    family = "docker"
    path = "Dockerfile"

    def fix_for(self, repo: Repo) -> str:
        return f"{self.fix} {restore_hint(repo, 'Dockerfile', '')}".strip()


class DOC001(Docker):
    id = "DOC001"
    title = "The image runs as a non-root user"
    fix = "Create an unprivileged user and end the final stage with `USER 10001:10001`."

    def check(self, repo: Repo) -> Outcome:
        if (skip := _no_docker(repo)) is not None:
            return skip
        users = [args.split()[0] for word, args in _final_stage(repo) if word == "USER" and args]
        return bool(users) and users[-1] not in _ROOT_USERS


class DOC002(Docker):
    id = "DOC002"
    title = "The image has a HEALTHCHECK"
    fix = (
        "Add `HEALTHCHECK CMD ...` probing the service (e.g. its `/health` endpoint) to the "
        "final stage."
    )

    def check(self, repo: Repo) -> Outcome:
        if (skip := _no_docker(repo)) is not None:
            return skip
        checks = [args for word, args in _final_stage(repo) if word == "HEALTHCHECK"]
        return bool(checks) and checks[-1].upper() != "NONE"


class DOC003(Docker):
    id = "DOC003"
    title = "Base images are pinned (a tag other than latest, or a digest)"
    fix = (
        "Pin each `FROM` to a version tag (`python:3.12-slim-bookworm`), ideally with "
        "`@sha256:` digest."
    )

    def check(self, repo: Repo) -> Outcome:
        if (skip := _no_docker(repo)) is not None:
            return skip
        stages: set[str] = set()
        loose: list[str] = []
        for word, args in repo.dockerfile:
            if word != "FROM":
                continue
            parts = [p for p in args.split() if not p.startswith("--")]
            image = parts[0] if parts else ""
            if len(parts) >= 3 and parts[1].lower() == "as":
                stages.add(parts[2].lower())
            if image.lower() not in stages and image != "scratch" and not _pinned(image):
                loose.append(image)
        return f"Not pinned: {', '.join(f'`{i}`' for i in loose)}." if loose else True


class DOC004(Docker):
    id = "DOC004"
    title = "Has a .dockerignore"
    path = ".dockerignore"
    fix = (
        "Add a `.dockerignore` that keeps `.git`, `.venv`, `.env` and data out of the build "
        "context."
    )

    def check(self, repo: Repo) -> Outcome:
        if (skip := _no_docker(repo)) is not None:
            return skip
        return repo.has(".dockerignore")

    def fix_for(self, repo: Repo) -> str:
        return restore_hint(repo, ".dockerignore", self.fix)


class DOC005(Docker):
    id = "DOC005"
    title = "No secrets baked into the image (ENV/ARG)"
    fix = "Pass secrets at run time (`docker run --env-file`) or with `RUN --mount=type=secret`."

    def check(self, repo: Repo) -> Outcome:
        if (skip := _no_docker(repo)) is not None:
            return skip
        baked = [
            args.split("=")[0].split()[0]
            for word, args in repo.dockerfile
            if word in {"ENV", "ARG"} and "=" in args and _SECRET_NAME.search(args.split("=")[0])
        ]
        return (
            f"Secrets set in the Dockerfile: {', '.join(f'`{b}`' for b in baked)}."
            if baked
            else True
        )


def _pinned(image: str) -> bool:
    if "@sha256:" in image or image.startswith("$"):
        return True
    name = image.rsplit("/", 1)[-1]
    _, sep, tag = name.partition(":")
    return bool(sep) and tag != "latest"


CHECKS: tuple[type[Check], ...] = (DOC001, DOC002, DOC003, DOC004, DOC005)
