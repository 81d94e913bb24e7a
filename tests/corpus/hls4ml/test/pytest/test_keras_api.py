def test_dense() -> None:
    assert True
