#!/usr/bin/env bash
# The demo: installs what it needs into .venv, then runs Sportello with embedded defaults
# (SQLite in ./data, the Cloud API emulator in-process) on http://127.0.0.1:8000.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
exec "$ROOT/.venv/bin/sportello" demo "$@"
