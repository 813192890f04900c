#!/usr/bin/env bash
# Docker Compose v2 as a standalone binary, without a plugin install.
#
#   scripts/compose-bin.sh        print the path of .state/bin/docker-compose, extracting it when missing
#
# The binary is taken from the sid root filesystem (Compose 2.40.3) that scripts/rootfs.sh caches;
# it is a static Go program that runs on this host as it is. If sid cannot be had, trixie's
# Compose 2.26.1 is used and the fallback is said on stderr (never silently): `config` output of
# 2.26 differs from 2.40 in places, so conformance results must name the version.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STATE="${FLEET_STATE:-$ROOT/.state}"
BIN_DIR="$STATE/bin"
BIN="$BIN_DIR/docker-compose"
MEMBER="./usr/libexec/docker/cli-plugins/docker-compose"
WANT="${FLEET_COMPOSE_VERSION:-2.40.3}"

log() { printf '[compose-bin] %s\n' "$*" >&2; }

# `version --short` prints Debian's revision too (2.40.3-3); compare the upstream part only.
version_of() { "$1" version --short 2>/dev/null | sed 's/-[^-]*$//' || true; }

extract() {  # extract TARBALL DEST: only the one member, then an atomic rename
  local tar="$1" dest="$2" tmp
  tmp="$(mktemp -d "$BIN_DIR/.extract.XXXXXX")"
  tar -xf "$tar" -C "$tmp" "$MEMBER"
  chmod 0755 "$tmp/$MEMBER"
  mv -f "$tmp/$MEMBER" "$dest"
  rm -rf "$tmp"
}

mkdir -p "$BIN_DIR"
# Tests running side by side may all ask at once.
exec 9>"$BIN_DIR/.lock"
flock 9

if [ -x "$BIN" ] && [ "$(version_of "$BIN")" = "$WANT" ]; then
  echo "$BIN"; exit 0
fi

# rootfs.sh prints trixie's tarball (and warns) when sid cannot be built.
tarball="$(bash "$ROOT/scripts/rootfs.sh" sid)"
extract "$tarball" "$BIN"
got="$(version_of "$BIN")"
if [ "$got" != "$WANT" ]; then
  log "WARNING: wanted Docker Compose $WANT, got ${got:-an unrunnable binary} from $(basename "$tarball"); falling back"
  if [ "$(basename "$tarball")" != trixie.tar ]; then
    extract "$(bash "$ROOT/scripts/rootfs.sh" trixie)" "$BIN"
    got="$(version_of "$BIN")"
  fi
  [ -n "$got" ] || { log "no runnable docker-compose could be extracted"; exit 1; }
  log "WARNING: using Docker Compose $got (trixie) instead of $WANT (sid)"
fi
echo "$BIN"
