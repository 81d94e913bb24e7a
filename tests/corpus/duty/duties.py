"""Tasks: quality, types, tests (fixture, modelled on the real duties.py)."""

from duty import duty, tools


@duty
def check_quality(ctx):
    ctx.run(tools.ruff.check("src", "tests", config="config/ruff.toml"))


@duty
def check_types(ctx):
    ctx.run(tools.mypy("src", "tests", config_file="config/mypy.ini"))


@duty
def test(ctx):
    ctx.run(tools.pytest("tests", config_file="config/pytest.ini"))
