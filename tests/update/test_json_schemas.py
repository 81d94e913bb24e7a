"""The published JSON Schemas (docs/schemas/) describe what the commands really print.

Every reporting command runs for real, on the three-version test template, and its
``--format json`` document validates against its schema (and an error envelope
against the same schema); the files in docs/schemas/ are exactly what
``python -m mlops_new.cli.schemas`` writes; the settings and policy schemas accept the
documented examples and refuse what the settings reader refuses.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from mlops_new.cli import schemas
from mlops_new.core.bounded import load_toml
from mlops_new.inputs import settings
from tests.support.helpers import build_tree, git
from tests.update.conftest import Cli, commit_all

DOCS = Path(__file__).resolve().parents[2] / "docs" / "schemas"


def validate(command: str, stdout: str) -> dict[str, Any]:
    document = json.loads(stdout)
    schema = json.loads((DOCS / schemas.file_name(command)).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)
    assert isinstance(document, dict)
    return document


def test_docs_schemas_are_what_the_generator_writes() -> None:
    written = {path.name for path in DOCS.glob("*.json")}
    expected = schemas.every_schema()
    assert written == set(expected), "run: python -m mlops_new.cli.schemas --write docs/schemas"
    for name, schema in expected.items():
        assert (DOCS / name).read_text(encoding="utf-8") == schemas.render(schema), name


def test_every_command_s_json_output_validates(cli: Cli, tmp_path: Path) -> None:
    seen: set[str] = set()

    def run(command: str, *argv: str, code: int | None = 0) -> dict[str, Any]:
        result = cli(*argv, "--format", "json")
        assert code is None or result.exit_code == code, result.output
        seen.add(command)
        return validate(command, result.stdout)

    run("create", "proj", "--ref", "0.1.0", "--defaults", "--no-lock")
    project = tmp_path / "proj"
    run("versions", "versions", "--path", str(project))
    run("questions", "questions")
    (project / "config.txt").write_text("alpha=5\n")
    commit_all(project)
    run("diff", "diff", str(project))
    (project / "legacy.txt").unlink()
    commit_all(project)
    run("restore", "restore", "legacy.txt", "--path", str(project))
    commit_all(project, "restored")
    report = run("update", "update", str(project), "--to", "0.2.0", "--defaults", code=3)
    assert report["result"]["conflicts"] == ["config.txt"]
    run("update", "update", str(project), "--abort")
    run("check", "check", str(project), code=None)  # fails on a toy project
    run("fleet report", "fleet", "report", str(tmp_path), code=None)
    shard = tmp_path / "shard-1.json"
    assert cli("fleet", "report", str(tmp_path), "--shard", "1/1", "--format", "json",
               "-o", str(shard)).exit_code in (0, 7, 9)  # fmt: skip
    run("fleet merge", "fleet", "merge", str(shard), code=None)
    run("fleet update", "fleet", "update", str(tmp_path), "--to", "0.2.0", code=3)
    repo = build_tree(tmp_path / "adopt" / "legacy", {"notes.md": "ours\n"})
    git(repo, "init", "--quiet")
    commit_all(repo, "our history")
    run("link", "link", str(repo), "--ref", "0.1.0")
    assert seen == set(schemas.COMMANDS)


def test_an_error_envelope_validates_against_the_command_s_schema(cli: Cli, tmp_path: Path) -> None:
    result = cli("diff", str(tmp_path / "missing"), "--format", "json")
    assert result.exit_code != 0
    document = validate("diff", result.stdout)
    assert "error" in document
    assert "result" not in document


def test_a_wrong_field_fails_the_schema(cli: Cli) -> None:
    result = cli("versions", "--format", "json")
    document = json.loads(result.stdout)
    document["result"]["versions"][0]["version"] = 7
    schema = json.loads((DOCS / "versions.schema.json").read_text(encoding="utf-8"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)


SETTINGS = """\
[defaults]
template = "https://git.example.com/acme/ml-template.git"
mlops_new_source = "https://pypi.acme.example/simple"

[defaults.answers]
license = "Proprietary"

[policy]
name = "acme-ml"
required = ["CI", "DVC101", "SEC"]
min_version = "0.3.0"
max_behind = 2
unwaivable = ["TPL", "SEC"]

[policy.locked]
ci = "github"
"""


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        (SETTINGS, True),
        ('[defaults]\ntemplat = "x"\n', False),  # a typo: the reader refuses it too
        ("[policy]\nmax_behind = -1\n", False),
        ('[defaults]\nmlops_new_source = "http://pypi.example/simple"\n', False),
        ('[policy.locked]\n"not a key" = 1\n', False),
    ],
)
def test_the_settings_schema_agrees_with_the_settings_reader(
    text: str, valid: bool, tmp_path: Path
) -> None:
    data = load_toml(text, "config.toml")
    schema = json.loads((DOCS / "config.schema.json").read_text(encoding="utf-8"))
    checker = jsonschema.Draft202012Validator(schema)
    assert checker.is_valid(data) is valid
    file = build_tree(tmp_path, {"config.toml": text}) / "config.toml"
    if valid:
        settings.load_settings(file)
    else:
        with pytest.raises(settings.ConfigError):
            settings.load_settings(file)


def test_the_schemas_name_every_key_the_reader_knows() -> None:
    config = schemas.config_schema()["properties"]
    assert set(config) == settings.TOP_KEYS
    assert set(config["defaults"]["properties"]) == settings.DEFAULTS_KEYS
    assert set(config["policy"]["properties"]) == settings.POLICY_KEYS
    policy = schemas.policy_file_schema()["properties"]
    assert set(policy) == {"policy"}
