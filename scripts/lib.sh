# Shell helpers shared by engine-up.sh, engines.sh and lab.sh (sourced, not run).

# apt_install_missing PKG...: install the named Debian packages (nothing when none are named).
apt_install_missing() {
  [ $# -gt 0 ] || return 0
  printf '[%s] installing %s\n' "${LOG_TAG:-setup}" "$*" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "$@" >/dev/null
}

# PIDs with one argument exactly equal to $1.
pids_with_arg() { grep -lszxF -- "$1" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3 || true; }

# kill_wait SIGNAL PID...: signal the processes, then wait until they are gone (zombies count as
# gone), at most about 10 s. Returns 1 if one is still alive then.
kill_wait() {
  local sig=$1; shift
  [ $# -gt 0 ] || return 0
  kill "-$sig" "$@" 2>/dev/null || true
  local p i alive
  for i in $(seq 1 100); do
    alive=
    for p in "$@"; do
      if [ -e "/proc/$p" ] && [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ]; then alive=$p; break; fi
    done
    [ -z "$alive" ] && return 0
    sleep 0.1
  done
  return 1
}

# PIDs whose namespace of type $1 (net, pid) has inode $2.
pids_in_ns() {
  stat -L -c '%i %n' /proc/[0-9]*/ns/"$1" 2>/dev/null | awk -v ino="$2" '$1==ino { split($2, a, "/"); print a[3] }' || true
}
