#!/usr/bin/env bash
# Build the demo images offline (FROM scratch + busybox-static) and push them to the
# registry given as $1. Skips the work when the registry already has every tag.
#
# Then demo/nginx:{1.22,stable,latest}: real nginx from Debian's packages. mmdebstrap makes a
# bookworm root file system with nginx-light (cached as .state/nginx/rootfs.tar, about 45 s and
# 190 MB once), `docker import` makes it a base image, and fleet.docker.image_build builds
# scripts/nginx/Dockerfile on it (the official image's layout); fleet.docker.image_push pushes.
set -euo pipefail
REG="${1:-127.0.0.1:5000}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STATE="${FLEET_STATE:-$ROOT/.state}"
DOCKER=/usr/bin/docker; [ -x "$DOCKER" ] || DOCKER="$(command -v docker)"
export DOCKER_HOST="${SEED_DOCKER_HOST:-unix:///var/run/docker.sock}"

have_tag() { curl -fsS "http://$REG/v2/$1/tags/list" 2>/dev/null | grep -q "\"$2\""; }

# Run one of the collection's modules as Ansible runs it on a target; fail loudly on failure.
run_module() { # module json-args
  local py="$ROOT/.venv/bin/python" out
  [ -x "$py" ] || py=python3
  mkdir -p "$ROOT/.cache/collections/ansible_collections/fleet"
  [ -e "$ROOT/.cache/collections/ansible_collections/fleet/docker" ] || \
    ln -sfn ../../../.. "$ROOT/.cache/collections/ansible_collections/fleet/docker"
  out="$(printf '{"ANSIBLE_MODULE_ARGS": %s}' "$2" | \
    PYTHONPATH="$ROOT/.cache/collections" "$py" -m "ansible_collections.fleet.docker.plugins.modules.$1")" || true
  if ! printf '%s' "$out" | "$py" -c 'import json,sys; r=json.loads(sys.stdin.read().strip().splitlines()[-1]); sys.exit(1 if r.get("failed") else 0)'; then
    echo "[seed] fleet.docker.$1 failed: $out" >&2; return 1
  fi
}

seed_nginx() {
  if have_tag demo/nginx 1.22 && have_tag demo/nginx stable && have_tag demo/nginx latest; then
    echo "[seed] registry $REG already has demo/nginx"; return 0
  fi
  local cache="$STATE/nginx" base=fleet-seed/nginx-base:bookworm
  mkdir -p "$cache"
  if [ ! -s "$cache/rootfs.tar" ]; then
    command -v mmdebstrap >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null; }
    echo "[seed] mmdebstrap bookworm with nginx-light (once, about 45 s)"
    rm -f "$cache/rootfs.partial.tar"
    mmdebstrap --quiet --variant=minbase --include=nginx-light bookworm "$cache/rootfs.partial.tar"
    mv "$cache/rootfs.partial.tar" "$cache/rootfs.tar"
  fi
  if ! $DOCKER image inspect "$base" >/dev/null 2>&1; then
    $DOCKER import "$cache/rootfs.tar" "$base" >/dev/null
  fi
  run_module image_build "{\"name\": \"$REG/demo/nginx:1.22\", \"path\": \"$ROOT/scripts/nginx\", \"args\": {\"BASE\": \"$base\"}}"
  run_module image_build "{\"name\": \"$REG/demo/nginx:stable\", \"path\": \"$ROOT/scripts/nginx/stable\", \"args\": {\"BASE\": \"$REG/demo/nginx:1.22\"}}"
  run_module image_tag "{\"name\": \"$REG/demo/nginx:stable\", \"repository\": [\"$REG/demo/nginx:latest\"], \"force\": true}"
  for tag in 1.22 stable latest; do
    run_module image_push "{\"name\": \"$REG/demo/nginx:$tag\"}"
  done
  echo "[seed] pushed demo/nginx:{1.22,stable,latest} to $REG"
}

if have_tag demo/web 1.0 && have_tag demo/web stable && have_tag demo/web latest && have_tag demo/worker 1.0; then
  echo "[seed] registry $REG already seeded with demo/web and demo/worker"
  seed_nginx
  exit 0
fi

work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
# Base layer shared by every demo image: busybox and its applet links.
mkdir -p "$work/base/bin" "$work/web" "$work/worker"
cp /bin/busybox "$work/base/bin/busybox"
cat >"$work/base/Dockerfile" <<'DF'
FROM scratch
COPY bin/busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
DF
# busybox --install needs /bin to exist, which COPY made; it links every applet.
$DOCKER build -q -t fleet-seed/base:1 "$work/base" >/dev/null

cat >"$work/web/Dockerfile" <<'DF'
FROM fleet-seed/base:1
RUN mkdir -p /usr/share/nginx/html /tmp && \
    echo '<h1>Welcome to demo/web</h1>' > /usr/share/nginx/html/index.html && \
    echo '<h1>50x: server error</h1>' > /usr/share/nginx/html/50x.html
LABEL org.fleet.demo=web
ENV WEB_ROOT=/usr/share/nginx/html
EXPOSE 80
CMD ["/bin/httpd", "-f", "-p", "80", "-h", "/usr/share/nginx/html"]
DF
$DOCKER build -q -t "$REG/demo/web:1.0" "$work/web" >/dev/null
# :stable = :1.0 plus one layer; the base layer is shared.
printf 'FROM %s\nRUN echo stable > /usr/share/nginx/html/version.txt\n' "$REG/demo/web:1.0" >"$work/web/Dockerfile.stable"
$DOCKER build -q -t "$REG/demo/web:stable" -f "$work/web/Dockerfile.stable" "$work/web" >/dev/null
$DOCKER tag "$REG/demo/web:stable" "$REG/demo/web:latest"

cat >"$work/worker/Dockerfile" <<'DF'
FROM fleet-seed/base:1
LABEL org.fleet.demo=worker
# PID 1 ignores SIGTERM, so a stop waits the whole timeout.
CMD ["/bin/sh", "-c", "trap '' TERM; while true; do sleep 1; done"]
DF
$DOCKER build -q -t "$REG/demo/worker:1.0" "$work/worker" >/dev/null

for ref in demo/web:1.0 demo/web:stable demo/web:latest demo/worker:1.0; do
  $DOCKER push -q "$REG/$ref" >/dev/null
done
echo "[seed] pushed demo/web:{1.0,stable,latest} and demo/worker:1.0 to $REG"
seed_nginx
