from setuptools import find_packages, setup

config = {
    "name": "great_expectations",
    "packages": find_packages(exclude=["tests", "tests.*"]),
    "python_requires": ">=3.9",
    "install_requires": ["altair>=4.2.1,<5.0.0", "jinja2>=2.10", "pandas>=1.3.0"],
    "classifiers": ["Programming Language :: Python :: 3", "Topic :: Software Development :: Testing"],
}

setup(**config)
