#!/usr/bin/env bash
# fleet.docker's execution environment, offline (docs/execution-environment.md).
#   scripts/ee.sh create [DIR]  build the tarball, `ansible-builder create` a context in DIR
#                               (default .cache/ee/context); no wheels, no image: what the test runs
#   scripts/ee.sh base          Debian bookworm minbase with python3 and ansible-core (mmdebstrap),
#                               `docker import`ed as localhost/fleet-docker-ee-base:bookworm
#   scripts/ee.sh build         wheels (pip download on the host), context, `docker build`
#                               -> localhost/fleet-docker-ee:latest
#   scripts/ee.sh run           ansible-runner runs docs/ee/lab-play.yml in the image against the lab
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$ROOT/.cache/ee"
VENV="$ROOT/.venv-ee"
BASE_IMAGE=localhost/fleet-docker-ee-base:bookworm
IMAGE=localhost/fleet-docker-ee:latest
EE_CORE='ansible-core>=2.19,<2.20'

say() { echo "[ee] $*" >&2; }

venv() {
  if [ ! -x "$VENV/bin/ansible-builder" ] || [ ! -x "$VENV/bin/ansible-runner" ]; then
    rm -rf "$VENV" && mkdir -p "$WORK"
    python3 -m venv "$VENV"
    if ! "$VENV/bin/pip" install -q 'ansible-builder>=3.1,<4' 'ansible-runner>=2.4,<3' "$EE_CORE" >"$WORK/venv-pip.log" 2>&1; then
      grep -v 'is ignored: it is neither' "$WORK/venv-pip.log" >&2; exit 1
    fi
  fi
  "$VENV/bin/ansible-builder" --version >/dev/null
}

# The definition next to what it names: the tarball (fixed name), requirements.yml, wheels/.
stage() {
  local dir="$1"
  rm -rf "$dir/build" "$dir/src" && mkdir -p "$dir/build" "$dir/wheels" "$dir/src"
  # A snapshot of the tree (tracked and new files, as sanity.sh does): the tarball is built from
  # files that do not change under it while others edit the checkout.
  (cd "$ROOT" && git ls-files -co --exclude-standard -z | xargs -0 -I{} cp --parents -P {} "$dir/src"/ 2>/dev/null) || true
  "$VENV/bin/ansible-galaxy" collection build --output-path "$dir/build" --force "$dir/src" >/dev/null
  cp "$dir"/build/fleet-docker-*.tar.gz "$dir/fleet-docker.tar.gz"
  cp "$ROOT/docs/ee/execution-environment.yml" "$ROOT/docs/ee/requirements.yml" "$dir/"
}

create() {
  local ctx="${1:-$WORK/context}" dir
  venv
  dir="$(dirname "$ctx")/definition"
  stage "$dir"
  rm -rf "$ctx"
  (cd "$dir" && "$VENV/bin/ansible-builder" create -f execution-environment.yml -c "$ctx" --output-filename Dockerfile)
}

# Everything pip installs in the image, as wheels for bookworm's CPython 3.11 on x86_64.
wheels() {
  local dir="$WORK/definition/wheels"
  mkdir -p "$dir"
  "$ROOT/.venv/bin/python" -m pip download -q -d "$dir" --only-binary=:all: \
    --implementation cp --python-version 3.11 --abi cp311 \
    --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 \
    --platform any \
    -r "$ROOT/requirements.txt" "$EE_CORE" 'ansible-runner>=2.4,<3' bindep pyyaml packaging \
    'dumb-init==1.2.5' setuptools wheel 2>&1 | grep -v 'is ignored: it is neither' >&2 || true
  say "$(ls "$dir" | wc -l) wheels in $dir"
}

