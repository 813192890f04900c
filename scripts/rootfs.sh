#!/usr/bin/env bash
# Debian root filesystems for the newer engines, built offline from Debian's packages.
#
#   scripts/rootfs.sh SUITE        print the path of SUITE's tarball, building it when missing
#
# SUITE is trixie (Docker 26.1, API 1.45) or sid (Docker 28.5, API 1.51). The tarball is cached
# at .state/rootfs/SUITE.tar; a rebuild happens only when it is missing or the package list
# below changed. If sid cannot be built here, trixie's tarball is printed instead and the
# fallback is said on stderr (never silently). Everything the engines and lab hosts need is in
# one tarball per suite: dockerd, compose, python3 with the Docker SDK, sshd, iproute2.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STATE="${FLEET_STATE:-$ROOT/.state}"
DIR="$STATE/rootfs"
SUITE="${1:?usage: rootfs.sh trixie|sid}"
PACKAGES="docker.io,docker-cli,docker-compose,python3,python3-docker,openssh-server,iproute2,iptables,ca-certificates,curl,procps"

log() { printf '[rootfs] %s\n' "$*" >&2; }

build() {
  local suite="$1" tar="$DIR/$1.tar" stamp="$DIR/$1.packages"
  if [ -f "$tar" ] && [ -s "$tar" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$PACKAGES" ]; then
    echo "$tar"; return 0
  fi
  command -v mmdebstrap >/dev/null || {
    export DEBIAN_FRONTEND=noninteractive; apt-get update -qq; apt-get install -y -qq mmdebstrap >/dev/null; }
  mkdir -p "$DIR"
  local opts=()
  # sid's Release file on the mirror may be past its Valid-Until date.
  [ "$suite" = sid ] && opts+=(--aptopt='Acquire::Check-Valid-Until "false"')
  log "building $suite ($PACKAGES)"
  # --format=tar: mmdebstrap picks the format from the file name, and "*.tar.tmp" gave a directory.
  if mmdebstrap --quiet --variant=minbase --format=tar "${opts[@]}" --include="$PACKAGES" "$suite" "$tar.tmp" >&2; then
    # An earlier version of this script left a directory at $tar; mv would move the file into it.
    if [ -d "$tar" ]; then mv "$tar" "$tar.old.$$" && rm -rf "$tar.old.$$"; fi
    mv "$tar.tmp" "$tar"
    echo "$PACKAGES" > "$stamp"
    echo "$tar"
  else
    rm -f "$tar.tmp"
    return 1
  fi
}

# One builder at a time per state directory: tests, lab and matrix may all ask at once.
mkdir -p "$DIR"
exec 9>"$DIR/.lock"
flock 9
case "$SUITE" in
  trixie) build trixie ;;
  sid)
    if ! build sid; then
      log "WARNING: the sid rootfs (Docker 28.5) could not be built; falling back to trixie (Docker 26.1)"
      build trixie
    fi ;;
  *) log "unknown suite $SUITE (use trixie or sid)"; exit 2 ;;
esac
