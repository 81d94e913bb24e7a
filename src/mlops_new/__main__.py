"""``python -m mlops_new``."""

from mlops_new.cli import main

if __name__ == "__main__":
    main()
