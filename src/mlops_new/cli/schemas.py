"""JSON Schemas of every ``--format json`` output, ``config.toml`` and ``.mlops-new-policy.toml``.

The output schemas are derived from the result dataclasses the commands serialise
(field names and types, the derived properties ``to_json`` adds), so they cannot
drift from the code: ``tests/cli/test_json_schemas.py`` validates every command's
real output against them and checks that ``docs/schemas/`` holds what this module
writes.  Regenerate with::

    python -m mlops_new.cli.schemas --write docs/schemas
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import json
import sys
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mlops_new.cli._console import JSON_SCHEMA_VERSION
from mlops_new.core.results import (
    CreateResult,
    DiffResult,
    LinkResult,
    QuestionsResult,
    RestoreResult,
    UpdateResult,
    VersionsResult,
)
from mlops_new.fleet.report import FleetReport, RepoReport
from mlops_new.fleet.update import FleetUpdateResult
from mlops_new.inputs import settings
from mlops_new.standards.model import CheckResult, Currency, Status

DIALECT = "https://json-schema.org/draft/2020-12/schema"
BASE_URL = "https://github.com/mlops-new/mlops-new/blob/main/docs/schemas/"

Schema = dict[str, Any]

_SCALARS: dict[Any, Schema] = {
    str: {"type": "string"},
    Path: {"type": "string"},
    bool: {"type": "boolean"},
    int: {"type": "integer"},
    float: {"type": "number"},
    Any: {},
    type(None): {"type": "null"},
}


def _hint(hint: Any, defs: dict[str, Schema]) -> Schema:
    """The schema of one type annotation (dataclasses go to ``defs``)."""
    if hint in _SCALARS:
        return dict(_SCALARS[hint])
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return {"type": "string", "enum": [member.value for member in hint]}
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        if hint.__name__ not in defs:
            defs[hint.__name__] = {}  # a placeholder: recursion stops here
            defs[hint.__name__] = _object(hint, defs)
        return {"$ref": f"#/$defs/{hint.__name__}"}
    return _generic(hint, defs)


def _generic(hint: Any, defs: dict[str, Schema]) -> Schema:
    """Unions, tuples, lists and dicts."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        return {"anyOf": [_hint(arg, defs) for arg in args]}
    if origin in (tuple, list) and len(args) == 2 and args[1] is Ellipsis:
        return {"type": "array", "items": _hint(args[0], defs)}
    if origin in (tuple, list):
        items = [_hint(arg, defs) for arg in args]
        return {"type": "array", "prefixItems": items, "minItems": len(items), "items": False}
    if origin is dict or hint is dict:
        values = _hint(args[1], defs) if args else {}
        return {"type": "object", "additionalProperties": values}
    msg = f"no JSON Schema for the annotation {hint!r}"
    raise TypeError(msg)


def _object(cls: type, defs: dict[str, Schema], overrides: Schema | None = None) -> Schema:
    """A dataclass as ``to_json`` writes it: every field, then its derived properties."""
    hints = typing.get_type_hints(cls)
    properties = {item.name: _hint(hints[item.name], defs) for item in dataclasses.fields(cls)}
    for name in getattr(cls, "_derived", ()):
        returns = typing.get_type_hints(getattr(cls, name).fget)["return"]
        properties[name] = _hint(returns, defs)
    properties.update(overrides or {})
    doc = (cls.__doc__ or "").strip().split("\n", 1)[0]
    return {
        "type": "object",
        "description": doc,
        "properties": properties,
        "required": sorted(properties),
        "additionalProperties": False,
    }


def _check_report(defs: dict[str, Schema]) -> Schema:
    """``check``'s report (``standards.runner.Report.to_json``)."""
    defs["CheckResult"] = _object(CheckResult, defs)
    properties = {
        "path": {"type": "string"},
        "ok": {"type": "boolean"},
        "outdated": {"type": "boolean"},
        "policy": {"type": "string"},
        "currency": {"anyOf": [_hint(Currency, defs), {"type": "null"}]},
        "summary": {
            "type": "object",
            "properties": {status.value: {"type": "integer"} for status in Status},
            "required": sorted(status.value for status in Status),
            "additionalProperties": False,
        },
        "results": {"type": "array", "items": {"$ref": "#/$defs/CheckResult"}},
        "warnings": {"type": "array", "items": {"type": "string"}},
    }
    return {
        "type": "object",
        "description": "What `check` found in one repository.",
        "properties": properties,
        "required": sorted(properties),
        "additionalProperties": False,
    }


def _fleet_report(defs: dict[str, Schema]) -> Schema:
    counts = {"type": "object", "additionalProperties": {"type": "integer"}}
    pairs = {
        "type": "array",
        "items": {
            "type": "array",
            "prefixItems": [{"type": "string"}, {"type": "integer"}],
            "minItems": 2,
            "items": False,
        },
    }
    title = {
        "type": "object",
        "properties": {"title": {"type": "string"}, "severity": {"type": "string"}},
        "required": ["severity", "title"],
        "additionalProperties": False,
    }
    defs["RepoReport"] = _object(RepoReport, defs)
    return _object(
        FleetReport,
        defs,
        {
            "per_version": counts,
            "check_counts": counts,
            "common_failures": pairs,
            "titles": {"type": "object", "additionalProperties": title},
        },
    )


