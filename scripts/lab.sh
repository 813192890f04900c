#!/usr/bin/env bash
# The lab fleet: N hosts, each with its own network, mount and PID namespace, dockerd and sshd,
# on a project bridge. Ansible reaches them over SSH with .lab/inventory.yml.
#
#   scripts/lab.sh up [N]    bring up (or repair) an N-host lab (default 3); idempotent
#                            ENGINES=20,26,28 (default): host N runs the ((N-1) mod len)th engine
#   scripts/lab.sh down      remove every namespace, process, cgroup, bridge and .lab/; idempotent
#   scripts/lab.sh status    one line per part; exit 0 only when the whole lab is healthy
#   scripts/lab.sh plan [N]  the engine each host gets with this ENGINES (builds missing tarballs)
#
# Run as root on Debian 12 (no systemd needed). `make lab` runs `make engine` first, which
# seeds the registry whose storage the lab's bridge registry serves. See docs/lab.md.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
LOG_TAG=lab
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
SELF="$ROOT/scripts/lab.sh"
LAB="${FLEET_LAB_DIR:-$ROOT/.lab}"
STATE="${FLEET_STATE:-$ROOT/.state}"
NAME="${LAB_NAME:-fleetlab}"             # netns fleetlabN, bridge fleetlab0, veth fleetlab-vN
NET="${LAB_NET:-10.213.0}"               # the lab /24: bridge .1, hosts .11 .12 ...
BIP_NET="${LAB_BIP_NET:-10.214}"         # node N's docker0: 10.214.N.1/24
POOL_NET="${LAB_POOL_NET:-10.216}"       # node N's user networks: 10.216.(8N).0/21 in /26s
BRIDGE="${NAME}0"
BRIDGE_IP="$NET.1"
REGISTRY="$BRIDGE_IP:5000"
PY="$ROOT/.venv/bin/python"
KEY="$LAB/ssh/id_ed25519"
MAX_HOSTS=31
# The engine of each host, cycled over the hosts: 20 = Docker 20.10 (this machine's bookworm
# packages), 26 = 26.1 (trixie root filesystem), 28 = 28.5 (sid root filesystem).
ENGINES="${ENGINES:-20,26,28}"
NODE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
SSH_OPTS=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
          -o LogLevel=ERROR -o ConnectTimeout=3)

log() { printf '[lab] %s\n' "$*"; }
die() { printf '[lab] ERROR: %s\n' "$*" >&2; exit 1; }
warn() { printf '[lab] WARNING: %s\n' "$*" >&2; }

node_ip() { echo "$NET.$((10 + $1))"; }
node_dir() { echo "$LAB/nodes/$1"; }
netns() { echo "$NAME$1"; }
veth() { echo "$NAME-v$1"; }
marker() { echo "$NAME-node-$1"; }   # argv[0] of the node's init (PID 1 of its PID namespace)

# ---------------------------------------------------------------- packages
ensure_packages() {
  local need=()
  command -v ip >/dev/null || need+=(iproute2)
  command -v nsenter >/dev/null && command -v unshare >/dev/null && command -v findmnt >/dev/null \
    || need+=(util-linux mount)
  command -v flock >/dev/null || need+=(util-linux)
  [ -x /usr/sbin/sshd ] || need+=(openssh-server)
  command -v ssh >/dev/null && command -v ssh-keygen >/dev/null || need+=(openssh-client)
  command -v dockerd >/dev/null && [ -x /usr/bin/docker-init ] || need+=(docker.io)
  command -v docker-registry >/dev/null || need+=(docker-registry)
  command -v iptables >/dev/null || need+=(iptables)
  command -v curl >/dev/null || need+=(curl)
  apt_install_missing ${need[@]+"${need[@]}"}
}

# ---------------------------------------------------------------- engines
declare -A ACTUAL=() TARS=() LOWER=()   # engine kind asked -> suite given (sid may fall back), tarball, tree
engine_list() {
  local e list=()
  IFS=, read -r -a list <<<"$ENGINES"
  [ ${#list[@]} -gt 0 ] || die "ENGINES is empty (use e.g. ENGINES=20,26,28)"
  for e in "${list[@]}"; do
    case "$e" in 20|26|28) ;; *) die "ENGINES must list 20, 26 or 28, comma-separated (got '$ENGINES')";; esac
  done
  echo "${list[@]}"
}
want_engine() { local l; read -r -a l <<<"$(engine_list)"; echo "${l[$((($1 - 1) % ${#l[@]}))]}"; }
suite_of() { case "$1" in 20) echo bookworm;; 26) echo trixie;; 28) echo sid;; esac; }
kind_of() { case "$1" in bookworm) echo 20;; trixie) echo 26;; sid) echo 28;; esac; }

