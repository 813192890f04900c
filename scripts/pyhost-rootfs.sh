#!/usr/bin/env bash
# A Debian bookworm root file system with python3 and sudo, for containers that Ansible targets
# through the fleet.docker.api connection plugin (setup and copy need python in the container).
#
#   scripts/pyhost-rootfs.sh     print the path of the tarball, building it when missing (~1 min, once)
#   scripts/pyhost-rootfs.sh ssh the same with openssh-server (rootfs-ssh.tar), for the inventory
#                                plugin's connection_type ssh (tests import it as fleet-seed/pyhost:ssh)
#
# The tarball (.state/pyhost/rootfs.tar) has a user `app` (uid 1000) with password-less sudo, so
# tests can connect as app and become root. The tests `docker import` it as fleet-seed/pyhost:bookworm.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STATE="${FLEET_STATE:-$ROOT/.state}"
DIR="$STATE/pyhost"
VARIANT="${1:-}"
case "$VARIANT" in
  '') TAR="$DIR/rootfs.tar"; INCLUDE=python3,sudo ;;
  ssh) TAR="$DIR/rootfs-ssh.tar"; INCLUDE=python3,sudo,openssh-server ;;
  *) echo "usage: $0 [ssh]" >&2; exit 2 ;;
esac
mkdir -p "$DIR"
exec 9>"$DIR/.lock"
flock -w 600 9
if [ ! -s "$TAR" ]; then
  command -v mmdebstrap >/dev/null || {
    export DEBIAN_FRONTEND=noninteractive; apt-get update -qq; apt-get install -y -qq mmdebstrap >/dev/null; }
  printf '[pyhost] mmdebstrap bookworm minbase with %s\n' "$INCLUDE" >&2
  rm -f "$TAR.tmp"
  mmdebstrap --quiet --variant=minbase --format=tar --include="$INCLUDE" \
    --customize-hook='chroot "$1" useradd -m -u 1000 -s /bin/sh app' \
    --customize-hook='echo "app ALL=(ALL) NOPASSWD:ALL" > "$1/etc/sudoers.d/app"; chmod 0440 "$1/etc/sudoers.d/app"' \
    bookworm "$TAR.tmp" >&2
  mv "$TAR.tmp" "$TAR"
fi
echo "$TAR"
