def test_baking_configs() -> None:
    assert True
