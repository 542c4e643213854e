#!/usr/bin/env bash
# The first five minutes, on a fresh Debian 12: builds a minimal Debian root
# (debootstrap --variant=minbase bookworm), installs only git in it, clones
# this repository's committed HEAD there, and as a new user would:
#   1. runs scripts/demo.sh cold and times it (apt's download measured apart)
#      and counts the packages it installed,
#   2. runs the psql line the demo printed, and pastes the README's SQL
#      example into it,
#   3. runs scripts/test.sh (every test, the clients and guides included, on
#      every PostgreSQL major and Citus, each built cold inside the root from
#      the ../shared sources, which are bind-mounted read-only).
# Prints the numbers at the end; they are recorded in docs/getting-started.md.
#
#   sudo scripts/fresh-debian-check.sh [--demo-only] [--reuse-builds] [WORKDIR]
#        WORKDIR defaults to /var/tmp/docpatch-fresh-debian; --demo-only stops
#        after step 2 (to time the demo again without the long test run);
#        --reuse-builds gives the new root the servers and Citus that the
#        previous run in WORKDIR built (a warm run, as CI on one machine is)
#
# Not run by CI (it needs root, debootstrap and about an hour); run it by
# hand after changing the demo, install-deps.sh or the test command.  The
# pristine root is kept in WORKDIR/base and copied for every run; the run's
# root is WORKDIR/root.  Everything runs in its own mount and PID namespace
# (unshare): /proc, /sys, /dev/pts and /dev/shm (postgres needs shared
# memory) are mounted there only, and they and every process started inside
# (the demo's server too) end with it.  Only Debian's archive is used.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
demo_only=0 reuse_builds=0
while [ $# -gt 0 ]; do
  case $1 in
    --demo-only) demo_only=1; shift ;;
    --reuse-builds) reuse_builds=1; shift ;;
    *) break ;;
  esac
done
work=${1:-/var/tmp/docpatch-fresh-debian}
[ "$(id -u)" -eq 0 ] || { echo "fresh-debian-check: needs root (debootstrap, chroot)" >&2; exit 1; }

# The machine's own Debian mirror, as its sources name it.
mirror=$( { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } |
         awk '$1 ~ /^(URIs:|deb)$/ && $2 ~ /debian\/?$/ { print $2; exit }')
mirror=${mirror:-http://deb.debian.org/debian}
security=${mirror%/debian*}/debian-security

command -v debootstrap >/dev/null || apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends debootstrap >/dev/null
mkdir -p "$work"
if [ ! -f "$work/base/.complete" ]; then
  echo "fresh-debian-check: debootstrap --variant=minbase bookworm $work/base $mirror"
  rm -rf "$work/base"
  t=$(date +%s)
  debootstrap --variant=minbase bookworm "$work/base" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log"; exit 1; }
  cat >"$work/base/etc/apt/sources.list" <<LIST
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
LIST
  touch "$work/base/.complete"
  echo "fresh-debian-check: base root made in $(( $(date +%s) - t )) s"
fi

root=$work/root
# --reuse-builds: the servers and Citus the previous run built (its
# /var/cache/docpatch) go into the new root; everything else is fresh.
if [ "$reuse_builds" = 1 ] && [ -d "$root/var/cache/docpatch" ]; then
  rm -rf "$work/builds" && mv "$root/var/cache/docpatch" "$work/builds"
fi
rm -rf "$root"
cp -a "$work/base" "$root"
if [ "$reuse_builds" = 1 ] && [ -d "$work/builds" ]; then
  mkdir -p "$root/var/cache" && mv "$work/builds" "$root/var/cache/docpatch"
  echo "fresh-debian-check: reusing the previous run's builds: $(ls "$root/var/cache/docpatch" | paste -sd' ')"
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
git clone -q --bare "$repo" "$root/srv/docpatch.git"
git -C "$root/srv/docpatch.git" symbolic-ref HEAD "refs/heads/$(git -C "$repo" rev-parse --abbrev-ref HEAD)"
echo "fresh-debian-check: $(git -C "$repo" log -1 --format='%h %s' | cut -c1-100)"

# The script the new user's shell runs, inside the fresh root.
echo "demo_only=$demo_only" >"$root/root/first-five-minutes.sh"
cat >>"$root/root/first-five-minutes.sh" <<'INSIDE'
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
packages() { dpkg-query -W -f '${Status}\n' | grep -c 'install ok installed'; }
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }'; }
apt-get update -qq
apt-get install -y -qq --no-install-recommends git >/dev/null
echo "inside: a minimal Debian $(cat /etc/debian_version) with git: $(packages) packages"
git clone -q /srv/docpatch.git /root/docpatch
cd /root/docpatch