def _results() -> dict[str, tuple[Schema, dict[str, Schema]]]:
    """Each command's ``result`` schema with its definitions."""
    found: dict[str, tuple[Schema, dict[str, Schema]]] = {}
    plain = {
        "create": CreateResult,
        "versions": VersionsResult,
        "questions": QuestionsResult,
        "diff": DiffResult,
        "restore": RestoreResult,
        "link": LinkResult,
        "fleet update": FleetUpdateResult,
    }
    for command, cls in plain.items():
        defs: dict[str, Schema] = {}
        found[command] = (_object(cls, defs), defs)
    defs = {}
    update = _object(UpdateResult, defs)
    # `update --abort` / `--continue` add whether the update was rolled back.
    update["properties"]["aborted"] = {"type": "boolean"}
    found["update"] = (update, defs)
    defs = {}
    found["check"] = (_check_report(defs), defs)
    defs = {}
    found["fleet report"] = (_fleet_report(defs), defs)
    defs = {}
    found["fleet merge"] = (_fleet_report(defs), defs)
    return found


def file_name(command: str) -> str:
    return f"{command.replace(' ', '-')}.schema.json"


def output_schema(command: str) -> Schema:
    """The whole document ``mlops-new COMMAND --format json`` prints: result or error."""
    result, defs = _results()[command]
    head = {
        "schema_version": {"const": JSON_SCHEMA_VERSION},
        "mlops_new_version": {"type": "string"},
        "command": {"const": command},
    }
    error = {
        "type": "object",
        "properties": {
            "message": {"type": "string"},
            "hint": {"type": ["string", "null"]},
            "exit_code": {"type": "integer"},
        },
        "required": ["exit_code", "hint", "message"],
        "additionalProperties": False,
    }
    return {
        "$schema": DIALECT,
        "$id": BASE_URL + file_name(command),
        "title": f"mlops-new {command} --format json",
        "type": "object",
        "oneOf": [
            {
                "properties": {**head, "result": {"$ref": "#/$defs/Result"}},
                "required": ["command", "mlops_new_version", "result", "schema_version"],
                "additionalProperties": False,
            },
            {
                "properties": {**head, "error": error},
                "required": ["command", "error", "mlops_new_version", "schema_version"],
                "additionalProperties": False,
            },
        ],
        "$defs": {"Result": result, **defs},
    }


COMMANDS = tuple(_results())

_IDS = {
    "type": "array",
    "items": {"type": "string", "pattern": "^\\s*[A-Za-z]+[0-9]*\\s*$"},
    "description": "Check ids (SEC001) or families (SEC); see docs/checks.md.",
}
_ANSWER = {"type": ["string", "boolean", "integer", "number"]}
_POLICY_PROPERTIES: Schema = {
    "name": {"type": "string"},
    "required": {**_IDS, "description": "Checks that fail `check` (default: every check)."},
    "min_version": {"type": "string", "pattern": "^v?[0-9]+\\.[0-9]+\\.[0-9]+$"},
    "max_behind": {"type": "integer", "minimum": 0},
    "locked": {
        "type": "object",
        "description": "Answers no project may change.",
        "propertyNames": {"pattern": settings.ANSWER_KEY.pattern},
        "additionalProperties": _ANSWER,
    },
    "unwaivable": {**_IDS, "description": "Checks a project may not waive."},
}
_POLICY: Schema = {
    "type": "object",
    "properties": _POLICY_PROPERTIES,
    "additionalProperties": False,
}


def config_schema() -> Schema:
    """``config.toml`` (as TOML parsed to JSON)."""
    defaults = {
        "type": "object",
        "properties": {
            "template": {"type": "string", "description": "A path or git URL."},
            "mlops_new_source": {
                "type": "string",
                "pattern": "^$|^(https://|git\\+https://|git\\+ssh://)[^\\s\"'\\\\$`{}%#]+$",
            },
            "answers": {"type": "object", "additionalProperties": _ANSWER},
        },
        "additionalProperties": False,
    }
    return {
        "$schema": DIALECT,
        "$id": BASE_URL + "config.schema.json",
        "title": "mlops-new settings (config.toml)",
        "type": "object",
        "properties": {"defaults": defaults, "policy": _POLICY},
        "additionalProperties": False,
    }


def policy_file_schema() -> Schema:
    """``.mlops-new-policy.toml`` (a template's or project's ``[policy]`` table)."""
    return {
        "$schema": DIALECT,
        "$id": BASE_URL + "policy.schema.json",
        "title": "mlops-new policy file (.mlops-new-policy.toml)",
        "type": "object",
        "properties": {"policy": _POLICY},
        "additionalProperties": False,
    }


def every_schema() -> dict[str, Schema]:
    """File name -> schema, for ``docs/schemas/``."""
    found = {file_name(command): output_schema(command) for command in COMMANDS}
    found["config.schema.json"] = config_schema()
    found["policy.schema.json"] = policy_file_schema()
    return found


def render(schema: Schema) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlops_new.cli.schemas")
    parser.add_argument("--write", type=Path, required=True, help="the folder to write")
    args = parser.parse_args(argv)
    args.write.mkdir(parents=True, exist_ok=True)
    for name, schema in every_schema().items():
        (args.write / name).write_text(render(schema), encoding="utf-8")
    sys.stdout.write(f"wrote {len(every_schema())} schemas to {args.write}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
