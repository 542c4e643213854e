#!/usr/bin/env bash
# Installs the Debian 12 packages docpatch needs to build and test, if missing.
# Usage: scripts/install-deps.sh [extra-package ...]
set -euo pipefail

packages=(
  build-essential g++ make cmake pkg-config rsync
  postgresql-15 postgresql-server-dev-15 postgresql-client-15 postgresql-contrib
  libpq-dev nlohmann-json3-dev libgtest-dev
  python3 python3-psycopg2 php-cli php-pgsql   # the client examples
  python3-jsonschema python3-regex              # scripts/check-meta
  "$@"
)
# node and npm for the Node.js example, unless a Node.js is already installed
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "docpatch: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  # Other sessions on the machine may be running apt-get: wait for its lock.
  $SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
fi
