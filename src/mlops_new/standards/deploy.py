"""DEP: production workloads: hardened Kubernetes manifests, gated deploys, health endpoints.

Kubernetes manifests are found in any repository: every ``*.yaml``/``*.yml`` outside
``.github/`` and test fixtures whose documents have an ``apiVersion`` and a workload
``kind`` (plain files, kustomize bases and overlays). Helm templates (``{{``) are not
YAML and are skipped; a document that cannot be parsed is skipped and named.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mlops_new.core.bounded import InputError, load_yaml
from mlops_new.standards.ci import CI
from mlops_new.standards.inputs import Repo, mapping, steps
from mlops_new.standards.model import Check, Fail, NotApplicable, Outcome, Severity
from mlops_new.standards.reading import is_fixture, templated

WORKLOADS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"})
LONG_RUNNING = frozenset({"Deployment", "StatefulSet", "DaemonSet"})
_NOT_MANIFESTS = re.compile(
    r"(^|/)(\.github|\.gitlab|\.circleci|\.dvc)/|(^|/)(\.gitlab-ci|dvc|params|mkdocs|"
    r"\.pre-commit-config|docker-compose|compose|Chart|values[^/]*|\.copier-answers)\.ya?ml$"
)
_KIND = re.compile(r"^kind:\s*['\"]?(Deployment|StatefulSet|DaemonSet|Job|CronJob|Pod)\b", re.M)
_SEPARATOR = re.compile(r"^---[ \t]*(?:#.*)?$", re.M)
MAX_DOCUMENTS = 200
"""Documents read per file (a generated file of thousands is not a hand-written manifest)."""
_SHOWN = 5


@dataclass(frozen=True)
class Container:
    """One container of a workload, with where it was declared."""

    path: str
    line: int
    kind: str
    name: str
    container: str
    spec: dict[str, Any]
    pod: dict[str, Any]

    @property
    def where(self) -> str:
        return f"`{self.path}` {self.kind}/{self.name} container `{self.container}`"


def _documents(text: str) -> Iterator[tuple[int, str]]:
    """``(first line, text)`` of each YAML document of ``text`` (at most
    :data:`MAX_DOCUMENTS`), split at ``---`` lines."""
    start, line = 0, 1
    for count, match in enumerate(_SEPARATOR.finditer(text)):
        if count >= MAX_DOCUMENTS:
            return
        yield line, text[start : match.start()]
        line += text.count("\n", start, match.end()) + 1
        start = match.end() + 1
    yield line, text[start:]


def _pod_spec(kind: str, document: dict[str, Any]) -> dict[str, Any]:
    spec = mapping(document.get("spec"))
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        spec = mapping(mapping(spec.get("jobTemplate")).get("spec"))
    return mapping(mapping(spec.get("template")).get("spec"))


class Manifests:
    """The workload containers of a repository's Kubernetes manifests (read once)."""

    def __init__(self, repo: Repo) -> None:
        self.containers: list[Container] = []
        self.unreadable: list[str] = []
        for name in repo.files:
            if not name.endswith((".yaml", ".yml")) or _NOT_MANIFESTS.search(name):
                continue
            if is_fixture(name) or templated(name) or "/templates/" in f"/{name}":
                continue  # test data, and Helm charts' templates (Go templates, not YAML)
            text = repo.text(name)
            if text is None or "apiVersion" not in text or not _KIND.search(text):
                continue
            self._read(name, text)

    def _read(self, name: str, text: str) -> None:
        for line, part in _documents(text):
            if not _KIND.search(part):
                continue
            if "{{" in part:
                continue  # a Helm or other Go template outside `templates/`
            try:
                document = load_yaml(part, name)
            except InputError:
                self.unreadable.append(f"`{name}` (line {line})")
                continue
            if not isinstance(document, dict) or "apiVersion" not in document:
                continue
            kind = str(document.get("kind", ""))
            if kind not in WORKLOADS:
                continue
            workload = str(mapping(document.get("metadata")).get("name", "?"))
            pod = _pod_spec(kind, document)
            found = pod.get("containers")
            for container in found if isinstance(found, list) else []:
                if not isinstance(container, dict) or "image" not in container:
                    continue  # a kustomize patch names the container without its image
                self.containers.append(
                    Container(
                        name, line, kind, workload, str(container.get("name", "?")), container, pod
                    )
                )


def _manifests(repo: Repo) -> Manifests:
    """The repository's manifests, read once for the three checks that judge them."""
    cached = vars(repo).get("_deploy_manifests")
    if not isinstance(cached, Manifests):
        cached = Manifests(repo)
        vars(repo)["_deploy_manifests"] = cached
    return cached


