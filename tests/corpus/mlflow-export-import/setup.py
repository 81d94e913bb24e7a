"""Packaging in setup.py only (no pyproject.toml)."""

from setuptools import find_packages, setup

setup(
    name="mlflow_export_import",
    packages=find_packages(),
    python_requires=">=3.8",
    install_requires=["mlflow-skinny[databricks]>=2.16.2", "pandas>=1.5.2"],
    extras_require={"tests": ["mlflow[databricks]>=2.16.2", "pytest", "pytest-html"]},
)
