"""Every git config key that runs a program, writes a file or redirects the network,
set in a hostile repository's config, is neutralised on every path that runs git there.

The keys come from ``git help config`` (git 2.39): the ones that name a program
(``gpg.*program``, ``gpg.ssh.defaultKeyCommand``, ``credential.helper``,
``core.askPass``, ``remote.*.receivepack``/``uploadpack``, ``core.fsmonitor``),
write where the repository says (``http.cookieFile`` with ``http.saveCookies``),
send the push elsewhere or with more (``http.proxy``, ``http.extraHeader``,
``url.*.insteadOf``, ``protocol.*.allow``) or make git sign (``push.gpgSign``,
``log.showSignature``), directly or through ``include.path``.  Each scenario
first proves, with plain git, that its payload fires (the canary); then the
mlops-new path runs with the same repository and no marker may appear.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from mlops_new.core import git as hardened
from tests.security.conftest import Run, Scene, make_versions
from tests.support.helpers import git

DANGEROUS_KEYS = (
    "push.gpgSign", "gpg.program", "gpg.ssh.program", "gpg.ssh.defaultKeyCommand",
    "gpg.x509.program", "log.showSignature", "http.cookieFile", "http.saveCookies",
    "http.proxy", "http.extraHeader", "http.sslCert", "http.sslKey", "credential.helper",
    "core.askPass",
    "url.<base>.insteadOf", "url.<base>.pushInsteadOf", "remote.<name>.receivepack",
    "remote.<name>.uploadpack", "protocol.<name>.allow", "core.fsmonitor", "include.path",
)  # fmt: skip
"""What the scenarios below set (the issue's list; ``git help config`` as the source)."""


class _Server(BaseHTTPRequestHandler):
    """A forge that asks for a password and sets a cookie; ``X-Evil`` marks the marker."""

    marker: Path

    def do_GET(self) -> None:
        if self.headers.get("X-Evil"):
            self.marker.touch()
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="forge"')
        self.send_header("Set-Cookie", "session=server-chosen; Path=/")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_GET  # noqa: N815  (http.server's naming)

    def log_message(self, *args: object) -> None:
        del args


class _Proxy(BaseHTTPRequestHandler):
    """A proxy the repository names: any request through it marks the marker."""

    marker: Path

    def do_GET(self) -> None:
        self.marker.touch()
        self.send_response(502)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        del args


@pytest.fixture
def servers(scene: Scene) -> Iterator[tuple[str, str]]:
    """``(forge URL, proxy URL)`` on localhost, each writing ``scene.marker`` when abused."""
    started = []
    for handler in (_Server, _Proxy):
        handler.marker = scene.marker
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(server)
    yield tuple(f"http://127.0.0.1:{s.server_address[1]}" for s in started)  # type: ignore[misc]
    for server in started:
        server.shutdown()


@dataclass(frozen=True)
class Hostile:
    name: str
    config: str
    remote: str
    """``origin``: ``bare`` (a local bare repository), ``forge`` or ``decoy``."""


def _evil(scene: Scene) -> Path:
    script = scene.root / "evil"
    script.write_text(f"#!/bin/sh\ntouch {scene.marker}\nexit 1\n", encoding="utf-8")
    script.chmod(0o755)
    return script


def _scenarios(scene: Scene, forge: str, proxy: str) -> list[Hostile]:
    evil = _evil(scene)
    decoy = scene.root / "decoy.git"
    return [
        Hostile(
            "openpgp",
            f"[push]\n\tgpgSign = if-asked\n[gpg]\n\tprogram = {evil}\n"
            f"[user]\n\tsigningKey = x\n[core]\n\tfsmonitor = {evil}\n"
            "[log]\n\tshowSignature = true\n",
            "bare",
        ),
        Hostile(
            "ssh",
            f'[push]\n\tgpgSign = true\n[gpg]\n\tformat = ssh\n[gpg "ssh"]\n\tprogram = {evil}\n'
            f"\tdefaultKeyCommand = {evil}\n",
            "bare",
        ),
        Hostile(
            "x509",
            f'[push]\n\tgpgSign = true\n[gpg]\n\tformat = x509\n[gpg "x509"]\n\tprogram = {evil}\n'
            "[user]\n\tsigningKey = x\n",
            "bare",
        ),
        Hostile(
            "receivepack",
            f'[remote "origin"]\n\treceivepack = {evil}\n\tuploadpack = {evil}\n',
            "bare",
        ),
        Hostile(
            "credentials-cookies-headers",
            f"[credential]\n\thelper = !{evil}\n[core]\n\taskPass = {evil}\n"
            f"[http]\n\textraHeader = X-Evil: 1\n\tsaveCookies = true\n"
            f"\tcookieFile = {scene.marker}\n"
            # https only (the forge here is http): neutralised as the rest, never read.
            "\tsslCert = /dev/zero\n\tsslKey = /dev/zero\n",
            "forge",
        ),
        Hostile("proxy", f"[http]\n\tproxy = {proxy}\n", "forge"),
        Hostile(
            "insteadof",
            f'[url "{decoy}"]\n\tinsteadOf = {forge}/team.git\n'
            f"\tpushInsteadOf = {forge}/team.git\n",
            "forge",
        ),
        Hostile(
            "ext-protocol",
            f'[url "ext::sh -c touch% {scene.marker}"]\n\tpushInsteadOf = {forge}/team.git\n'
            '[protocol "ext"]\n\tallow = always\n',
            "forge",
        ),
    ]


def _plant(repo: Path, hostile: Hostile, scene: Scene, forge: str) -> None:
    """``hostile``'s config in ``repo``, half of it through an included file."""
    if hostile.remote == "bare":
        remote = scene.root / f"{hostile.name}-remote.git"
        git(scene.root, "init", "--quiet", "--bare", str(remote))
        git(remote, "config", "receive.certNonceSeed", "any")  # the forge asks for a signature
        git(repo, "remote", "set-url", "origin", str(remote))
    else:
        git(repo, "remote", "set-url", "origin", f"{forge}/team.git")
    included = repo / ".git" / "hostile.cfg"
    included.write_text(hostile.config, encoding="utf-8")
    git(repo, "config", "include.path", "hostile.cfg")


def _canary(repo: Path, scene: Scene) -> None:
    """Plain git (not hardened) in ``repo`` fires the payload: the scenario is real."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    for command in (
        ["git", "push", "--quiet", "origin", "HEAD:refs/heads/canary"],
        ["git", "status", "--porcelain"],
    ):
        subprocess.run(command, cwd=repo, env=env, capture_output=True, timeout=60, check=False)
        if scene.marker.exists():
            break
    decoy = scene.root / "decoy.git"
    landed = decoy.is_dir() and git(decoy, "for-each-ref")
    assert scene.marker.exists() or landed, f"{repo.name}: the payload does not fire"
    scene.marker.unlink(missing_ok=True)
    if decoy.is_dir():
        git(decoy, "update-ref", "-d", "refs/heads/canary")


@pytest.fixture
def fleet(scene: Scene, run_cli: Run, servers: tuple[str, str]) -> tuple[list[Path], Path]:
    """One hostile repository per scenario, each a project on template v0.1.0."""
    forge, proxy = servers
    template = make_versions(
        scene.root / "tpl",
        [("v0.1.0", {}, ""), ("v0.2.0", {"project/NEWS.md": "news\n"}, "")],
    )
    ran = run_cli("seed", "--template", str(template), "--ref", "0.1.0", "--defaults", "--no-lock")
    assert ran.code == 0, ran.err
    git(scene.root, "init", "--quiet", "--bare", str(scene.root / "decoy.git"))
    repos = []
    for hostile in _scenarios(scene, forge, proxy):
        repo = scene.work / "fleet" / hostile.name
        git(scene.work, "clone", "--quiet", str(scene.work / "seed"), str(repo))
        _plant(repo, hostile, scene, forge)
        _canary(repo, scene)
        repos.append(repo)
    return repos, template


def _fake_gh(scene: Scene, monkeypatch: pytest.MonkeyPatch) -> None:
    """A logged-in ``gh`` that, as the real one does, runs git in the repository."""
    folder = scene.root / "bin"
    folder.mkdir()
    gh = folder / "gh"
    gh.write_text(
        "#!/bin/sh\ngit status --porcelain >/dev/null 2>&1\ngit remote -v >/dev/null 2>&1\n"
        '[ "$1" = pr ] && echo https://github.test/o/r/pull/1\nexit 0\n',
        encoding="utf-8",
    )
    gh.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")


def test_the_scenarios_cover_every_dangerous_key(scene: Scene) -> None:
    configs = "".join(h.config for h in _scenarios(scene, "http://f", "http://p")).lower()
    for key in DANGEROUS_KEYS:
        if key == "include.path":
            continue  # _plant puts every scenario behind include.path
        section, _, name = key.lower().rpartition(".")
        assert name in configs, key
        assert section.split(".")[0] in configs, key


def test_fleet_update_push_and_pull_request_run_nothing_of_the_repositories(
    scene: Scene,
    run_cli: Run,
    fleet: tuple[list[Path], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repos, _ = fleet
    _fake_gh(scene, monkeypatch)
    ran = run_cli("fleet", "update", str(scene.work / "fleet"), "--push", "--pull-request")
    assert "Traceback" not in ran.err, ran.err
    assert not scene.marker.exists(), "a repository's git config ran during the push"
    assert git(scene.root / "decoy.git", "for-each-ref") == "", "the push went elsewhere"
    pushed = {
        repo.name
        for repo in repos
        if git(repo, "rev-parse", "--verify", "--quiet", "refs/remotes/origin/HEAD", "--")
        or git(repo, "for-each-ref", "refs/remotes/origin/mlops-new")
    }
    # The local forges accept the push (unsigned); the HTTP one refuses without credentials.
    assert {"openpgp", "ssh", "x509", "receivepack"} <= pushed, ran.out


def test_local_git_paths_and_source_lookups_run_nothing_of_the_repository(
    scene: Scene, run_cli: Run, fleet: tuple[list[Path], Path]
) -> None:
    repos, template = fleet
    for repo in repos:
        # A pull request's config that also rewrites the template's own URL to a command.
        git(repo, "config", f"url.ext::sh -c touch% {scene.marker}.insteadOf", str(template))
        git(repo, "config", "protocol.ext.allow", "always")
    commands: list[tuple[Path, tuple[str, ...]]] = [(repo, ("check",)) for repo in repos]
    commands += [(repo, ("diff",)) for repo in repos]
    commands += [(repos[0], ("versions",)), (repos[0], ("update", "--dry-run"))]
    for repo, args in commands:
        ran = run_cli(*args, cwd=repo)
        assert "Traceback" not in ran.err, (args, ran.err)
        assert not scene.marker.exists(), f"{' '.join(args)} ran {repo.name}'s git config"
    ran = run_cli("fleet", "report", str(scene.work / "fleet"))
    assert "Traceback" not in ran.err, ran.err
    assert not scene.marker.exists()


def test_git_runner_neutralises_signature_checks_and_protocols(scene: Scene) -> None:
    """``log --show-signature`` on a signed commit would run ``gpg.program``."""
    evil = _evil(scene)
    repo = scene.work / "signed"
    repo.mkdir()
    git(repo, "init", "--quiet")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", "base")
    body = git(repo, "cat-file", "commit", "HEAD")
    header, _, message = body.partition("\n\n")
    signature = "gpgsig -----BEGIN PGP SIGNATURE-----\n \n -----END PGP SIGNATURE-----"
    signed = f"{header}\n{signature}\n\n{message}\n"
    sha = subprocess.run(
        ["git", "hash-object", "-t", "commit", "-w", "--stdin"],
        cwd=repo, input=signed.encode(), capture_output=True, check=True,
    ).stdout.decode().strip()  # fmt: skip
    git(repo, "update-ref", "HEAD", sha)
    git(repo, "config", "log.showSignature", "true")
    git(repo, "config", "gpg.program", str(evil))
    subprocess.run(["git", "log", "-1"], cwd=repo, capture_output=True, check=False)
    assert scene.marker.exists(), "canary: plain git log runs gpg.program"
    scene.marker.unlink()
    hardened.git("log", "-1", cwd=repo)
    hardened.git("show", "HEAD", cwd=repo)
    assert not scene.marker.exists()
