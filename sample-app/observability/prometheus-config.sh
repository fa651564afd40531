#!/bin/sh
# Prints prometheus.yml with its scrape target set to HOST:PORT, PORT as the sample reads it
# (default 3000). docker-compose.observability.yml runs it with host.docker.internal,
# run-prometheus-locally.sh with 127.0.0.1: one config, wherever Prometheus runs.
set -eu
host="${1:?usage: prometheus-config.sh HOST}"
sed "s/host\.docker\.internal:3000/${host}:${PORT:-3000}/" "$(dirname "$0")/prometheus.yml"