# The root tree of a newer engine: scripts/rootfs.sh's cached tarball, unpacked once under the
# state directory and shared read-only by every node of that kind (each has its own overlay).
resolve_rootfs() {
  local kind=$1 want tar actual
  [ -n "${ACTUAL[$kind]:-}" ] && return 0
  want=$(suite_of "$kind")
  tar=$(bash "$ROOT/scripts/rootfs.sh" "$want") || die "no $want root filesystem for Docker $kind (scripts/rootfs.sh $want failed)"
  actual=$(basename "$tar" .tar)
  [ "$actual" = "$want" ] || warn "ENGINES asks for $kind ($want) but its root filesystem could not be built: those hosts run $(kind_of "$actual") ($actual) instead"
  ACTUAL[$kind]=$actual; TARS[$kind]=$tar
}
prepare_rootfs() {
  local kind=$1 tar actual lower stamp
  [ -n "${LOWER[$kind]:-}" ] && return 0
  resolve_rootfs "$kind"
  tar=${TARS[$kind]}; actual=${ACTUAL[$kind]}
  if [ -d "$tar" ]; then
    lower=$tar   # an unpacked tree (older rootfs.sh layout)
  else
    lower="$STATE/lab-rootfs/$actual"; stamp=$(stat -c '%s %Y' "$tar")
    if [ ! -d "$lower" ] || [ "$(cat "$lower.stamp" 2>/dev/null)" != "$stamp" ]; then
      log "unpacking $tar"
      rm -rf "$lower.tmp"; mkdir -p "$lower.tmp"
      tar -xf "$tar" -C "$lower.tmp" --numeric-owner || die "could not unpack $tar"
      rm -rf "$lower"; mv "$lower.tmp" "$lower"; echo "$stamp" >"$lower.stamp"
    fi
  fi
  LOWER[$kind]=$lower
}
# What node n must run, as its init writes it to /run/lab-engine: the suite, and for a root tree
# its path (a node built for another engine or tree is rebuilt).
node_identity() {
  local kind; kind=$(want_engine "$1")
  if [ "$kind" = 20 ]; then echo bookworm; else echo "${ACTUAL[$kind]} ${LOWER[$kind]}"; fi
}

