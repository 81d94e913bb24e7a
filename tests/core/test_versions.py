from __future__ import annotations

import pytest

from mlops_new import versions
from mlops_new.errors import UnknownVersionError


@pytest.mark.parametrize("given", ["0.1.0", "v0.1.0", " v0.1.0 "])
def test_both_spellings_are_accepted(given: str) -> None:
    assert versions.bare(given) == "0.1.0"
    assert versions.tag(given) == "v0.1.0"


@pytest.mark.parametrize("given", ["latest", "1.2", "v1.2.3.4", "1.2.x", ""])
def test_other_strings_are_rejected_with_the_value(given: str) -> None:
    with pytest.raises(UnknownVersionError, match="is not a template version"):
        versions.parse(given)
