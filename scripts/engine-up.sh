#!/usr/bin/env bash
# Idempotent: install the engine, registry and busybox when missing, start dockerd
# and a registry on 127.0.0.1:5000, and seed the demo images. Safe to rerun.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
LOG_TAG=engine-up
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
STATE="${FLEET_STATE:-$ROOT/.state}"
REGISTRY_ADDR="${REGISTRY_ADDR:-127.0.0.1:5000}"
DOCKER=/usr/bin/docker   # Debian's client matches the engine; /usr/local/bin may hold a newer one
mkdir -p "$STATE"
# One run at a time: every pytest-xdist worker's session calls this script. The daemons started
# below must not inherit fd 8: a daemon holding it would hold the lock for its whole life, and
# every later run would wait out the timeout and fail (CI on a fresh machine did exactly that).
exec 8>"$STATE/.engine-up.lock"
flock -w 900 8 || { echo "[engine-up] another engine-up.sh holds $STATE/.engine-up.lock" >&2; exit 1; }

log() { printf '[engine-up] %s\n' "$*"; }

need_pkgs=()
command -v dockerd >/dev/null || need_pkgs+=(docker.io)
command -v docker-registry >/dev/null || need_pkgs+=(docker-registry)
[ -x /bin/busybox ] && busybox --list 2>/dev/null | grep -qx httpd || need_pkgs+=(busybox-static)
command -v htpasswd >/dev/null || need_pkgs+=(apache2-utils)
command -v curl >/dev/null || need_pkgs+=(curl)
command -v iptables >/dev/null || need_pkgs+=(iptables)
apt_install_missing ${need_pkgs[@]+"${need_pkgs[@]}"}
[ -x "$DOCKER" ] || DOCKER="$(command -v docker)"

engine_ok() { "$DOCKER" -H unix:///var/run/docker.sock version >/dev/null 2>&1; }
if ! engine_ok; then
  log "starting dockerd"
  # A stale pidfile from a killed daemon blocks a new start.
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then rm -f /var/run/docker.pid; fi
  setsid nohup dockerd -H unix:///var/run/docker.sock >"$STATE/dockerd.log" 2>&1 </dev/null 8>&- &
  for _ in $(seq 1 60); do engine_ok && break; sleep 0.5; done
  engine_ok || { log "dockerd did not start; see $STATE/dockerd.log"; tail -20 "$STATE/dockerd.log"; exit 1; }
fi

registry_ok() { curl -fsS "http://$1/v2/" >/dev/null 2>&1; }
# A registry answering on our address whose directory was deleted (its checkout is gone) serves
# nothing useful: stop it so a fresh one starts. Each registry notes its directory here.
POINTERS=/run/fleet-docker
mkdir -p "$POINTERS"
drop_orphan_registry() { # addr
  local note="$POINTERS/registry-${1//[:.]/_}" dir
  [ -s "$note" ] || return 0
  dir="$(cat "$note")"
  if [ ! -f "$dir/config.yml" ]; then
    log "registry on $1 belongs to a deleted directory $dir; restarting it"
    pkill -f "docker-registry serve $dir/config.yml" || true
    for _ in $(seq 1 20); do curl -s -o /dev/null "http://$1/v2/" 2>/dev/null || break; sleep 0.25; done
    rm -f "$note"
  fi
}
start_registry() { # addr dir [htpasswd]
  local addr=$1 dir=$2 auth=${3:-}
  mkdir -p "$dir/data"
  {
    echo "version: 0.1"
    echo "log: {level: warn}"
    echo "storage: {filesystem: {rootdirectory: $dir/data}, delete: {enabled: true}}"
    echo "http: {addr: $addr}"
    [ -n "$auth" ] && echo "auth: {htpasswd: {realm: fleet-test, path: $auth}}"
  } >"$dir/config.yml"
  setsid nohup docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 </dev/null 8>&- &
  echo "$dir" >"$POINTERS/registry-${addr//[:.]/_}"
  for _ in $(seq 1 40); do
    curl -sS -o /dev/null "http://$addr/v2/" 2>/dev/null && return 0; sleep 0.25
  done
  log "registry on $addr did not start"; cat "$dir/registry.log"; return 1
}
# Where the running registry keeps its data, for the lab's bridge registry to serve the same
# store even when this checkout reuses a registry another checkout started.
REGISTRY_POINTER=/run/fleet-docker/registry-data
drop_orphan_registry "$REGISTRY_ADDR"
if registry_ok "$REGISTRY_ADDR"; then
  log "registry on $REGISTRY_ADDR already answers; reusing it"
else
  log "starting registry on $REGISTRY_ADDR"
  start_registry "$REGISTRY_ADDR" "$STATE/registry"
  mkdir -p "$(dirname "$REGISTRY_POINTER")"
  echo "$STATE/registry/data" >"$REGISTRY_POINTER"
fi

# Second registry with htpasswd auth, for registry_login tests.
AUTH_ADDR="${AUTH_REGISTRY_ADDR:-127.0.0.1:5001}"
drop_orphan_registry "$AUTH_ADDR"
if ! curl -sS -o /dev/null "http://$AUTH_ADDR/v2/" 2>/dev/null; then
  mkdir -p "$STATE/registry-auth"
  htpasswd -Bbn fleet "${AUTH_REGISTRY_PASSWORD:-fleet-secret-pw}" >"$STATE/registry-auth/htpasswd"
  log "starting authenticated registry on $AUTH_ADDR"
  start_registry "$AUTH_ADDR" "$STATE/registry-auth" "$STATE/registry-auth/htpasswd"
fi

"$ROOT/scripts/seed-images.sh" "$REGISTRY_ADDR"
log "ready: engine $("$DOCKER" version -f '{{.Server.Version}}'), registry $REGISTRY_ADDR"
