"""Typed access to params.yaml, the single source of the pipeline's parameters.

DVC tracks the same file (see the ``params`` of each stage in dvc.yaml), so a
change here re-runs exactly the stages that read the changed section.
"""

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

DEFAULT_PARAMS_PATH = Path("params.yaml")


class ConfigError(ValueError):
    """params.yaml is missing, malformed or holds an invalid value."""


@dataclass(frozen=True)
class DataParams:
    """How the dataset is split."""

    test_size: float


@dataclass(frozen=True)
class ModelParams:
    """Hyper-parameters of the logistic-regression classifier."""

    C: float  # inverse regularisation strength, named as in scikit-learn
    max_iter: int


@dataclass(frozen=True)
class Params:
    """Everything in params.yaml."""

    seed: int
    data: DataParams
    model: ModelParams

    def flat(self) -> dict[str, float | int]:
        """Return the parameters as ``section.key`` pairs (e.g. for MLflow)."""
        flat: dict[str, float | int] = {"seed": self.seed}
        for section in ("data", "model"):
            for key, value in asdict(getattr(self, section)).items():
                flat[f"{section}.{key}"] = value
        return flat


def load_params(path: Path = DEFAULT_PARAMS_PATH) -> Params:
    """Read and validate a params file; raise ConfigError saying what to fix."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        msg = f"{path} not found: run from the project root or pass --params PATH."
        raise ConfigError(msg) from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        msg = f"{path} is not valid YAML: {exc}"
        raise ConfigError(msg) from exc
    return parse_params(raw, source=str(path))


def parse_params(raw: object, source: str = "params") -> Params:
    """Validate an already-parsed params mapping."""
    root = _section(raw, source, {"seed", "data", "model"})
    data = _section(root["data"], f"{source}: data", {"test_size"})
    model = _section(root["model"], f"{source}: model", {"C", "max_iter"})
    return Params(
        seed=_integer(root["seed"], f"{source}: seed", minimum=0),
        data=DataParams(test_size=_fraction(data["test_size"], f"{source}: data.test_size")),
        model=ModelParams(
            C=_positive(model["C"], f"{source}: model.C"),
            max_iter=_integer(model["max_iter"], f"{source}: model.max_iter", minimum=1),
        ),
    )


def _section(value: object, where: str, keys: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        msg = f"{where} must be a mapping with the keys {_names(keys)}, got {value!r}."
        raise ConfigError(msg)
    if missing := keys - value.keys():
        msg = f"{where} is missing {_names(missing)}: add them (see the template's params.yaml)."
        raise ConfigError(msg)
    if unknown := value.keys() - keys:
        msg = f"{where} has unknown keys {_names(unknown)}: remove them or fix their spelling."
        raise ConfigError(msg)
    return value


def _names(keys: set[Any]) -> str:
    return ", ".join(repr(key) for key in sorted(keys, key=str))


def _integer(value: object, where: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        msg = f"{where} must be an integer >= {minimum}, got {value!r}."
        raise ConfigError(msg)
    return value


def _number(value: object, where: str, requirement: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        msg = f"{where} must be {requirement}, got {value!r}."
        raise ConfigError(msg)
    return float(value)


def _fraction(value: object, where: str) -> float:
    requirement = "a number strictly between 0 and 1"
    number = _number(value, where, requirement)
    if not 0 < number < 1:
        msg = f"{where} must be {requirement}, got {value!r}."
        raise ConfigError(msg)
    return number


def _positive(value: object, where: str) -> float:
    requirement = "a number greater than 0"
    number = _number(value, where, requirement)
    if number <= 0:
        msg = f"{where} must be {requirement}, got {value!r}."
        raise ConfigError(msg)
    return number
