def test_has_tool_ruff() -> None:
    assert True
