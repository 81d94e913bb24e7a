"""Nox sessions (fixture, modelled on the real noxfile)."""

import nox


@nox.session
def mypy(session):
    session.install("mypy", "pytest", ".")
    session.run("mypy", "src", "tests")


@nox.session
def tests(session):
    session.install("coverage[toml]", "pytest", ".")
    session.run("coverage", "run", "--parallel", "-m", "pytest", *session.posargs)
