def test_model_card_renders() -> None:
    assert True
