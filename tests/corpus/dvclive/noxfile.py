"""Nox sessions (fixture, modelled on the real noxfile)."""

import nox


@nox.session(python=["3.12"])
def tests(session):
    session.install(".[dev]")
    session.run("pytest", "--cov", "--cov-config=pyproject.toml", *session.posargs)


@nox.session
def lint(session):
    session.run("pre-commit", "run", "--all-files")
    session.run("python", "-m", "mypy")
