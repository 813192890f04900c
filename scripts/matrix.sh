#!/usr/bin/env bash
# The version matrix (docs/matrix.md): the smoke play on every cell of a covering design of
# ansible-core x controller Python x managed-host Python x Docker SDK x engine; writes docs/matrix.md.
# Needs the engines (make engines). MATRIX_SANITY=1 adds ansible-test sanity on the newest core.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
args=()
[ "${MATRIX_SANITY:-0}" = 1 ] && args+=(--sanity)
[ -n "${MATRIX_CELLS:-}" ] && args+=(--cells "$MATRIX_CELLS")
exec "$ROOT/.venv/bin/python" scripts/matrix.py "${args[@]}" "$@"
