#!/usr/bin/env bash
# Installs the Debian test servers (idempotent): TSDBs, Chromium with CJK fonts, Mosquitto, and the
# cluster's PostgreSQL, Redis and HAProxy.
# Tests start them themselves on 127.0.0.1; nothing here starts a service.
set -euo pipefail

packages=(victoria-metrics influxdb chromium mosquitto mosquitto-clients redis-server openssl fonts-noto-cjk
  postgresql haproxy)
# What each package provides (a command, or a file or file pattern for a path), to skip packages
# already installed.
commands=(victoria-metrics influxd chromium mosquitto mosquitto_pub redis-server openssl
  /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc '/usr/lib/postgresql/*/bin/postgres' /usr/sbin/haproxy)

missing=()
for i in "${!packages[@]}"; do
  provided=${commands[$i]}
  if [[ $provided == /* ]]; then compgen -G "$provided" >/dev/null && continue
  else command -v "$provided" >/dev/null 2>&1 && continue; fi
  missing+=("${packages[$i]}")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "test servers: all present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "test servers: missing ${missing[*]}; run as root: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
else
  SUDO=
fi

echo "test servers: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts some of these as system services on install; the tests run their own on loopback.
for svc in mosquitto redis-server influxdb victoria-metrics postgresql haproxy; do
  $SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || $SUDO service "$svc" stop >/dev/null 2>&1 || true
done
echo "test servers: ready"
