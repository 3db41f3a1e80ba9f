#!/usr/bin/env bash
# Installs the Debian packages the real-service tests start themselves (they never mock them), when missing.
# Idempotent: each section checks for its binaries first. Called by .ci/run before npm test.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
APT_UPDATED=0
apt_install() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    $SUDO apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@"
}

# Observability (issue 7): `prometheus` and `promtool` for test/observability/prometheus.test.ts.
if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
  echo "ensureServices: installing prometheus"
  apt_install prometheus
fi

# Access and cost control (issue 5): `redis-server` for test/limits/sharedRedis.test.ts (three replicas, one Redis).
if ! command -v redis-server >/dev/null 2>&1; then
  echo "ensureServices: installing redis-server"
  apt_install redis-server
fi
