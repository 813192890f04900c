#!/usr/bin/env bash
# Build the demo images offline (FROM scratch + busybox-static) and push them to the
# registry given as $1. Skips the work when the registry already has every tag.
set -euo pipefail
REG="${1:-127.0.0.1:5000}"
DOCKER=/usr/bin/docker; [ -x "$DOCKER" ] || DOCKER="$(command -v docker)"
export DOCKER_HOST="${SEED_DOCKER_HOST:-unix:///var/run/docker.sock}"

have_tag() { curl -fsS "http://$REG/v2/$1/tags/list" 2>/dev/null | grep -q "\"$2\""; }
if have_tag demo/web 1.0 && have_tag demo/web stable && have_tag demo/web latest && have_tag demo/worker 1.0; then
  echo "[seed] registry $REG already seeded"; exit 0
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
