#!/bin/sh
# Prometheus without Docker (Debian/Ubuntu: `apt-get install prometheus`), scraping the sample
# on 127.0.0.1:$PORT — host.docker.internal only resolves inside the compose network.
#
#   PORT=3000 sample-app/observability/run-prometheus-locally.sh
#
# Debian's package also starts a system service on :9090: stop it (`service prometheus stop`)
# or listen elsewhere with PROMETHEUS_LISTEN=127.0.0.1:9091.
set -eu
dir="$(cd "$(dirname "$0")" && pwd)"
work="${TMPDIR:-/tmp}/orders-sample-prometheus"
mkdir -p "$work"
"$dir/prometheus-config.sh" 127.0.0.1 > "$work/prometheus.yml"
exec "${PROMETHEUS_BIN:-prometheus}" \
  --config.file="$work/prometheus.yml" \
  --storage.tsdb.path="$work/data" \
  --web.listen-address="${PROMETHEUS_LISTEN:-127.0.0.1:9090}" \
  "$@"
