"""Settings and policy files: locations, shapes, errors, and the pure policy functions."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_new.core.errors import UserError
from mlops_new.inputs.settings import (
    ConfigError,
    Policy,
    Settings,
    default_path,
    load_policy_file,
    load_settings,
)
from tests.standards.conftest import make_repo

ORG = """\
[defaults]
template = "https://git.example.com/acme/ml-template.git"

[defaults.answers]
license = "Proprietary"

[policy]
name = "acme"
required = ["ci", "SEC001"]
min_version = "v0.2.0"
max_behind = 2

[policy.locked]
ci = "github"
license = "Proprietary"
"""


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_no_settings_file_gives_empty_settings() -> None:
    settings = load_settings()
    assert settings == Settings()
    assert settings.policy.empty


def test_default_file_lives_in_xdg_config_home(isolated_env: Path) -> None:
    assert default_path() == isolated_env / ".config" / "mlops-new" / "config.toml"
    _write(default_path(), ORG)
    settings = load_settings()
    assert settings.template == "https://git.example.com/acme/ml-template.git"
    assert settings.answers == {"license": "Proprietary"}
    policy = settings.policy
    assert (policy.name, policy.min_version, policy.max_behind) == ("acme", "0.2.0", 2)
    assert policy.required == ("CI", "SEC001")
    assert policy.requires("CI004")
    assert not policy.requires("DVC001")


def test_env_and_option_override_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(default_path(), '[defaults]\ntemplate = "default"\n')
    env = _write(tmp_path / "env.toml", '[defaults]\ntemplate = "env"\n')
    option = _write(tmp_path / "option.toml", '[defaults]\ntemplate = "option"\n')
    monkeypatch.setenv("MLOPS_NEW_CONFIG", str(env))
    assert load_settings().template == "env"
    assert load_settings(option).template == "option"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[policy\n", "not valid TOML"),
        ("[polcy]\n", "unknown setting 'polcy'"),
        ("[policy]\nmax_behind = -1\n", "max_behind"),
        ("[policy]\nmin_version = 'latest'\n", "min_version"),
        ("[policy]\nrequired = 'CI'\n", "policy.required"),
        ("[policy]\nlocked = 'ci'\n", "policy.locked"),
        ("[defaults]\ntemplate = 3\n", "defaults.template"),
        ("[policy]\nmax_behind = true\n", "not True"),
        ("[policy]\nmin_version = 3\n", "not 3"),
        ("[policy]\nrequired = ['CI', 7]\n", "holds 7"),
        ("[policy]\nrequired = ['CI 001']\n", "'CI 001'"),
        ("[policy]\nunwaivable = 'TPL'\n", "policy.unwaivable"),
        ("[policy]\nname = 1\n", "policy.name"),
        ("[policy.locked]\nci = ['github']\n", "policy.locked.ci"),
        ("[policy.locked]\n'c i' = 'x'\n", "not an answer name"),
        ("[policy]\nrequired = []\n\xff", "not UTF-8"),
    ],
)
def test_bad_settings_are_user_errors(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(text.encode("utf-8").replace(b"\xc3\xbf", b"\xff"))
    with pytest.raises(UserError, match=fragment):
        load_settings(path)


def test_named_settings_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "missing.toml")


def test_locked_violations_name_the_policy(tmp_path: Path) -> None:
    settings = load_settings(_write(tmp_path / "org.toml", ORG))
    assert settings.policy.locked_violations({"ci": "github", "license": "Proprietary"}) == []
    assert settings.policy.locked_violations({"project_name": "x"}) == []
    (problem,) = settings.policy.locked_violations({"ci": "gitlab"})
    assert "ci='gitlab'" in problem
    assert "policy 'acme'" in problem
    assert str(tmp_path / "org.toml") in problem
    with pytest.raises(ConfigError, match="locks ci='github'"):
        settings.policy.refuse_locked({"ci": "none"})


def test_locked_answers_given_as_text_match_typed_values() -> None:
    policy = Policy(locked={"docker": False, "python_version": "3.12"})
    assert policy.locked_violations({"docker": "false", "python_version": "3.12"}) == []
    assert len(policy.locked_violations({"docker": "true"})) == 1
    assert len(policy.locked_violations({"docker": True})) == 1


def test_version_violation() -> None:
    policy = Policy(name="acme", min_version="0.3.0", max_behind=1)
    assert policy.version_violation("0.3.0", "0.4.0", 1) is None
    assert "older than v0.3.0" in (policy.version_violation("0.2.9", "0.4.0", 2) or "")
    assert "2 versions behind v0.5.0" in (policy.version_violation("0.3.0", "0.5.0", 2) or "")


def test_project_policy_file(tmp_path: Path) -> None:
    assert load_policy_file(tmp_path) is None
    _write(
        tmp_path / ".mlops-new-policy.toml",
        "[policy]\nmin_version = '0.4.0'\nmax_behind = 1\n"
        "[policy.locked]\nci = 'gitlab'\nlicense = 'MIT'\n",
    )
    shipped = load_policy_file(tmp_path)
    assert shipped is not None
    user = Policy(name="user", min_version="0.2.0", max_behind=3, locked={"ci": "github"})
    merged = user.merged(shipped)
    assert (merged.min_version, merged.max_behind) == ("0.4.0", 1)
    assert merged.locked == {"ci": "github", "license": "MIT"}
    assert user.merged(None) is user
    assert Policy().merged(shipped) is shipped


# -- the policy cannot be escaped (issue 12) ---------------------------------------------

ANSWERS = "_commit: v0.1.0\n_src_path: ~/.mlops-new/template\nci: github\n"


def _org(tmp_path: Path, policy: str) -> Settings:
    return load_settings(_write(tmp_path / "org.toml", f"[policy]\n{policy}"))


def test_a_policy_naming_an_unknown_check_is_an_error(tmp_path: Path) -> None:
    from mlops_new.standards import run_checks

    root = make_repo(tmp_path / "r", {"README.md": "x\n"})
    for policy, value in (('required = ["CI999"]', "CI999"), ('unwaivable = ["XYZ"]', "XYZ")):
        with pytest.raises(ConfigError, match=f"names '{value}'"):
            run_checks(root, _org(tmp_path, policy))


def test_a_misspelt_locked_key_fails_tpl002(tmp_path: Path) -> None:
    from mlops_new.standards import Status, run_checks

    root = make_repo(tmp_path / "r", {".copier-answers.yml": ANSWERS})
    settings = _org(tmp_path, '[policy.locked]\nlicence = "Proprietary"\n')
    (result,) = run_checks(root, settings, select=["TPL002"]).results
    assert result.status is Status.failed
    assert "`licence`" in result.message


def test_deleting_the_answers_file_does_not_escape_a_version_policy(tmp_path: Path) -> None:
    from mlops_new.standards import Status, run_checks

    root = make_repo(tmp_path / "r", {"README.md": "x\n"})
    report = run_checks(root, _org(tmp_path, 'min_version = "0.2.0"\n'))
    (tpl001,) = [r for r in report.results if r.id == "TPL001"]
    assert tpl001.status is Status.failed
    assert report.outdated


def test_a_project_cannot_waive_the_policy_checks(tmp_path: Path) -> None:
    from mlops_new.standards import Status, run_checks

    waivers = '[project]\nname = "x"\n[tool.mlops-new.ignore]\nTPL001 = "we are fine"\n'
    waivers += 'SEC002 = "it is only a test value"\n'
    root = make_repo(
        tmp_path / "r",
        {".copier-answers.yml": ANSWERS, "pyproject.toml": waivers, ".env": "A=1\n"},
    )
    report = run_checks(root, _org(tmp_path, 'min_version = "0.2.0"\nunwaivable = ["SEC"]\n'))
    by_id = {r.id: r for r in report.results}
    assert by_id["TPL001"].status is Status.failed
    assert by_id["SEC002"].status is Status.failed
    assert any("TPL001" in w and "mlops-new" in w for w in report.warnings)
    assert any("SEC002" in w and "org.toml" in w for w in report.warnings)
