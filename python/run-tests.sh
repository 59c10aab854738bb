#!/usr/bin/env bash
# The Python handler helper's tests: a venv on Debian's /usr/bin/python3 that sees its packages
# (python3-psycopg, python3-pymysql, python3-pytest, python3-uvicorn, python3-fastapi; PyPI is not
# needed), the helper installed from ./python exactly as a user installs it (no network, no build
# isolation), then its pytest suite with the summary of failures and errors.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv-python/bin/python ] || /usr/bin/python3 -m venv --system-site-packages .venv-python
.venv-python/bin/pip install --quiet --no-build-isolation --no-index --no-deps --force-reinstall ./python
exec .venv-python/bin/python -m pytest python/tests -q -rfE "$@"
