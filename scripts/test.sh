#!/usr/bin/env bash
# The whole test suite: installs the test dependencies (Debian's chromium when missing),
# makes sure PostgreSQL and Redis answer, then runs ruff, mypy and pytest.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash "$ROOT/scripts/bootstrap.sh" test
bash "$ROOT/scripts/services.sh"
export SPORTELLO_SHARED_DIR="${SPORTELLO_SHARED_DIR:-$ROOT/../shared}"

echo "==> ruff"
.venv/bin/ruff check src tests $([ -d bench ] && echo bench)
.venv/bin/ruff format --check src tests $([ -d bench ] && echo bench)
echo "==> mypy"
.venv/bin/mypy
echo "==> pytest"
exec .venv/bin/pytest -p no:cacheprovider "$@"
