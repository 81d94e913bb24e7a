def test_foo() -> None:
    assert True
