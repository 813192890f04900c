#!/usr/bin/env bash
# The newer Docker engines the tests run on, beside the host's 20.10 (/var/run/docker.sock):
#
#   scripts/engines.sh up [NAME...]      start (or repair) 26.1 and 28.5, or only the NAMEs; idempotent
#   scripts/engines.sh down [NAME...]    stop them and remove their namespaces (data is kept)
#   scripts/engines.sh status [NAME...]  one line per engine; exit 0 only when all are healthy
#
# Each engine is the dockerd of a Debian root filesystem (scripts/rootfs.sh: trixie = 26.1,
# sid = 28.5), in its own network and mount namespace, with the rootfs made root by pivot_root
# (under a chroot, `docker exec` would run in the host's root filesystem). Per engine, under
# .state/engines/NAME/: root/ (the extracted rootfs), run/ (its /run: docker.sock is here),
# data/ (its /var/lib/docker, kept across re-extraction), dockerd.log, registry-*.log.
#
# What the tests need on every engine, and how it is given:
#  - the same image references: the host's registries (scripts/engine-up.sh) are served a second
#    time inside the engine's netns on 127.0.0.1:5000 and :5001, from the same storage and htpasswd;
#  - the same bind sources: the host's /tmp and this checkout are bound on the same paths in the rootfs;
#  - published ports: the netns has a veth to the host, 10.219.N.2 (host side 10.219.N.1/24), and
#    tests also reach 127.0.0.1 of the netns with nsenter (tests/lib/fleet_testlib.py engine_http_get).
# The engine netns has no default route: nothing it runs can leave the machine.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
LOG_TAG=engines
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
SELF="$ROOT/scripts/engines.sh"
STATE="${FLEET_STATE:-$ROOT/.state}"
BASE="$STATE/engines"
NET="${ENGINES_NET:-10.219}"      # engine N: veth 10.219.N.0/24, docker0 10.219.(100+N).1/24
READY_SECONDS=60

# name suite N (the lab owns 10.213-10.216; 10.219 is ours)
ENGINES=("26.1 trixie 1" "28.5 sid 2")

log() { printf '[engines] %s\n' "$*" >&2; }
die() { printf '[engines] ERROR: %s\n' "$*" >&2; exit 1; }

netns_of() { echo "fleeteng$1"; }
veth_of() { echo "fleeteng$1"; }
dir_of() { echo "$BASE/$1"; }

ensure_packages() {
  local need=()
  command -v ip >/dev/null || need+=(iproute2)
  command -v nsenter >/dev/null && command -v unshare >/dev/null && command -v flock >/dev/null || need+=(util-linux)
  command -v docker-registry >/dev/null || need+=(docker-registry)
  command -v curl >/dev/null || need+=(curl)
  command -v tar >/dev/null || need+=(tar)
  apt_install_missing ${need[@]+"${need[@]}"}
}

