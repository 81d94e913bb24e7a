def test_blueprint_builds() -> None:
    assert True