base=$(packages)
t=$(date +%s.%N)
# The subshell's `times`: the CPU time of the demo and everything it ran,
# which, unlike the wall time, does not depend on what else the machine does.
( scripts/demo.sh 2>&1 | tee /root/demo.log; times >/root/demo.times )
demo_s=$(elapsed "$t")
demo_cpu=$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, t, "m"); s += t[1] * 60 + t[2] } } END { printf "%.0f", s }' /root/demo.times)
demo_packages=$(( $(packages) - base ))

psql_line=$(grep -E '^  psql -h ' /root/demo.log | sed 's/^  //')
echo "inside: the printed psql line: $psql_line"
$psql_line -X -v ON_ERROR_STOP=1 -c "SELECT current_database(), extversion FROM pg_extension WHERE extname = 'docpatch'"
echo "inside: the README's SQL example pasted into it"
scripts/readme-sql | $psql_line -X -v ON_ERROR_STOP=1
scripts/demo.sh stop

rc=0
test_s="(not run: --demo-only)"
if [ "$demo_only" = 0 ]; then
  t=$(date +%s.%N)
  scripts/test.sh >/root/test.log 2>&1 || rc=$?
  test_s="$(elapsed "$t") s, exit status $rc"
  sed -n '/^== summary/,$p' /root/test.log
  [ $rc -eq 0 ] || { echo "inside: scripts/test.sh FAILED; the end of its output:"; tail -150 /root/test.log; }
fi

download=$(grep -oE 'download: [0-9.]+ s' /root/demo.log | head -1)
install=$(grep -oE 'install: [0-9.]+ s' /root/demo.log | head -1)
cat <<NUMBERS

== the first five minutes on a fresh Debian 12 (minbase + git)
demo.sh cold:      ${demo_s} s in all (apt ${download}, ${install}); CPU time ${demo_cpu} s
demo packages:     ${demo_packages} installed by the demo
demo steps:        $(grep -E '^   \(' /root/demo.log | tr -d '() ' | paste -sd' ')
test.sh:           ${test_s}
load average:      $(cut -d' ' -f1-3 /proc/loadavg) (the machine's, at the end)
NUMBERS
exit $rc
INSIDE

# The sources of the other PostgreSQL majors and of Citus (../shared beside
# the clone, as in a developer's checkout) are bind-mounted read-only at the
# clone's ../shared: the fresh root builds every server and Citus itself,
# cold, with nothing from this machine's caches.
shared=$(cd "$repo/.." && pwd)/shared
[ -d "$shared/pg-src" ] || shared=/work/shared
[ -d "$shared/pg-src" ] || { echo "fresh-debian-check: no ../shared/pg-src beside $repo (the other majors' sources)" >&2; exit 1; }
mkdir -p "$root/root/shared"

echo "fresh-debian-check: entering $root (own mount and PID namespace)"
unshare --mount --pid --fork --mount-proc="$root/proc" /bin/bash -c '
  set -e
  root=$1
  mount -t sysfs sysfs "$root/sys"
  mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts"
  mount -t tmpfs -o size=1g,mode=1777 shm "$root/dev/shm"
  mount --bind "$2" "$root/root/shared" && mount -o remount,bind,ro "$root/root/shared"
  exec chroot "$root" /bin/bash /root/first-five-minutes.sh' check "$root" "$shared" 2>&1 | tee "$work/run.log"
exit "${PIPESTATUS[0]}"