# ---------------------------------------------------------------- process helpers
# PIDs with one argument exactly equal to $1 (one grep over every cmdline, no fork per pid).
# The node's init: PID 1 of its PID namespace, recorded in holder.pid and checked against
# the marker and the node's netns, so a stale or reused pid is never trusted.
holder_pid() {
  local n=$1 f pid   # $2: the identity the node must have (node_identity), when given
  f="$(node_dir "$n")/holder.pid"
  [ -f "$f" ] || return 1
  pid=$(cat "$f" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  [ "$(tr '\0' ' ' <"/proc/$pid/cmdline" | awk '{print $1}')" = "$(marker "$n")" ] || return 1
  [ -e "/run/netns/$(netns "$n")" ] || return 1
  [ "$(stat -L -c %i "/proc/$pid/ns/net")" = "$(stat -L -c %i "/run/netns/$(netns "$n")")" ] || return 1
  [ -e "/proc/$pid/root/run/lab-ready" ] || return 1
  # Its own UTS namespace (hostname labN); a node built without one is rebuilt.
  [ "$(readlink "/proc/$pid/ns/uts")" != "$(readlink /proc/self/ns/uts)" ] || return 1
  if [ -n "${2:-}" ] && [ "$(cat "/proc/$pid/root/run/lab-engine" 2>/dev/null)" != "$2" ]; then return 1; fi
  echo "$pid"
}
# PIDs of processes in the node's PID namespace with the given command name.
node_procs() {
  local h=$1 comm=$2 ino p
  ino=$(stat -L -c %i "/proc/$h/ns/pid") || return 0
  for p in $(grep -lsxF -- "$comm" /proc/[0-9]*/comm 2>/dev/null | cut -d/ -f3); do
    [ "$(stat -L -c %i "/proc/$p/ns/pid" 2>/dev/null)" = "$ino" ] && echo "$p"
  done
  return 0
}
# Lab addresses are only contacted while the bridge holds the lab /24; otherwise the packets
# would follow the default route off the machine.
bridge_up() { [[ "$(ip -4 addr show dev "$BRIDGE" 2>/dev/null)" == *"inet $BRIDGE_IP/24 "* ]]; }
docker_ok() { curl -fsS -m 3 --unix-socket "/proc/$1/root/run/docker.sock" http://lab/_ping >/dev/null 2>&1; }
sshd_ok() { bridge_up && timeout 2 bash -c "exec 3<>/dev/tcp/$(node_ip "$1")/22" 2>/dev/null; }
registry_ok() { bridge_up && curl -fsS -m 3 "http://$REGISTRY/v2/" >/dev/null 2>&1; }

# ---------------------------------------------------------------- shared parts
ensure_bridge() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    log "creating bridge $BRIDGE $BRIDGE_IP/24"
    ip link add "$BRIDGE" type bridge
  fi
  bridge_up || ip addr add "$BRIDGE_IP/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  # Docker's FORWARD policy is DROP, and bridged frames pass through it (br_netfilter), so
  # hosts could not reach each other. Accept bridge-to-bridge only: nothing leaves the bridge.
  if command -v iptables >/dev/null; then
    iptables -C FORWARD -i "$BRIDGE" -o "$BRIDGE" -m comment --comment "$NAME" -j ACCEPT 2>/dev/null \
      || iptables -I FORWARD 1 -i "$BRIDGE" -o "$BRIDGE" -m comment --comment "$NAME" -j ACCEPT
  fi
}

ensure_ssh_key() {
  mkdir -p "$LAB/ssh"; chmod 700 "$LAB" "$LAB/ssh"
  [ -f "$KEY" ] && [ -f "$KEY.pub" ] || { rm -f "$KEY" "$KEY.pub"; ssh-keygen -q -t ed25519 -N '' -C fleet-lab -f "$KEY"; }
  cp "$KEY.pub" "$LAB/ssh/authorized_keys"; chmod 600 "$LAB/ssh/authorized_keys"
}

# A second registry process on the bridge address, serving engine-up.sh's storage directory,
# so every node pulls the seeded demo images as $BRIDGE_IP:5000/demo/web:1.0.
ensure_registry() {
  registry_ok && return 0
  local data="$STATE/registry/data" dir="$LAB/registry"
  # The registry on 127.0.0.1:5000 may belong to another checkout: serve its store.
  if [ -s /run/fleet-docker/registry-data ] && [ -d "$(cat /run/fleet-docker/registry-data)" ]; then
    data="$(cat /run/fleet-docker/registry-data)"
  fi
  [ -d "$data" ] || die "no seeded registry storage at $data: run 'make engine' first"
  mkdir -p "$dir"
  kill_wait KILL $(pids_with_arg "$dir/config.yml") || true
  cat >"$dir/config.yml" <<EOF
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $data}, delete: {enabled: true}}
http: {addr: $REGISTRY}
EOF
  log "starting registry on $REGISTRY (storage $data)"
  setsid nohup docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 </dev/null 9>&- &
  echo $! >"$dir/pid"
  local i; for i in $(seq 1 40); do registry_ok && return 0; sleep 0.25; done
  cat "$dir/registry.log" >&2; die "registry on $REGISTRY did not start"
}

