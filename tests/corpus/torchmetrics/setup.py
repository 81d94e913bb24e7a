from setuptools import find_packages, setup

setup(
    name="torchmetrics",
    package_dir={"": "src"},
    packages=find_packages(where="src"),
    python_requires=">=3.10",
    install_requires=["numpy >1.20.0", "torch >=2.0.0"],
    classifiers=["Programming Language :: Python :: 3", "Topic :: Scientific/Engineering :: Artificial Intelligence"],
)
