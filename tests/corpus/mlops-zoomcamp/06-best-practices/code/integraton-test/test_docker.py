def test_docker_prediction() -> None:
    assert True
