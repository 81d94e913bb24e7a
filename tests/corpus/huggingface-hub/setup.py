"""Packaging lives in setup.py (pyproject.toml holds tool settings only)."""

from setuptools import find_packages, setup

setup(
    name="huggingface_hub",
    package_dir={"": "src"},
    packages=find_packages("src"),
    python_requires=">=3.10.0",
    classifiers=["Intended Audience :: Developers", "Topic :: Scientific/Engineering"],
    install_requires=["filelock", "fsspec>=2023.5.0", "httpx>=0.23.0,<1"],
    extras_require={"testing": ["pytest>=8.4.2", "pytest-cov"], "quality": ["ruff>=0.9.0", "mypy"]},
)
