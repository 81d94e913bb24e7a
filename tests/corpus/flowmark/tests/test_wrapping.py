def test_fill_markdown() -> None:
    assert True
