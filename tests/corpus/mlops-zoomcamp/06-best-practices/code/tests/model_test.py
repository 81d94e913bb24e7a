def test_base64_decode() -> None:
    assert True
