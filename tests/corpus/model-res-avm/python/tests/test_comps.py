def test_get_comps() -> None:
    assert True
