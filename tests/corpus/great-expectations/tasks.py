import invoke


@invoke.task
def lint(ctx, path="."):
    ctx.run(" ".join(["ruff", "check", path]), echo=True)


@invoke.task(aliases=("type-cov",))
def type_check(ctx, ci=False, pretty=False):
    ctx.run("mypy great_expectations", echo=True)


@invoke.task
def ci_tests(ctx, marker, xdist=False, slowest=5, timeout=0.0, reports=False):
    pytest_options = [f"--durations={slowest}", "-rEf"]
    pytest_cmd = ["pytest", "-m", marker] + pytest_options
    ctx.run(" ".join(pytest_cmd), echo=True)