docker_ok() { curl -fsS -m 3 --unix-socket "$(dir_of "$1")/run/docker.sock" http://engine/_ping >/dev/null 2>&1; }
server_version() {
  curl -fsS -m 3 --unix-socket "$(dir_of "$1")/run/docker.sock" http://engine/version 2>/dev/null \
    | sed -n 's/.*"Version":"\([^"]*\)".*"ApiVersion":"\([^"]*\)".*/\1 (API \2)/p' | head -1
}
in_ns() { local ns=$1; shift; nsenter --net="/run/netns/$ns" "$@"; }
registry_code() { # ns port: HTTP status of /v2/ inside the netns (000 when nothing answers)
  in_ns "$1" curl -s -m 3 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$2/v2/" 2>/dev/null || true
}

# ---------------------------------------------------------------- parts
ensure_netns() { # name n
  local n=$2 ns veth; ns=$(netns_of "$n"); veth=$(veth_of "$n")
  [ -e "/run/netns/$ns" ] || { log "$1: creating netns $ns"; ip netns add "$ns"; }
  ip -n "$ns" link set lo up
  if ! ip link show "$veth" >/dev/null 2>&1; then
    ip -n "$ns" link del eth0 2>/dev/null || true
    ip link add "$veth" type veth peer name "${veth}p"
    ip link set "${veth}p" netns "$ns"
    ip -n "$ns" link set "${veth}p" name eth0
  fi
  [[ "$(ip -4 addr show dev "$veth")" == *"inet $NET.$n.1/24 "* ]] || ip addr add "$NET.$n.1/24" dev "$veth"
  ip link set "$veth" up
  [[ "$(ip -n "$ns" -4 addr show dev eth0)" == *"inet $NET.$n.2/24 "* ]] || ip -n "$ns" addr add "$NET.$n.2/24" dev eth0
  ip -n "$ns" link set eth0 up
}

# The rootfs tarball of the engine's suite; a sid that could not be built falls back to trixie,
# and that is written down (status, test ids, README say so).
ensure_root() { # name suite
  local name=$1 suite=$2 d tar stamp
  d=$(dir_of "$name")
  tar=$(bash "$ROOT/scripts/rootfs.sh" "$suite") || die "$name: no rootfs for $suite"
  [ -f "$tar" ] || die "$name: $tar is not a tarball"
  if [ "$(basename "$tar")" != "$suite.tar" ]; then
    echo "$suite could not be built; $name runs $(basename "$tar" .tar)'s engine" >"$d/fallback"
    log "WARNING: $name: $(cat "$d/fallback")"
  else
    rm -f "$d/fallback"
  fi
  stamp="$(basename "$tar") $(stat -c '%s %Y' "$tar")"
  if [ -x "$d/root/usr/sbin/dockerd" ] && [ "$(cat "$d/root.stamp" 2>/dev/null)" = "$stamp" ]; then
    return 0
  fi
  stop_engine "$name" "$3"
  log "$name: extracting $tar"
  rm -rf "$d/root.new"
  mkdir -p "$d/root.new"
  tar --numeric-owner -xpf "$tar" -C "$d/root.new"
  rm -rf "$d/root"
  mv "$d/root.new" "$d/root"
  echo "$stamp" >"$d/root.stamp"
}

# The engine's init, run in a fresh mount namespace inside the engine's netns.
write_init() { # name n
  local name=$1 n=$2 d r binds=""
  d=$(dir_of "$name"); r="$d/root"
  # The checkout on its own path, unless /tmp (bound anyway) already holds it.
  case "$ROOT/" in /tmp/*) ;; *) binds="mkdir -p '$r$ROOT'; mount --bind '$ROOT' '$r$ROOT'" ;; esac
  cat >"$d/init.sh" <<EOF
set -eu
mount --make-rprivate /
# pivot_root needs the new root to be a mount point (and docker load needs it: "remount /").
mount --bind '$r' '$r'
mount -t proc proc '$r/proc'
mount --rbind /sys '$r/sys'
mount --rbind /dev '$r/dev'
mount --bind '$d/run' '$r/run'
mkdir -p '$r/var/lib/docker'
mount --bind '$d/data' '$r/var/lib/docker'
# Bind sources mean the same file on every engine: pytest's tmp_path and the checkout.
mount --bind /tmp '$r/tmp'
$binds
cd '$r'
mkdir -p .old
pivot_root . .old
exec chroot . /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
  /bin/sh -c 'umount -l /.old; rmdir /.old 2>/dev/null; exec dockerd -H unix:///run/docker.sock \
  --data-root /var/lib/docker --exec-root /run/docker-exec --pidfile /run/docker.pid \
  --bip $NET.$((100 + n)).1/24 --cgroup-parent /fleet-engine-$n --log-level warn'
EOF
}

stop_engine() { # name n: dockerd and every process of its netns, gracefully first
  local name=$1 n=$2 ns pid pids=()
  ns=$(netns_of "$n")
  pid=$(cat "$(dir_of "$name")/run/docker.pid" 2>/dev/null || true)
  if [[ "$pid" =~ ^[0-9]+$ ]] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ]; then
    kill_wait TERM "$pid" || true
  fi
  if [ -e "/run/netns/$ns" ]; then
    mapfile -t pids < <(pids_in_ns net "$(stat -L -c %i "/run/netns/$ns")")
    # The registries of the netns stay; everything else (shims, containers) goes.
    local keep=() p
    for p in "${pids[@]}"; do
      [ "$(cat "/proc/$p/comm" 2>/dev/null)" = docker-registry ] || keep+=("$p")
    done
    [ ${#keep[@]} -gt 0 ] && { kill_wait KILL "${keep[@]}" || true; }
  fi
  rm -f "$(dir_of "$name")/run/docker.pid"
}

start_engine() { # name n
  local name=$1 n=$2 d ns; d=$(dir_of "$name"); ns=$(netns_of "$n")
  stop_engine "$name" "$n"
  write_init "$name" "$n"
  log "$name: starting dockerd (log $d/dockerd.log)"
  setsid nohup nsenter --net="/run/netns/$ns" unshare --mount --propagation private --fork \
    sh "$d/init.sh" >>"$d/dockerd.log" 2>&1 </dev/null 9>&- &
}

wait_engine() { # name
  local i
  for i in $(seq 1 $((READY_SECONDS * 5))); do docker_ok "$1" && return 0; sleep 0.2; done
  tail -20 "$(dir_of "$1")/dockerd.log" >&2
  die "$1: dockerd did not answer within ${READY_SECONDS} s (see $(dir_of "$1")/dockerd.log)"
}

# The host registries, served again inside the netns from the same store (and htpasswd).
registry_source() { # port: the directory engine-up.sh's registry on 127.0.0.1:PORT uses
  local note="/run/fleet-docker/registry-127_0_0_1_$1" dir
  dir=$(cat "$note" 2>/dev/null || true)
  if [ -z "$dir" ] || [ ! -d "$dir/data" ]; then
    dir="$STATE/registry"; [ "$1" = 5001 ] && dir="$STATE/registry-auth"
  fi
  [ -d "$dir/data" ] || die "no registry storage at $dir: run 'make engine' first"
  echo "$dir"
}
ensure_registry() { # name n port
  local name=$1 n=$2 port=$3 d ns src conf code
  d=$(dir_of "$name"); ns=$(netns_of "$n"); conf="$d/registry-$port.yml"
  code=$(registry_code "$ns" "$port")
  case "$code" in 200|401) return 0 ;; esac
  src=$(registry_source "$port")
  kill_wait KILL $(pids_with_arg "$conf") || true
  {
    echo "version: 0.1"
    echo "log: {level: warn}"
    echo "storage: {filesystem: {rootdirectory: $src/data}, delete: {enabled: true}}"
    echo "http: {addr: 127.0.0.1:$port}"
    [ "$port" = 5001 ] && echo "auth: {htpasswd: {realm: fleet-test, path: $src/htpasswd}}"
  } >"$conf"
  log "$name: registry on 127.0.0.1:$port in $ns (storage $src/data)"
  setsid nohup nsenter --net="/run/netns/$ns" docker-registry serve "$conf" >"$d/registry-$port.log" 2>&1 </dev/null 9>&- &
  local i
  for i in $(seq 1 40); do
    code=$(registry_code "$ns" "$port")
    case "$code" in 200|401) return 0 ;; esac
    sleep 0.25
  done
  cat "$d/registry-$port.log" >&2
  die "$name: registry on 127.0.0.1:$port did not start in $ns"
}

engine_up() { # name suite n
  local name=$1 suite=$2 n=$3 d; d=$(dir_of "$name")
  mkdir -p "$d/run" "$d/data"
  ensure_netns "$name" "$n"
  ensure_root "$name" "$suite" "$n"
  ensure_registry "$name" "$n" 5000
  ensure_registry "$name" "$n" 5001
  if ! docker_ok "$name"; then
    local pid; pid=$(cat "$d/run/docker.pid" 2>/dev/null || true)
    # A daemon that exists but does not answer yet gets a few seconds before it is replaced.
    if [[ "$pid" =~ ^[0-9]+$ ]] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ]; then
      local i; for i in $(seq 1 25); do docker_ok "$name" && break; sleep 0.2; done
    fi
    docker_ok "$name" || start_engine "$name" "$n"
  fi
}

selected() { # names given on the command line, or all
  local e
  for e in "${ENGINES[@]}"; do
    set -- $e
    if [ ${#ARGS[@]} -eq 0 ] || [[ " ${ARGS[*]} " == *" $1 "* ]]; then echo "$e"; fi
  done
}

cmd_up() {
  local t0=$SECONDS e
  ensure_packages
  mkdir -p "$BASE"
  while read -r e; do engine_up $e; done < <(selected)
  while read -r e; do
    set -- $e
    wait_engine "$1"
    server_version "$1" >"$(dir_of "$1")/version"
    log "$1: ready, Docker $(cat "$(dir_of "$1")/version"), unix://$(dir_of "$1")/run/docker.sock, $NET.$3.2$(
      [ -f "$(dir_of "$1")/fallback" ] && echo " (FALLBACK: $(cat "$(dir_of "$1")/fallback"))")"
  done < <(selected)
  log "up ($((SECONDS - t0)) s)"
}

cmd_down() {
  local e name n ns d
  while read -r e; do
    set -- $e; name=$1; n=$3; ns=$(netns_of "$n"); d=$(dir_of "$name")
    stop_engine "$name" "$n"
    kill_wait KILL $(pids_with_arg "$d/registry-5000.yml") $(pids_with_arg "$d/registry-5001.yml") || true
    if [ -e "/run/netns/$ns" ]; then ip netns del "$ns" 2>/dev/null || true; fi
    ip link del "$(veth_of "$n")" 2>/dev/null || true
    log "$name: down"
  done < <(selected)
}

cmd_status() {
  local ok=0 e name n ns d line code
  while read -r e; do
    set -- $e; name=$1; n=$3; ns=$(netns_of "$n"); d=$(dir_of "$name")
    line="$name  $2"
    [ -f "$d/fallback" ] && line+=" (FALLBACK: $(cat "$d/fallback"))"
    if [ -e "/run/netns/$ns" ]; then
      line+="  netns $ns $NET.$n.2"
      for port in 5000 5001; do
        code=$(registry_code "$ns" "$port")
        case "$code" in 200|401) line+="  registry:$port ok" ;; *) line+="  registry:$port DOWN"; ok=1 ;; esac
      done
    else
      line+="  netns DOWN"; ok=1
    fi
    if docker_ok "$name"; then line+="  dockerd $(server_version "$name") unix://$d/run/docker.sock"
    else line+="  dockerd DOWN"; ok=1; fi
    echo "$line"
  done < <(selected)
  return $ok
}

[ "$(id -u)" = 0 ] || die "run as root"
cmd=${1:-status}; shift || true
ARGS=("$@")
# One engines command at a time (make test and a test's fixture may both call up).
mkdir -p "$BASE"
exec 9>"$BASE/.lock"
flock -w 600 9 || die "another engines.sh holds $BASE/.lock"
case "$cmd" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) die "usage: engines.sh up|down|status [NAME...]" ;;
esac
