#!/usr/bin/env bash
# Installs what the test suite needs from Debian when it is missing: socat (pseudo-terminal
# pairs for the serial integration test) and udev (udevadm, used by serialport's port list).
# Later capabilities add mosquitto and chromium here. Safe to run repeatedly.
set -euo pipefail
need=()
command -v socat >/dev/null 2>&1 || need+=(socat)
command -v udevadm >/dev/null 2>&1 || need+=(udev)
[ -x /usr/bin/chromium ] || need+=(chromium)  # bedside view browser test (playwright-core drives /usr/bin/chromium)
[ -x /usr/sbin/mosquitto ] || command -v mosquitto >/dev/null 2>&1 || need+=(mosquitto)  # uplink MQTT test (a real broker on loopback)
command -v openssl >/dev/null 2>&1 || need+=(openssl)  # uplink HTTPS test (self-signed certificate made at test time)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing ${need[*]}; run: sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${need[*]} with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
