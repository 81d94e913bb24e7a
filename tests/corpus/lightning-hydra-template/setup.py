"""Packaging stub of the template (no python_requires)."""

from setuptools import find_packages, setup

setup(
    name="src",
    version="0.0.1",
    install_requires=["lightning", "hydra-core"],
    packages=find_packages(),
)