base() {
  local rootfs="$WORK/base-rootfs.tar" wh="$WORK/base-wheels"
  mkdir -p "$wh"
  "$ROOT/.venv/bin/python" -m pip download -q -d "$wh" --only-binary=:all: \
    --implementation cp --python-version 3.11 --abi cp311 \
    --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 \
    --platform any "$EE_CORE" 2>&1 | grep -v 'is ignored: it is neither' >&2 || true
  # ee-pkgmgr: what ansible-builder calls as its package manager (it expects dnf). Installs go to
  # apt-get (so they need Debian's mirror); "clean" is a no-op.
  cat >"$WORK/ee-pkgmgr" <<'SH'
#!/bin/sh
# ansible-builder's package manager on Debian: install -> apt-get install, clean -> apt-get clean.
cmd="$1"; shift
case "$cmd" in
  install)
    pkgs=""
    for a in "$@"; do case "$a" in -*) ;; *) pkgs="$pkgs $a" ;; esac; done
    echo "ee-pkgmgr: apt-get install$pkgs (needs Debian's mirror)" >&2
    apt-get update && exec apt-get install -y --no-install-recommends $pkgs ;;
  clean) exec apt-get clean ;;
  *) echo "ee-pkgmgr: unsupported: $cmd" >&2; exit 2 ;;
esac
SH
  say "mmdebstrap bookworm minbase (python3, python3-venv, openssh-client) + $EE_CORE from wheels"
  mmdebstrap --variant=minbase --include=python3,python3-venv,python3-pip,openssh-client,ca-certificates \
    --customize-hook="copy-in $wh /tmp" \
    --customize-hook="copy-in $WORK/ee-pkgmgr /usr/local/sbin" \
    --customize-hook='chmod 755 "$1/usr/local/sbin/ee-pkgmgr"' \
    --customize-hook='chroot "$1" python3 -m pip install -q --break-system-packages --no-index --find-links /tmp/base-wheels ansible-core' \
    --customize-hook='rm -rf "$1/tmp/base-wheels" "$1"/var/lib/apt/lists/*' \
    bookworm "$rootfs"
  docker import "$rootfs" "$BASE_IMAGE" >/dev/null
  rm -f "$rootfs"
  say "$BASE_IMAGE: $(docker run --rm "$BASE_IMAGE" ansible --version | head -1)"
}

build() {
  venv
  docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 || base
  stage "$WORK/definition"
  wheels
  rm -rf "$WORK/context"
  (cd "$WORK/definition" && "$VENV/bin/ansible-builder" create -f execution-environment.yml -c "$WORK/context" \
    --output-filename Dockerfile)
  docker build -t "$IMAGE" "$WORK/context"
  say "$IMAGE: $(docker run --rm "$IMAGE" ansible-galaxy collection list fleet.docker 2>/dev/null | grep fleet.docker)"
}

# ansible-runner starts the image with docker, on the host's network (the lab bridge), with the
# lab inventory and its SSH key; the play is docs/ee/lab-play.yml.
run() {
  venv
  local pdd="$WORK/runner"
  rm -rf "$pdd" && mkdir -p "$pdd/project" "$pdd/inventory" "$pdd/env"
  cp "$ROOT/docs/ee/lab-play.yml" "$pdd/project/"
  cp "$ROOT/.lab/inventory.yml" "$pdd/inventory/hosts.yml"
  # For docker_host: ssh://... from inside the EE (the SDK's paramiko transport reads ~/.ssh):
  # the lab key for the lab's addresses, and the hosts' keys (paramiko rejects unknown hosts).
  mkdir -p "$pdd/ssh"
  printf 'Host 10.213.0.*\n  IdentityFile %s\n  User root\n' "$ROOT/.lab/ssh/id_ed25519" >"$pdd/ssh/config"
  local addrs
  addrs="$("$ROOT/.venv/bin/python" -c 'import sys, yaml; inv = yaml.safe_load(open(sys.argv[1])); print(" ".join(h["ansible_host"] for h in inv["lab"]["hosts"].values()))' "$ROOT/.lab/inventory.yml")"
  ssh-keyscan -t ed25519 $addrs >"$pdd/ssh/known_hosts" 2>/dev/null
  "$VENV/bin/ansible-runner" run "$pdd" -p lab-play.yml \
    --process-isolation --process-isolation-executable docker --container-image "$IMAGE" \
    --container-option=--network=host --container-option=--user=0 \
    --container-volume-mount "$ROOT/.lab/ssh:$ROOT/.lab/ssh:ro" \
    --container-volume-mount "$pdd/ssh:/root/.ssh:ro"
}

case "${1:-}" in
  create) shift; create "$@" ;;
  base) base ;;
  wheels) wheels ;;
  build) build ;;
  run) run ;;
  *) echo "usage: $0 create [DIR] | base | build | run" >&2; exit 2 ;;
esac
