def test_status() -> None:
    assert True
