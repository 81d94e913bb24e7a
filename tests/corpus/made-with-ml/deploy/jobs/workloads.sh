#!/bin/bash
# Runs on the Anyscale cluster: tests, training, evaluation, model tests.
pytest tests/data --verbose
python -m pytest tests/code --verbose
python madewithml/train.py --experiment-name llm