class Deploy(Check):
    family = "deploy"
    applies = (
        "the repository has Kubernetes workload manifests (Deployment, StatefulSet, DaemonSet, "
        "Job, CronJob, Pod)"
    )
    kinds: frozenset[str] = WORKLOADS

    def judge(self, container: Container) -> str:  # pragma: no cover  (every subclass overrides)
        raise NotImplementedError

    def check(self, repo: Repo) -> Outcome:
        manifests = _manifests(repo)
        chosen = [c for c in manifests.containers if c.kind in self.kinds]
        if not chosen:
            unread = f" (unparsable: {', '.join(manifests.unreadable[:_SHOWN])})"
            return NotApplicable(
                "no Kubernetes workload manifest" + (unread if manifests.unreadable else "")
            )
        problems = [(c, found) for c in chosen if (found := self.judge(c))]
        if not problems:
            return True
        first, _ = problems[0]
        shown = "; ".join(f"{c.where} {found}" for c, found in problems[:_SHOWN])
        more = f" (and {len(problems) - _SHOWN} more)" if len(problems) > _SHOWN else ""
        return Fail(f"{shown}{more}.", first.path, first.line)


class DEP001(Deploy):
    """A container that runs as root turns an escape from the application into root on the
    node. `runAsNonRoot: true` in the pod's or the container's `securityContext` makes the
    kubelet refuse to start an image that would run as root (a container's own `false`
    overrides the pod's `true`). Every container of every workload is judged.

    Manifests are the `*.yaml`/`*.yml` files anywhere (outside `.github/`, tests and
    fixtures) whose `---`-separated documents have an `apiVersion` and a workload `kind`:
    plain files, kustomize bases and overlays. Helm templates (`templates/`, any `{{`)
    are skipped, and so are kustomize patches (a container without an `image`); a document
    that is not valid YAML is named in the skip reason when nothing else is found.
    """

    id = "DEP001"
    title = "Kubernetes workloads run as non-root (runAsNonRoot: true)"
    fix = (
        "Set `securityContext: {runAsNonRoot: true}` on the pod (or each container) and run "
        "the image as a non-root UID."
    )

    def judge(self, container: Container) -> str:
        own = mapping(container.spec.get("securityContext")).get("runAsNonRoot")
        pod = mapping(container.pod.get("securityContext")).get("runAsNonRoot")
        if own is True or (own is None and pod is True):
            return ""
        return "sets no `runAsNonRoot: true`"


class DEP002(Deploy):
    """Without `resources.limits`, one container that leaks memory or spins the CPU starves
    every other pod on its node; with both `cpu` and `memory` limits the scheduler and the
    kernel contain it.
    """

    id = "DEP002"
    title = "Kubernetes containers set cpu and memory limits"
    fix = "Add `resources: {limits: {cpu: ..., memory: ...}}` (and requests) to each container."

    def judge(self, container: Container) -> str:
        limits = mapping(mapping(container.spec.get("resources")).get("limits"))
        missing = [key for key in ("cpu", "memory") if key not in limits]
        return f"has no `resources.limits` {' or '.join(missing)}" if missing else ""


class DEP003(Deploy):
    """A long-running workload (Deployment, StatefulSet, DaemonSet) without a liveness or a
    readiness probe gets traffic before it is ready and is never restarted when it hangs.
    A container passes with either probe (a startup probe alone does not count); Jobs,
    CronJobs and bare Pods are not judged.
    """

    id = "DEP003"
    applies = "the repository has Kubernetes Deployment, StatefulSet or DaemonSet manifests"
    title = "Long-running Kubernetes workloads have liveness or readiness probes"
    fix = "Add a `readinessProbe` and a `livenessProbe` (e.g. `httpGet: {path: /health}`)."
    kinds = LONG_RUNNING

    def judge(self, container: Container) -> str:
        if "livenessProbe" in container.spec or "readinessProbe" in container.spec:
            return ""
        return "has no liveness or readiness probe"


# -- deploy jobs without an environment gate -----------------------------------------

