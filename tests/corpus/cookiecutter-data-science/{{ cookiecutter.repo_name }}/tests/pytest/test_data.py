def test_code_is_tested() -> None:
    assert False
