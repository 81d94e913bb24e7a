def test_mean_aggregator() -> None:
    assert True
