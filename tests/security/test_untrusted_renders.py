"""An untrusted template reads nothing of the machine: no environment, no home, no files.

Copier's Jinja environment carries jinja2-ansible-filters, some of which read
the host (``expandvars``, ``expanduser``, ``fileglob``, ``realpath``,
``relpath``); without ``--trust`` only ``_copier.PURE_FILTERS`` exist, and the
render's process environment is ``git.Trust.UNTRUSTED_RENDER``'s (no tokens).
Sandbox escapes, includes outside the template and render bombs end in a
one- or two-line error, exit 4.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from plumbum import local

from mlops_new.core import limited
from mlops_new.core.errors import TemplateSourceError
from mlops_new.core.git import Trust, environment
from mlops_new.templates import _copier
from tests.security.conftest import Run, Scene, assert_clear_error, make_template

SECRET = "ghp_secret-of-the-ci-job"  # noqa: S105  (a stand-in token)


def _files(folder: Path) -> str:
    return "".join(
        p.read_text(encoding="utf-8", errors="replace") for p in folder.rglob("*") if p.is_file()
    )


@pytest.mark.parametrize(
    "expression",
    [
        "{{ '$GH_TOKEN' | expandvars }}",
        "{{ '$HOME' | expandvars }}",
        "{{ '~' | expanduser }}",
        "{{ '~/.ssh/*' | fileglob }}",
        "{{ '.' | realpath }}",
        "{{ '/' | relpath }}",
    ],
    ids=["env-secret", "env-home", "expanduser", "fileglob", "realpath", "relpath"],
)
def test_an_untrusted_template_cannot_read_the_machine(
    scene: Scene, run_cli: Run, monkeypatch: pytest.MonkeyPatch, expression: str
) -> None:
    monkeypatch.setenv("GH_TOKEN", SECRET)
    ssh = Path(os.environ["HOME"]) / ".ssh"
    ssh.mkdir(exist_ok=True)
    (ssh / "id_ed25519").write_text("PRIVATE KEY\n", encoding="utf-8")
    template = make_template(scene.root / "tpl", {"project/LEAK.md.jinja": f"{expression}\n"})
    ran = run_cli("proj", "--template", str(template), "--defaults", "--no-lock")
    assert_clear_error(ran, 4, "cannot be rendered")
    assert not (scene.work / "proj").exists()
    leaked = _files(scene.work)
    for value in (SECRET, os.environ["HOME"], "id_ed25519", str(scene.work)):
        assert value not in leaked
    scene.assert_untouched()


def test_a_trusted_template_keeps_every_filter(scene: Scene, run_cli: Run) -> None:
    template = make_template(
        scene.root / "tpl", {"project/HOME.md.jinja": "{{ '$HOME' | expandvars }}\n"}
    )
    ran = run_cli("proj", "--template", str(template), "--defaults", "--no-lock", "--trust")
    assert ran.code == 0, ran.err
    assert (scene.work / "proj" / "HOME.md").read_text().strip() == os.environ["HOME"]


def test_pure_filters_still_render(scene: Scene, run_cli: Run) -> None:
    text = "{{ {'a': [1]} | to_nice_yaml }}{{ 'x.y' | splitext | first }}{{ 'a' | b64encode }}\n"
    template = make_template(scene.root / "tpl", {"project/OK.md.jinja": text})
    ran = run_cli("proj", "--template", str(template), "--defaults", "--no-lock")
    assert ran.code == 0, ran.err
    assert (scene.work / "proj" / "OK.md").read_text() == "a:\n- 1\nxYQ==\n"


def test_an_untrusted_render_sees_no_secret_in_its_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GH_TOKEN", SECRET)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("GIT_DIR", str(tmp_path))
    assert SECRET not in environment(Trust.UNTRUSTED_RENDER).values()
    assert "GIT_DIR" not in environment(Trust.TRUSTED_RENDER)
    with _copier._hardened_git(str(tmp_path)):
        assert SECRET not in os.environ.values()
        assert SECRET not in dict(local.env).values()
        assert "PATH" in os.environ
    assert os.environ["GH_TOKEN"] == SECRET  # given back afterwards


@pytest.mark.parametrize(
    "expression",
    [
        "{{ cycler.__init__.__globals__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{% include '/etc/passwd' %}",
        "{% include '../../../../../../../etc/passwd' %}",
        "{% for i in range(10**9) %}{% endfor %}",
        "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
    ],
    ids=["globals", "mro", "include-absolute", "include-dotdot", "range-bomb", "recursion"],
)
def test_sandbox_escapes_and_bombs_are_clear_errors(
    scene: Scene, run_cli: Run, expression: str
) -> None:
    template = make_template(scene.root / "tpl", {"project/X.md.jinja": f"{expression}\n"})
    ran = run_cli("proj", "--template", str(template), "--defaults", "--no-lock", timeout=120)
    assert_clear_error(ran, 4, "cannot be rendered")
    assert "root:" not in ran.err + _files(scene.work)
    assert not (scene.work / "proj").exists()
    scene.assert_untouched()


def test_pure_filters_are_an_allow_list() -> None:
    for name in ("expandvars", "expanduser", "fileglob", "realpath", "relpath"):
        assert name not in _copier.PURE_FILTERS


@pytest.mark.parametrize(
    "expression",
    [
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "{{ 'x' * 3000000000 }}",
        "{% set s = 'x' * 10000000 %}{% for i in range(1000) %}{{ s }}{% endfor %}",
    ],
    ids=["cpu", "memory", "output"],
)
def test_render_bombs_are_stopped_by_time_and_memory_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, expression: str
) -> None:
    monkeypatch.setattr(limited, "SECONDS", 4)
    monkeypatch.setattr(limited, "MEMORY", 512 * 1024**2)
    template = make_template(tmp_path / "tpl", {"project/BOMB.md.jinja": f"{expression}\n"})
    started = time.monotonic()
    with pytest.raises(TemplateSourceError, match="cannot be rendered"):
        _copier.copy(
            str(template), tmp_path / "out", ref="v0.1.0", data={}, user_defaults={},
            defaults=True,
        )  # fmt: skip
    assert time.monotonic() - started < 60


def test_only_templates_other_than_the_bundled_one_render_in_a_limited_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store holds mlops-new's own released template (its tags checked against the
    package's manifest): it renders in-process; any other template gets the limits."""
    from mlops_new.templates import store

    forks: list[str] = []
    real = limited.run

    def counted(call: object, **kwargs: object) -> object:
        forks.append("fork")
        return real(call, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(limited, "run", counted)
    bundled = store.ensure_store()
    _copier.copy(
        str(bundled), tmp_path / "ours", ref=store.latest().tag,
        data={"project_name": "p"}, user_defaults={}, defaults=True,
    )  # fmt: skip
    assert forks == []
    other = make_template(tmp_path / "tpl", {"project/README.md.jinja": "hello\n"})
    _copier.copy(
        str(other), tmp_path / "theirs", ref="v0.1.0", data={}, user_defaults={}, defaults=True
    )
    assert forks == ["fork"]
    assert (tmp_path / "theirs" / "README.md").read_text() == "hello\n"
