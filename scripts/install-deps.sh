#!/usr/bin/env bash
# Installs the Debian 12 packages docpatch needs, if missing, and says what
# and why, with apt's download and install times measured apart.
#
#   scripts/install-deps.sh [--for build|demo|test] [extra-package ...]
#
#   build  what `make` needs: a C++ compiler, make, PostgreSQL 15's server
#          headers and PGXS (postgresql-server-dev-15, which pulls in clang-14
#          and llvm-14-dev: Debian's package depends on them for JIT bitcode,
#          which docpatch does not build)
#   demo   build, plus the PostgreSQL 15 server and psql, and rsync, with
#          which scripts/pg-throwaway copies the sources (scripts/demo.sh)
#   test   demo, plus what scripts/test.sh runs: CMake, GoogleTest,
#          nlohmann-json and libpq for the C++ tests; Python 3 with psycopg2
#          and psycopg 3, PHP with PDO pgsql, and Node.js with node-pg and
#          node-express for the client helpers and examples (the default)
#
# Installing postgresql-15 on a machine that has no cluster yet normally makes
# Debian create and start its default cluster 15/main; docpatch never uses it
# (its servers are private, scripts/pg-throwaway), so that one install is told
# not to (create_main_cluster = off, for the duration of the apt-get call).
set -euo pipefail

purpose=test
if [ "${1:-}" = --for ]; then purpose=${2:?usage: install-deps.sh [--for build|demo|test] [package ...]}; shift 2; fi

build=(g++ make postgresql-server-dev-15)
server=(postgresql-15 postgresql-client-15 rsync)
tests=(cmake pkg-config libpq-dev nlohmann-json3-dev libgtest-dev postgresql-contrib)
clients=(python3 python3-psycopg2 python3-psycopg php-cli php-pgsql)
case "$purpose" in
  build) packages=("${build[@]}") ;;
  demo) packages=("${build[@]}" "${server[@]}") ;;
  test)
    packages=("${build[@]}" "${server[@]}" "${tests[@]}" "${clients[@]}")
    # Debian's node-pg cannot be installed beside a nodejs that is not
    # Debian's (NodeSource's conflicts with libnode108, which node-pg needs);
    # there scripts/debian-node-modules unpacks the same packages instead.
    if ! command -v node >/dev/null || dpkg-query -W -f='${Version}' nodejs 2>/dev/null | grep -qv nodesource; then
      packages+=(nodejs node-pg node-express)
    fi
    ;;
  *) echo "install-deps.sh: --for must be build, demo or test, not \"$purpose\"" >&2; exit 2 ;;
esac
packages+=("$@")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]})) || exit 0

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null; then
  SUDO=(sudo)
else
  echo "docpatch: installing ${missing[*]} needs root: run this as root, or install them yourself" >&2
  exit 1
fi
apt=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 -y -q
     --no-install-recommends)

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

echo "docpatch: installing Debian packages for the $purpose: ${missing[*]}"
t=$(now)
"${SUDO[@]}" apt-get update -qq
echo "docpatch:   apt-get update: $(since "$t")"
plan=$("${apt[@]}" install -s "${missing[@]}")
count=$(grep -c '^Inst ' <<<"$plan" || true)
size=$("${apt[@]}" install --download-only --print-uris "${missing[@]}" 2>/dev/null |
       awk -F"'" '/^.http/ { split($3, f, " "); sum += f[2] } END { printf "%.1f", sum / 1048576 }')
echo "docpatch:   $count packages with their dependencies, ${size} MB to download"
t=$(now)
"${apt[@]}" install --download-only "${missing[@]}" >/dev/null
echo "docpatch:   download: $(since "$t")"

no_cluster=
if [[ " ${missing[*]} " == *" postgresql-15 "* ]] && [ -z "$(ls /etc/postgresql/15 2>/dev/null)" ]; then
  no_cluster=/etc/postgresql-common/createcluster.d/docpatch-install-deps.conf
  "${SUDO[@]}" mkdir -p "$(dirname "$no_cluster")"
  echo "create_main_cluster = off   # written and removed by docpatch's install-deps.sh" |
    "${SUDO[@]}" tee "$no_cluster" >/dev/null
fi
t=$(now)
rc=0
"${apt[@]}" install "${missing[@]}" >/tmp/docpatch-apt.$$.log 2>&1 || rc=$?
[ -z "$no_cluster" ] || "${SUDO[@]}" rm -f "$no_cluster"
if [ $rc -ne 0 ]; then
  cat /tmp/docpatch-apt.$$.log >&2
  rm -f /tmp/docpatch-apt.$$.log
  echo "docpatch: apt-get install ${missing[*]} failed (its output is above)" >&2
  exit 1
fi
rm -f /tmp/docpatch-apt.$$.log
echo "docpatch:   install: $(since "$t")"
