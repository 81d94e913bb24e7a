#!/usr/bin/env bash
set -e
set -x
export TERMINAL_WIDTH=3000
pytest --cov --cov-report=term-missing --numprocesses=auto ${@}