_DEPLOYS = re.compile(
    r"(?<![\w-])(kubectl\s+(?:[-\w=./]+\s+)*?(apply|create|replace|patch|set\s+image|rollout"
    r"\s+restart)|helm\s+(?:[-\w=./]+\s+)*?(upgrade|install)|kustomize\s+build\b[^\n|]*\|"
    r"\s*kubectl|skaffold\s+(run|deploy)|gcloud\s+(run|app|functions)\s+deploy"
    r"|argocd\s+app\s+sync|flyctl\s+deploy|az\s+(webapp|containerapp)\s+(up|deploy|update)"
    r"|aws\s+ecs\s+update-service|serverless\s+deploy|sam\s+deploy)(?![\w-])"
)
"""Commands that change what runs in an environment (cluster, cloud service)."""
_DEPLOY_ACTIONS = (
    "azure/k8s-deploy@", "azure/webapps-deploy@", "azure/container-apps-deploy-action@",
    "google-github-actions/deploy-cloudrun@", "google-github-actions/deploy-appengine@",
    "aws-actions/amazon-ecs-deploy-task-definition@", "deliverybot/helm@",
    "superfly/flyctl-actions@",
)  # fmt: skip
"""Actions that deploy."""
_GITLAB_KEYWORDS = frozenset(
    {"stages", "variables", "default", "include", "workflow", "image", "services",
     "before_script", "after_script", "cache", "pages"}
)  # fmt: skip


def _script_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(_script_text(item) for item in value)
    return ""


def _github_deploy(job: dict[str, Any]) -> str:
    """The first deploying command or action of a GitHub job ("" when none)."""
    for step in steps(job):
        uses = str(step.get("uses", ""))
        if uses.startswith(_DEPLOY_ACTIONS):
            return uses.partition("@")[0]
        if isinstance(step.get("run"), str) and (found := _DEPLOYS.search(step["run"])):
            return " ".join(found[0].split())
    return ""


def _gitlab_deploy(job: dict[str, Any]) -> str:
    scripts = "\n".join(_script_text(job.get(k)) for k in ("before_script", "script"))
    if found := _DEPLOYS.search(scripts):
        return " ".join(found[0].split())
    return "stage deploy" if job.get("stage") == "deploy" else ""


class CI010(CI):
    """A job that deploys runs with the credentials of the environment it changes. An
    `environment:` lets the repository's settings guard it (required reviewers, branch and
    tag rules, a wait timer) and keep those secrets out of every other job.

    A GitHub job deploys when a `run:` step runs `kubectl apply`/`create`/`replace`/`patch`/
    `set image`/`rollout restart`, `helm upgrade`/`install`, `kustomize build ... | kubectl`,
    `skaffold run`/`deploy`, `gcloud run|app|functions deploy`, `argocd app sync`,
    `flyctl deploy`, `az webapp|containerapp up|deploy|update`, `aws ecs update-service`,
    `serverless deploy` or `sam deploy`, or uses a deploy action (`azure/k8s-deploy`,
    `google-github-actions/deploy-cloudrun`, `aws-actions/amazon-ecs-deploy-task-definition`,
    ...). A GitLab job deploys when its stage is `deploy` or its script runs one of those
    commands. Publishing an image or a package on a tag is a release, not a deployment, and
    is not judged here (the release job's own permissions are CI005's).
    """

    applies = "the repository's CI has a job that deploys"
    id = "CI010"
    title = "Deploy jobs run in a protected environment"
    fix = (
        "Give the job `environment: production` (GitHub: with required reviewers or branch "
        "rules in the repository's settings; GitLab: a protected environment)."
    )

    def check(self, repo: Repo) -> Outcome:
        jobs: list[tuple[str, str, str, bool]] = []
        for name, workflow in repo.github_workflows.items():
            for job_id, job in mapping(workflow.get("jobs")).items():
                if isinstance(job, dict) and (found := _github_deploy(job)):
                    jobs.append((name, str(job_id), found, bool(job.get("environment"))))
        for job_id, job in mapping(repo.gitlab_ci).items():
            if str(job_id).startswith(".") or job_id in _GITLAB_KEYWORDS:
                continue
            if isinstance(job, dict) and (found := _gitlab_deploy(job)):
                jobs.append((".gitlab-ci.yml", str(job_id), found, bool(job.get("environment"))))
        if not jobs:
            return NotApplicable("no CI job deploys")
        ungated = [(name, job, found) for name, job, found, gated in jobs if not gated]
        if not ungated:
            return True
        shown = ", ".join(f"`{job}` in `{name}` ({found})" for name, job, found in ungated[:5])
        name, job, _ = ungated[0]
        line = repo.line_of(name, rf"^\s*{re.escape(job)}\s*:")
        return Fail(f"Deploy jobs without `environment:`: {shown}.", name, line)


# -- serving applications without a health endpoint ------------------------------------

