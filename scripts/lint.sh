#!/usr/bin/env bash
# ansible-lint (production profile) on the roles and playbooks.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
targets=()
for d in roles playbooks; do
  [ -n "$(find "$d" -name '*.yml' -print -quit 2>/dev/null)" ] && targets+=("$d")
done
if [ ${#targets[@]} -eq 0 ]; then echo "[lint] no roles or playbooks yet"; exit 0; fi
ANSIBLE_COLLECTIONS_PATH="$ROOT/.cache/collections" "$ROOT/.venv/bin/ansible-lint" --offline --profile production "${targets[@]}"