# ---------------------------------------------------------------- one node
# Everything the node's init does inside its new mount namespace before it idles. Paths
# listed in PRIVATE become the node's own; /sys is remounted for the node's netns with the
# cgroup tree moved back in (ip netns exec loses it: "Devices cgroup isn't mounted").
write_node_init() {
  local n=$1 d; d=$(node_dir "$n")
  cat >"$d/init.sh" <<EOF
set -eu
hostname "lab$n"   # its own UTS namespace (unshare --uts): docker info Name / the swarm node's Hostname
detach() { findmnt -rn -o TARGET | awk -v p="\$1" '\$0==p || index(\$0, p "/")==1' | sort -r \\
           | while read -r m; do umount -l "\$m" 2>/dev/null || true; done; }
# Copies of the root namespace's mounts under the private paths (root's engine's overlays,
# /run/netns, ...) are dropped here, in this namespace only.
for p in /run /var/lib/docker /etc/docker /srv /root; do detach "\$p"; done
mkdir -p /var/lib/docker /etc/docker /srv
mount -t tmpfs -o mode=755,size=64m lab-run /run
mkdir -p /run/sshd /run/lock
mount --bind "$d/docker" /var/lib/docker
mount --bind "$d/etc-docker" /etc/docker
mount --bind "$d/srv" /srv
# The host's /etc/hosts plus the node's own name (sudo and getent resolve it).
{ grep -v '^127\.0\.1\.1[[:space:]]' /etc/hosts; echo "127.0.1.1 lab$n"; } >"$d/hosts"
mount --bind "$d/hosts" /etc/hosts
# root's home: the node's own, but python (pyenv) and the repo stay visible inside it.
for keep in /root/.pyenv $( case "$ROOT/" in /root/*) echo "$ROOT";; esac ); do
  [ -d "\$keep" ] || continue
  mkdir -p "$d/home\${keep#/root}"
  mount --bind "\$keep" "$d/home\${keep#/root}"
done
mount --rbind "$d/home" /root
mkdir -p /run/.cg
mount --rbind /sys/fs/cgroup /run/.cg
umount -l /sys
mount -t sysfs lab-sys /sys
mount --move /run/.cg /sys/fs/cgroup
rmdir /run/.cg 2>/dev/null || true
echo bookworm >/run/lab-engine
touch /run/lab-ready
exec -a "$(marker "$n")" /usr/bin/docker-init -- sleep infinity
EOF
}

# A newer engine's node: the root tree under a per-node overlay becomes the namespace's root with
# pivot_root, so dockerd, sshd and python are the tree's own. pivot_root, not chroot: under a
# chrooted dockerd, docker exec runs commands in the outer root instead of the container's.
write_node_init_rootfs() {
  local n=$1 suite=$2 lower=$3 d; d=$(node_dir "$n")
  cat >"$d/init.sh" <<EOF
set -eu
hostname "lab$n"   # its own UTS namespace (unshare --uts): docker info Name / the swarm node's Hostname
R="$d/rootfs"
mkdir -p "\$R" "$d/upper-$suite" "$d/work-$suite"
mount -t overlay "$NAME-$n-root" -o "lowerdir=$lower,upperdir=$d/upper-$suite,workdir=$d/work-$suite" "\$R"
# The new root must be a bind mount of its own, else docker load fails: "remount /, flags: 0x84000".
mount --bind "\$R" "\$R"
mount -t proc lab-proc "\$R/proc"
mount -t sysfs lab-sys "\$R/sys"          # this netns's view of /sys
mount --rbind /sys/fs/cgroup "\$R/sys/fs/cgroup"
mount --rbind /dev "\$R/dev"
mount -t tmpfs -o mode=755,size=64m lab-run "\$R/run"
mkdir -p "\$R/run/sshd" "\$R/run/lock" "\$R/var/lib/docker" "\$R/etc/docker" "\$R/srv" "\$R$d" "\$R$LAB/ssh"
mount --bind "$d/docker-$suite" "\$R/var/lib/docker"   # per engine: a newer engine's data is not 20.10's
mount --bind "$d/etc-docker" "\$R/etc/docker"
mount --bind "$d/srv" "\$R/srv"
# sshd_config, host key, logs and the authorized key at the same paths as on a bookworm node.
mount --bind "$d" "\$R$d"
mount --bind "$LAB/ssh" "\$R$LAB/ssh"
mount -o remount,bind,ro "\$R$LAB/ssh"
echo "$suite $lower" >"\$R/run/lab-engine"
{ grep -v '^127\.0\.1\.1[[:space:]]' "\$R/etc/hosts" 2>/dev/null || true; echo "127.0.1.1 lab$n"; } >"$d/hosts"
mount --bind "$d/hosts" "\$R/etc/hosts"
echo "lab$n" >"\$R/etc/hostname"
cd "\$R"
mkdir -p .lab-old-root
pivot_root . .lab-old-root
cd /
umount -l /.lab-old-root
rmdir /.lab-old-root
export PATH=$NODE_PATH
touch /run/lab-ready
exec -a "$(marker "$n")" /usr/bin/docker-init -- sleep infinity
EOF
}

write_node_config() {
  local n=$1 d ip; d=$(node_dir "$n"); ip=$(node_ip "$n")
  cat >"$d/etc-docker/daemon.json" <<EOF
{
  "bip": "$BIP_NET.$n.1/24",
  "default-address-pools": [{"base": "$POOL_NET.$((8 * n)).0/21", "size": 26}],
  "insecure-registries": ["$REGISTRY"],
  "cgroup-parent": "/$NAME-$n",
  "log-level": "warn"
}
EOF
  [ -f "$d/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C "lab$n" -f "$d/ssh_host_ed25519_key"
  # StrictModes off: the key lives in the checkout, which may sit under a world-writable /tmp
  # (sshd then refuses it: "bad ownership or modes for directory /tmp"). Lab-only hosts.
  cat >"$d/sshd_config" <<EOF
StrictModes no
Port 22
ListenAddress $ip
HostKey $d/ssh_host_ed25519_key
PidFile /run/sshd.pid
AuthorizedKeysFile $LAB/ssh/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
X11Forwarding no
PrintMotd no
MaxSessions 100
MaxStartups 100:30:200
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
}

# Kill everything of node n (its init takes the whole PID namespace with it), delete its
# netns, veth and cgroups. Data under .lab/nodes/n is kept unless $2 = purge.
node_pids() {
  local n=$1 ns; ns=$(netns "$n")
  pids_with_arg "$(marker "$n")"
  if [ -e "/run/netns/$ns" ]; then pids_in_ns net "$(stat -L -c %i "/run/netns/$ns")"; fi
}
node_destroy() {
  local n=$1 ns; ns=$(netns "$n")
  local pids=()
  mapfile -t pids < <(node_pids "$n")
  [ ${#pids[@]} -gt 0 ] && { kill_wait KILL "${pids[@]}" || true; }
  if [ -e "/run/netns/$ns" ]; then ip netns del "$ns" 2>/dev/null || { umount -l "/run/netns/$ns" 2>/dev/null; rm -f "/run/netns/$ns"; }; fi
  ip link del "$(veth "$n")" 2>/dev/null || true
  local cg
  for cg in /sys/fs/cgroup/*/"$NAME-$n"; do
    [ -d "$cg" ] || continue
    local i; for i in 1 2 3 4 5 6 7 8 9 10; do
      find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
      [ -d "$cg" ] || break; sleep 0.2
    done
  done
  rm -f "$(node_dir "$n")/holder.pid"
  if [ "${2:-}" = purge ]; then rm -rf "$(node_dir "$n")"; fi
}

# Start what is missing for node n, without waiting for the engine (node_wait does that).
node_ensure() {
  local n=$1 d ns h ip kind id; d=$(node_dir "$n"); ns=$(netns "$n"); ip=$(node_ip "$n")
  kind=$(want_engine "$n"); id=$(node_identity "$n")
  mkdir -p "$d/etc-docker" "$d/srv"
  if [ "$kind" = 20 ]; then mkdir -p "$d/docker" "$d/home"; chmod 700 "$d/home"; else mkdir -p "$d/docker-${id%% *}"; fi
  write_node_config "$n"
  if ! h=$(holder_pid "$n" "$id") || [[ "$(ip -n "$ns" -4 addr show dev eth0 2>/dev/null)" != *"inet $ip/24 "* ]] \
     || [ "$(cat "/sys/class/net/$(veth "$n")/master/ifindex" 2>/dev/null)" != "$(cat "/sys/class/net/$BRIDGE/ifindex")" ]; then
    if holder_pid "$n" >/dev/null; then log "node $n: built for another engine, rebuilding as $(suite_of "$kind") (Docker $kind)"
    elif [ -e "/run/netns/$ns" ] || [ -f "$d/holder.pid" ]; then log "node $n: broken or partial, rebuilding"; fi
    node_destroy "$n"
    ip netns add "$ns"
    ip link add "$(veth "$n")" type veth peer name "$NAME-p$n"
    ip link set "$NAME-p$n" netns "$ns"
    ip link set "$(veth "$n")" master "$BRIDGE" up
    ip -n "$ns" link set "$NAME-p$n" name eth0
    ip -n "$ns" addr add "$ip/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    if [ "$kind" = 20 ]; then write_node_init "$n"; else write_node_init_rootfs "$n" $id; fi
    setsid nohup nsenter --net="/run/netns/$ns" unshare --mount --uts --propagation private --pid --fork \
      --mount-proc bash "$d/init.sh" >"$d/init.log" 2>&1 </dev/null 9>&- &
    local u=$! i child=
    for i in $(seq 1 100); do
      child=$(cat "/proc/$u/task/$u/children" 2>/dev/null | awk '{print $1}') || true
      if [ -n "$child" ]; then echo "$child" >"$d/holder.pid"; h=$(holder_pid "$n" "$id") && break; fi
      kill -0 "$u" 2>/dev/null || break
      sleep 0.05
    done
    h=$(holder_pid "$n" "$id") || { cat "$d/init.log" >&2; die "node $n: init did not come up"; }
  fi
  if ! docker_ok "$h"; then
    local old; old=$(node_procs "$h" dockerd)
    if [ -n "$old" ]; then
      # A daemon that exists but does not answer gets a few seconds before it is replaced.
      local i; for i in $(seq 1 30); do docker_ok "$h" && break; sleep 0.2; done
      docker_ok "$h" || kill_wait KILL $old || true
    fi
    if ! docker_ok "$h"; then
      log "node $n: starting dockerd"
      rm -f "/proc/$h/root/run/docker.pid"   # a killed daemon's pid file blocks the next start
      # Entering the node's mount namespace puts the process in the node's root: on a newer
      # engine's node this is the tree's own /usr/sbin/dockerd, with the node's own tools on PATH.
      setsid nohup nsenter --target "$h" --mount --uts --net --pid -- env PATH="$NODE_PATH" /usr/sbin/dockerd \
        >>"$d/dockerd.log" 2>&1 </dev/null 9>&- &
    fi
  fi
  if ! sshd_ok "$n"; then
    kill_wait KILL $(node_procs "$h" sshd) || true
    rm -f "/proc/$h/root/run/sshd.pid"
    nsenter --target "$h" --mount --uts --net --pid -- env PATH="$NODE_PATH" /usr/sbin/sshd -f "$d/sshd_config" -E "$d/sshd.log" \
      </dev/null >/dev/null 2>>"$d/sshd.log" 9>&- \
      || die "node $n: sshd did not start (see $d/sshd.log)"
  fi
}

node_wait() {
  local n=$1 h i d; d=$(node_dir "$n")
  h=$(holder_pid "$n") || die "node $n: init is gone"
  for i in $(seq 1 150); do docker_ok "$h" && break; sleep 0.2; done
  docker_ok "$h" || { tail -20 "$d/dockerd.log" >&2; die "node $n: dockerd did not answer (see $d/dockerd.log)"; }
  for i in $(seq 1 50); do sshd_ok "$n" && break; sleep 0.1; done
  sshd_ok "$n" || die "node $n: sshd does not answer on $(node_ip "$n"):22"
}

# The managed-host python: this clone's venv on a bookworm node, the tree's python3 (with
# Debian's python3-docker) on a newer engine's node.
node_python() { if [ "$(want_engine "$1")" = 20 ]; then echo "$PY"; else echo /usr/bin/python3; fi; }
# Over SSH, as Ansible will: the interpreter imports the SDK and reaches the node's engine.
node_check() {
  local n=$1
  ssh "${SSH_OPTS[@]}" -i "$KEY" "root@$(node_ip "$n")" \
    "$(node_python "$n") -c 'import docker; docker.APIClient(version=\"auto\").ping()'" >/dev/null 2>&1
}
# "VERSION API" of the engine behind the socket of the node whose init is $1.
engine_version() {
  curl -fsS -m 3 --unix-socket "/proc/$1/root/run/docker.sock" http://lab/version 2>/dev/null \
    | sed -n 's/.*"Version":"\([^"]*\)".*"ApiVersion":"\([^"]*\)".*/\1 \2/p' | head -1
}

write_inventory() {
  local count=$1 n id tmp="$LAB/inventory.yml.tmp"
  {
    echo "# Written by scripts/lab.sh: the lab fleet (make lab / make lab-down)."
    echo "lab:"
    echo "  hosts:"
    for n in $(seq 1 "$count"); do
      echo "    lab$n:"
      echo "      ansible_host: $(node_ip "$n")"
      echo "      lab_docker_bip: $BIP_NET.$n.1/24"
      echo "      ansible_python_interpreter: $(node_python "$n")"
      id=$(node_identity "$n")
      echo "      lab_suite: ${id%% *}"
      echo "      lab_engine: \"$(kind_of "${id%% *}")\""
      [ "$(kind_of "${id%% *}")" = "$(want_engine "$n")" ] || echo "      lab_engine_requested: \"$(want_engine "$n")\""
    done
    echo "  vars:"
    echo "    ansible_user: root"
    echo "    ansible_ssh_private_key_file: $KEY"
    echo "    ansible_ssh_common_args: -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
    echo "    lab_registry: \"$REGISTRY\""
    echo "    lab_bridge_ip: $BRIDGE_IP"
  } >"$tmp"
  mv "$tmp" "$LAB/inventory.yml"
}

# Node numbers that exist in any form: data dir, netns, veth or a running init.
known_nodes() {
  {
    for f in "$LAB"/nodes/*; do [ -d "$f" ] && basename "$f"; done
    for f in /run/netns/"$NAME"[0-9]*; do [ -e "$f" ] && echo "${f##*/$NAME}"; done
    ip -o link show 2>/dev/null | sed -n "s/^[0-9]*: $NAME-v\([0-9]*\)[@:].*/\1/p"
    grep -hsazxo -- "$NAME-node-[0-9][0-9]*" /proc/[0-9]*/cmdline 2>/dev/null | tr '\0' '\n' | sed "s/^$NAME-node-//"
  } 2>/dev/null | grep -E '^[0-9]+$' | sort -un || true
}