_APP = re.compile(
    r"^[ \t]*(\w+)\s*(?::\s*[\w.\[\]]+\s*)?=\s*(?:fastapi\.|flask\.|starlette\.applications\.|"
    r"litestar\.|quart\.|sanic\.)?(FastAPI|Flask|Starlette|Litestar|Quart|Sanic)\(",
    re.M,
)
_IMPORTS = re.compile(
    r"^\s*(?:from|import)\s+(fastapi|flask|starlette|litestar|quart|sanic)\b", re.M
)
_HEALTH = re.compile(
    r"""["'](?:/[\w.-]+)*/(health|healthz|healthcheck|health-check|livez|readyz|live|ready"""
    r"""|liveness|readiness|ping)/?["']""",
    re.IGNORECASE,
)
_NOT_APPS = re.compile(r"(^|/)(docs?|examples?|tutorials?|notebooks?|benchmarks?|scripts)/")


_ROUTERS = re.compile(r"\b(include_router|register_blueprint|add_api_route|add_url_rule|mount)\(")
"""Calls that add routes declared in other modules to an app."""


def _package_root(repo: Repo, name: str) -> str:
    """The folder of the top package holding module ``name`` (its own folder outside one)."""
    folder = name.rpartition("/")[0]
    while folder and f"{folder.rpartition('/')[0]}/__init__.py".lstrip("/") in repo.file_set:
        folder = folder.rpartition("/")[0]
    return f"{folder}/" if folder else ""


class DEP004(Check):
    """A serving application without a health endpoint cannot be probed: the container runtime and
    Kubernetes learn that it hangs only from its users. An app is an `app = FastAPI(...)`
    (Flask, Starlette, Litestar, Quart, Sanic too; at module level or in a factory such as
    `create_app()`) in a module that imports the framework, outside tests, docs, examples,
    tutorials, notebooks, benchmarks and scripts. Its health route is a route path ending in
    `/health`, `/healthz`, `/healthcheck`, `/livez`, `/readyz`, `/live`, `/ready` or
    `/ping`, written as a string (`@app.get("/health")`, `Route("/healthz", ...)`,
    `add_url_rule("/ping", ...)`) in the app's module, or, when that module adds routers
    (`include_router`, `register_blueprint`, `mount`, ...), in any module of its package.
    BentoML services serve `/healthz`, `/livez` and `/readyz` themselves and are not judged.
    """

    family = "deploy"
    id = "DEP004"
    severity = Severity.info
    applies = "the repository has a FastAPI, Flask, Starlette, Litestar, Quart or Sanic app"
    title = "Serving applications have a health endpoint"
    fix = 'Add a cheap route for probes, e.g. `@app.get("/health")` returning `{"status": "ok"}`.'

    def check(self, repo: Repo) -> Outcome:
        found_in = sorted({hit.path for hit in repo.hits.get("web_app", [])})  # the one scan's
        apps: list[tuple[str, int, str]] = []
        for name in found_in:
            if not name.endswith(".py") or is_fixture(name) or _NOT_APPS.search(name):
                continue
            text = repo.text(name) or ""
            if not _IMPORTS.search(text):
                continue
            if found := _APP.search(text):
                line = text.count("\n", 0, found.start()) + 1
                if not self._healthy(repo, name, text):
                    apps.append((name, line, found[2]))
                elif not apps:
                    apps.append(("", 0, ""))  # an app that passes: the check applies
        if not apps:
            return NotApplicable("no FastAPI, Flask, Starlette, Litestar, Quart or Sanic app")
        failing = [app for app in apps if app[0]]
        if not failing:
            return True
        name, line, framework = failing[0]
        others = [f"`{other}`" for other, _, _ in failing[1:_SHOWN]]
        also = f" Also {', '.join(others)}." if others else ""
        return Fail(
            f"`{name}`: the {framework} app declares no health route (`/health`, `/healthz`, "
            f"`/livez`, `/readyz`, `/ping`).{also}",
            name,
            line,
        )

    @staticmethod
    def _healthy(repo: Repo, name: str, text: str) -> bool:
        if _HEALTH.search(text):
            return True
        if not _ROUTERS.search(text):
            return False
        root = _package_root(repo, name)
        return any(
            other.startswith(root)
            and not is_fixture(other)
            and not templated(other)
            and _HEALTH.search(repo.text(other) or "")
            for other in repo.python_files
        )


CHECKS: tuple[type[Check], ...] = (DEP001, DEP002, DEP003, DEP004)
CI_CHECKS: tuple[type[Check], ...] = (CI010,)
