#!/usr/bin/env bash
# ansible-test sanity on a copy of the tree at ansible_collections/fleet/docker.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="$ROOT/.venv"
PY="${SANITY_PYTHON:-3.11}"
# SANITY_DIR lets parallel runs (developers, CI) keep separate copies.
DEST="${SANITY_DIR:-$ROOT/.cache/sanity}/ansible_collections/fleet/docker"

# ansible-test downloads a pip bootstrap script from a host this machine cannot reach.
# A local stand-in does the same job with ensurepip; write it only when missing.
PIP_VER="$("$VENV/bin/python" - <<'PY'
import re, pathlib, ansible_test
src = pathlib.Path(ansible_test.__file__).parent / '_internal' / 'python_requirements.py'
print(re.search(r"pip='([^']+)'", src.read_text()).group(1))
PY
)"
GET_PIP="$HOME/.ansible/test/cache/get_pip_${PIP_VER//./_}.py"
if [ ! -f "$GET_PIP" ]; then
  mkdir -p "$(dirname "$GET_PIP")"
  cat >"$GET_PIP" <<'PY'
# Local stand-in for the pip bootstrap script (no network here): ensurepip, then pip install.
import ensurepip, os, subprocess, sys
ensurepip.bootstrap()
os.environ.pop('PIP_CONFIG_FILE', None)  # ensurepip points it at /dev/null, hiding the index config
args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
sys.exit(subprocess.call([sys.executable, '-m', 'pip', 'install'] + args))
PY
fi

# Changelog fragments and changelogs/changelog.yaml (antsibull-changelog; changelogs/config.yaml).
cd "$ROOT"
"$VENV/bin/antsibull-changelog" lint
"$VENV/bin/antsibull-changelog" lint-changelog-yaml changelogs/changelog.yaml

rm -rf "$DEST"; mkdir -p "$DEST"
# Only what is tracked or about to be: the collection as git would ship it.
cd "$ROOT"
git ls-files -co --exclude-standard -z | xargs -0 -I{} cp --parents -P {} "$DEST"/ 2>/dev/null || true
cd "$DEST"
git init -q . && git add -A >/dev/null 2>&1
"$VENV/bin/ansible-test" sanity --python "$PY" --color no "$@"
