#!/usr/bin/env bash
# The docs site (make docs): antsibull-docs writes a page per module and role, the guides are the
# repository's Markdown (README, docs/*.md), Sphinx renders them to .cache/docs/html.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="$ROOT/.venv-docs"
OUT="${DOCS_OUT:-$ROOT/.cache/docs}"
REQ="$ROOT/docs/site/requirements.txt"
mkdir -p "$ROOT/.cache"

if [ ! -f "$VENV/.installed" ] || [ "$REQ" -nt "$VENV/.installed" ]; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  if ! "$VENV/bin/pip" install -q -r "$REQ" >"$ROOT/.cache/docs-pip.log" 2>&1; then
    grep -v 'is ignored: it is neither' "$ROOT/.cache/docs-pip.log" >&2; exit 1
  fi
  touch "$VENV/.installed"
fi
# The working tree as the collection fleet.docker (what make install links).
mkdir -p "$ROOT/.cache/collections/ansible_collections/fleet"
ln -sfn ../../../.. "$ROOT/.cache/collections/ansible_collections/fleet/docker"
export PATH="$VENV/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$ROOT/.cache/collections" ANSIBLE_CONFIG="$ROOT/docs/site/ansible.cfg"

rm -rf "$OUT/rst" "$OUT/html"
mkdir -p "$OUT/rst" && chmod 700 "$OUT/rst"
# A module whose DOCUMENTATION does not parse fails the build; DOCS_LENIENT=1 renders an error
# page for it instead (antsibull-docs' default) and sphinx warnings do not fail either.
strict=(--fail-on-error); sphinx_strict=(-W)
[ "${DOCS_LENIENT:-0}" = 1 ] && strict=() && sphinx_strict=()
"$VENV/bin/antsibull-docs" --config-file "$ROOT/docs/site/antsibull-docs.cfg" collection \
  --use-current "${strict[@]}" --dest-dir "$OUT/rst" fleet.docker
cp "$ROOT/docs/site/rst/"*.rst "$OUT/rst/"
# The guides: README is the scenario guide; links to the other guides become page links.
sed -e 's#(docs/\([a-z-]*\)\.md)#(\1.md)#g' "$ROOT/README.md" >"$OUT/rst/guide.md"
for page in migration execution-environment matrix engines reliability; do
  sed -e 's#(\([a-z-]*\)\.md)#(\1.md)#g' "$ROOT/docs/$page.md" >"$OUT/rst/$page.md"
done
"$VENV/bin/python" "$ROOT/docs/site/playbooks.py" "$ROOT" "$OUT/rst/playbooks.md"
"$VENV/bin/sphinx-build" -q -b html -c "$ROOT/docs/site" "$OUT/rst" "$OUT/html" --keep-going "${sphinx_strict[@]}"
"$VENV/bin/python" "$ROOT/docs/site/check.py" "$ROOT" "$OUT/html"
echo "[docs] $OUT/html/index.html"
