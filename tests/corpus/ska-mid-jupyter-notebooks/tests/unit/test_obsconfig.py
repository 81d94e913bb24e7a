def test_obsconfig() -> None:
    assert True