# ---------------------------------------------------------------- commands
cmd_up() {
  local count=${1:-3} n id t0=$SECONDS
  [[ "$count" =~ ^[0-9]+$ ]] && [ "$count" -ge 1 ] && [ "$count" -le $MAX_HOSTS ] || die "HOSTS must be 1..$MAX_HOSTS"
  [ -x "$PY" ] || die "no $PY: run 'make install' first"
  local k v
  engine_list >/dev/null   # dies here, before anything is touched, on a bad ENGINES
  ensure_packages
  mkdir -p "$LAB/nodes"
  ensure_bridge
  ensure_ssh_key
  ensure_registry
  # Only the trees these hosts use (make lab HOSTS=1 needs neither trixie nor sid).
  for k in $(for n in $(seq 1 "$count"); do want_engine "$n"; done | sort -u); do [ "$k" = 20 ] || prepare_rootfs "$k"; done
  for n in $(known_nodes); do [ "$n" -gt "$count" ] && { log "removing node $n"; node_destroy "$n" purge; }; done
  for n in $(seq 1 "$count"); do node_ensure "$n"; done
  for n in $(seq 1 "$count"); do node_wait "$n"; done
  write_inventory "$count"
  local pids=() bad=()
  for n in $(seq 1 "$count"); do node_check "$n" & pids+=($!); done
  for n in $(seq 1 "$count"); do wait "${pids[$((n - 1))]}" || bad+=("lab$n"); done
  [ ${#bad[@]} -eq 0 ] || die "SSH + python + engine check failed on ${bad[*]}"
  for n in $(seq 1 "$count"); do
    id=$(node_identity "$n"); v=$(engine_version "$(holder_pid "$n")")
    log "lab$n: Docker ${v% *} (API ${v#* }, ${id%% *})"
    [ "$(kind_of "${id%% *}")" = "$(want_engine "$n")" ] \
      || warn "lab$n runs Docker ${v% *} (${id%% *}), NOT the $(want_engine "$n") that ENGINES asks for: see the fallback above"
  done
  log "ready: $count hosts ($(node_ip 1)..$(node_ip "$count")), registry $REGISTRY, inventory $LAB/inventory.yml ($((SECONDS - t0)) s)"
}

cmd_down() {
  local n nodes all=()
  nodes=$(known_nodes)
  # Kill every node at once (a PID namespace takes about a second to wind down), then clean up.
  for n in $nodes; do mapfile -t -O "${#all[@]}" all < <(node_pids "$n"); done
  [ ${#all[@]} -gt 0 ] && { kill_wait KILL "${all[@]}" || true; }
  for n in $nodes; do node_destroy "$n"; done
  kill_wait KILL $(pids_with_arg "$LAB/registry/config.yml") || true
  if ip link show "$BRIDGE" >/dev/null 2>&1; then ip link del "$BRIDGE"; fi
  while iptables -D FORWARD -i "$BRIDGE" -o "$BRIDGE" -m comment --comment "$NAME" -j ACCEPT 2>/dev/null; do :; done
  rm -rf "$LAB"
  log "down"
}

cmd_plan() {
  local count=${1:-3} n kind k kinds=()
  [[ "$count" =~ ^[0-9]+$ ]] && [ "$count" -ge 1 ] && [ "$count" -le $MAX_HOSTS ] || die "HOSTS must be 1..$MAX_HOSTS"
  engine_list >/dev/null
  read -r -a kinds <<<"$(engine_list)"
  for k in "${kinds[@]}"; do [ "$k" = 20 ] || resolve_rootfs "$k"; done
  for n in $(seq 1 "$count"); do
    kind=$(want_engine "$n")
    if [ "$kind" = 20 ]; then echo "lab$n  20 bookworm"
    elif [ "$(kind_of "${ACTUAL[$kind]}")" = "$kind" ]; then echo "lab$n  $kind ${ACTUAL[$kind]}"
    else echo "lab$n  $(kind_of "${ACTUAL[$kind]}") ${ACTUAL[$kind]}  FALLBACK: ENGINES asks for $kind"
    fi
  done
}

cmd_status() {
  local ok=0 n h count=0 line v e
  if ip link show "$BRIDGE" >/dev/null 2>&1; then echo "bridge    $BRIDGE $BRIDGE_IP/24 up"; else echo "bridge    $BRIDGE missing"; ok=1; fi
  if registry_ok; then echo "registry  $REGISTRY ok"; else echo "registry  $REGISTRY down"; ok=1; fi
  for n in $(known_nodes); do
    count=$((count + 1))
    line="lab$n      $(node_ip "$n")"
    if h=$(holder_pid "$n"); then
      line+="  init $h"
      if docker_ok "$h"; then
        v=$(engine_version "$h"); e=$(cut -d' ' -f1 "/proc/$h/root/run/lab-engine" 2>/dev/null || true)
        line+="  dockerd ok  engine ${v% *} API ${v#* } (${e:-?})"
      else line+="  dockerd DOWN"; ok=1; fi
      if sshd_ok "$n"; then line+="  sshd ok"; else line+="  sshd DOWN"; ok=1; fi
    else
      line+="  DOWN (no init)"; ok=1
    fi
    echo "$line"
  done
  [ "$count" -gt 0 ] || { echo "nodes     none"; ok=1; }
  [ -f "$LAB/inventory.yml" ] && echo "inventory $LAB/inventory.yml" || { echo "inventory missing"; ok=1; }
  return $ok
}

[ "$(id -u)" = 0 ] || die "run as root"
cmd=${1:-status}; shift || true
# One lab command at a time (make lab from tests and from molecule may overlap).
# Close what the caller left open (3..254; 255 is bash's own script fd): `flock LOCKFILE make lab` holds its
# lock on one, and the lab's long-lived daemons would inherit it and hold the lock until lab-down.
for _fd in /proc/$$/fd/*; do
  _fd=${_fd##*/}
  if [ "$_fd" -gt 2 ] && [ "$_fd" -lt 255 ]; then eval "exec $_fd>&-" 2>/dev/null || true; fi
done
exec 9<"$SELF"
flock -w 600 9 || die "another lab command holds the lock"
case "$cmd" in
  up) cmd_up "$@" ;;
  down) cmd_down ;;
  status) cmd_status ;;
  plan) cmd_plan "$@" ;;
  *) die "usage: $0 up [N] | down | status | plan [N]" ;;
esac
