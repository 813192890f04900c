#!/usr/bin/env bash
# The benchmark venv: PyPI `ansible` 12.x (community.docker 4.x) and the Docker SDK for community.docker,
# matplotlib for the chart, Mitogen for one lever. Idempotent; used by `make bench`.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="$ROOT/.venv-bench"
if [ ! -x "$VENV/bin/ansible-playbook" ] || ! "$VENV/bin/python" -c 'import docker, matplotlib, requests' 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q 'ansible>=12,<13' 'docker>=7,<8' 'requests>=2.31,<3' 'matplotlib>=3.7,<4'
fi
# Mitogen, for the issue #18 lever (benchmarks/levers.py `mitogen`): a strategy plugin, off by default.
"$VENV/bin/python" -c 'import ansible_mitogen' 2>/dev/null || "$VENV/bin/pip" install -q 'mitogen==0.3.54'
"$VENV/bin/ansible-playbook" --version | head -1
