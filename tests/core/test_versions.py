from __future__ import annotations

import pytest

from mlops_new.core import semver
from mlops_new.core.errors import UnknownVersionError


@pytest.mark.parametrize("given", ["0.1.0", "v0.1.0", " v0.1.0 "])
def test_both_spellings_are_accepted(given: str) -> None:
    assert semver.bare(given) == "0.1.0"
    assert semver.tag(given) == "v0.1.0"


@pytest.mark.parametrize("given", ["latest", "1.2", "v1.2.3.4", "1.2.x", ""])
def test_other_strings_are_rejected_with_the_value(given: str) -> None:
    with pytest.raises(UnknownVersionError, match="is not a template version"):
        semver.parse(given)


def test_an_update_into_pinned_versions_moves_the_pin_and_keeps_the_source() -> None:
    from mlops_new import __version__
    from mlops_new.engine import migrations

    old = {"python_version": "3.12", "mlops_new_version": "0.0.9", "mlops_new_source": "x"}
    moved = migrations.migrate_answers(old, "0.3.0", "0.4.0", mlops_new_source="settings")
    assert moved["mlops_new_version"] == __version__
    assert moved["mlops_new_source"] == "x"  # recorded: kept
    fresh = migrations.migrate_answers({}, "0.1.0", "0.4.0", mlops_new_source="https://i/simple")
    assert fresh["mlops_new_source"] == "https://i/simple"  # none recorded: the settings'
    assert migrations.migrate_answers({}, "0.1.0", "0.3.0") == {}  # not pinned yet


def test_a_dropped_python_version_moves_to_its_replacement_only_when_crossed() -> None:
    from mlops_new.engine import migrations

    assert (
        migrations.migrate_answers({"python_version": "3.10"}, "0.2.0", "0.4.0")["python_version"]
        == "3.11"
    )
    assert migrations.migrate_answers({"python_version": "3.10"}, "0.1.0", "0.3.0") == {
        "python_version": "3.10"
    }
    other = {"python_version": "3.10"}
    assert migrations.migrate_answers(other, "", "") == other  # another template: untouched
