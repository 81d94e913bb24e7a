import nox

TEST_ARGS = ["pytest", "--cov=bentoml", "--cov-report=term-missing", "--cov-config=pyproject.toml", "-vv"]
PYTHON_VERSIONS = ["3.9", "3.10", "3.11", "3.12"]


@nox.session(name="unit", python=PYTHON_VERSIONS)
def run_unittest(session: nox.Session):
    session.run("pdm", "sync", "-G", "grpc,io,testing", external=True)
    session.run(*TEST_ARGS, "-n", "auto", "tests/unit")


@nox.session(name="coverage")
def coverage_report(session: nox.Session):
    session.run("coverage", "combine")
    session.run("coverage", "xml")
