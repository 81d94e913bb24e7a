from .testing_constants import TOKEN


def test_whoami() -> None:
    assert TOKEN.startswith("hf_")
