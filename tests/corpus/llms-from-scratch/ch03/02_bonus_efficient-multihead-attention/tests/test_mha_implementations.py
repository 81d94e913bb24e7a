def test_mha_implementations() -> None:
    assert True
