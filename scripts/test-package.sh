#!/usr/bin/env bash
# Tests the Debian package (debian/) the way a user installs it:
#
#   1. builds it with `dpkg-buildpackage -us -uc -b` from a clean copy of the
#      tree (the files git knows, in a temp dir: the working tree gets no
#      build products, and dpkg-buildpackage writes the .deb files next to
#      the copy), checks each package's name, version and contents (docpatch
#      and its docs, nothing else) and runs lintian; checks before that that
#      the committed debian/control is what debian/control.in makes for
#      Debian 12, and that the template makes one package for each of 14-18;
#   2. for each package built (one per PostgreSQL major): installs it with
#      apt-get, starts a cluster of that major's system binaries in a temp
#      dir (as user postgres, unix socket only; no existing cluster is
#      touched), runs test/package/smoke.sql and compares its output with
#      test/package/smoke.expected;
#   3. purges the package and checks that nothing is left behind: the
#      package is gone from dpkg's database, every file it listed is gone
#      (directories only where another package owns them), the server's lib
#      and extension directories hold no docpatch file, and no path naming
#      docpatch under /usr, /etc or /var/lib exists that did not before.
#
# Installing the package puts docpatch into the system's PostgreSQL; an EXIT
# trap purges it again however the test ends, so that other tests keep using
# their private DESTDIR copies.  A package left by an interrupted run is
# recognised (by the marker file below) and purged first; a docpatch the test
# did not install (a package or `make install` of yours) makes it refuse to
# run.  Runs of this test on one machine take turns (a lock).
#
#   DOCPATCH_PACKAGE_CHECK=1   also run the build-time regression suite
#                              (dh_pgxs_test, as a plain dpkg-buildpackage
#                              does; test.sh already ran that suite, so by
#                              default the build uses DEB_BUILD_OPTIONS=nocheck)
#   DOCPATCH_PGPORT            the port in the smoke cluster's socket name
#                              (default 54339)
#
# Needs root or sudo (apt-get).  Exits non-zero when anything fails.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
port=${DOCPATCH_PGPORT:-54339}
marker=/var/tmp/docpatch-package-test.installed
logdir=${DOCPATCH_BUILD_DIR:-$repo/build}/logs
started=$SECONDS

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
as_root() { "${SUDO[@]}" "$@"; }
# From /: the caller's directory may be one postgres cannot enter (a clone
# in /root), and the server would be started in it.
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}
apt_get() {
  as_root env DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes apt-get -o DPkg::Lock::Timeout=900 -y -qq "$@"
}
fail() { echo "test-package: $*" >&2; exit 1; }
phase() { echo "== package: $*"; }

check=${DOCPATCH_PACKAGE_CHECK:-}
deps=(build-essential debhelper dpkg-dev postgresql-server-dev-all lintian)   # build-essential: dpkg-buildpackage checks for it
[ "$check" = 1 ] && deps+=(postgresql-all)
"$repo/scripts/install-deps.sh" "${deps[@]}" >&2

# One run at a time on this machine: the package is installed system-wide.
lock=/tmp/docpatch-package-test.lock
[ -e "$lock" ] || (umask 0; : >>"$lock")
exec 9<"$lock"
flock -w 1800 9 || fail "another package test has held $lock for 30 minutes"

work=$(mktemp -d /tmp/docpatch-package.XXXXXX)
chmod 755 "$work"          # lintian runs as nobody, the cluster as postgres
cluster=                   # the running smoke cluster's data directory
installed=()               # packages this run installed and has not purged

stop_cluster() {
  [ -n "$cluster" ] || return 0
  as_postgres "$bindir/pg_ctl" -D "$cluster" -m fast -w -t 60 stop >/dev/null || true
  cluster=
}

purge() {
  apt_get purge "$@" >/dev/null
  local p rest=()
  while IFS= read -r p; do
    [[ " $* " == *" $p "* ]] || rest+=("$p")
  done < <(cat "$marker" 2>/dev/null)
  if ((${#rest[@]})); then printf '%s\n' "${rest[@]}" | as_root tee "$marker" >/dev/null
  else as_root rm -f "$marker"; fi
}

# The EXIT trap may run inside a command whose output goes to a log (a
# signal is handled when the foreground command ends): it writes to the
# script's own stderr, kept on fd 8.
exec 8>&2
cleanup() {
  local rc=$?
  exec 2>&8
  stop_cluster
  if ((${#installed[@]})); then
    echo "test-package: purging ${installed[*]} (the test did not finish)" >&2
    purge "${installed[@]}" || echo "test-package: could not purge ${installed[*]}" >&2
  fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT
# A signal ends the script through exit, so that the EXIT trap runs.
trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM

# --- 1. build -----------------------------------------------------------------
phase "building from a clean copy of the tree"
src=$work/docpatch
mkdir -p "$src" "$logdir"
git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1 \
  || fail "$repo is not a git checkout: the test copies the files git knows"
(
  cd "$repo"
  git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' f; do if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi; done \
    | tar -cf - --null -T - | tar -xf - -C "$src"
)
# debian/control is generated from debian/control.in and committed for
# Debian 12 (PostgreSQL 15): it must be what `pg_buildext updatecontrol`
# makes of the template, and the template must make one package per major.
mkdir -p "$work/control/debian"
cp "$src/debian/control.in" "$src/debian/pgversions" "$work/control/debian/"
(cd "$work/control" && PG_SUPPORTED_VERSIONS=15 pg_buildext updatecontrol)
cmp -s "$src/debian/control" "$work/control/debian/control" || {
  diff -u "$src/debian/control" "$work/control/debian/control" || true
  fail "debian/control differs from debian/control.in: run PG_SUPPORTED_VERSIONS=15 pg_buildext updatecontrol"
}
(cd "$work/control" && PG_SUPPORTED_VERSIONS="13 14 15 16 17 18" pg_buildext updatecontrol)
for v in 14 15 16 17 18; do
  if ! grep -qx "Package: postgresql-$v-docpatch" "$work/control/debian/control" \
     || ! grep -q "for PostgreSQL $v\$" "$work/control/debian/control"; then
    fail "debian/control.in does not make a postgresql-$v-docpatch package for PostgreSQL $v"
  fi
done
if grep -q 'postgresql-13-' "$work/control/debian/control"; then
  fail "debian/pgversions lets PostgreSQL 13 (end-of-life, unsupported) in"
fi

# The majors pg_buildext builds for, and the state of their servers before
# anything is installed: no docpatch package (but one an interrupted run of
# this test left, which is purged now) and no docpatch file no package owns.
majors=$(cd "$src" && pg_buildext supported-versions)
[ -n "$majors" ] || fail "pg_buildext supported-versions lists no PostgreSQL major"
server_dirs() {   # MAJOR: that server's directories, from its pg_config
  local pg_config=/usr/lib/postgresql/$1/bin/pg_config
  [ -x "$pg_config" ] || fail "no $pg_config (install postgresql-server-dev-$1)"
  pkglibdir=$("$pg_config" --pkglibdir)
  extdir=$("$pg_config" --sharedir)/extension
  bindir=$("$pg_config" --bindir)
}
strays() { ls -d "$pkglibdir"/docpatch* "$pkglibdir"/bitcode/docpatch* "$extdir"/docpatch* 2>/dev/null || true; }
for v in $majors; do
  pkg=postgresql-$v-docpatch
  server_dirs "$v"
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  if [ -n "$status" ] && [ "$status" != not-installed ]; then
    grep -qx "$pkg" "$marker" 2>/dev/null \
      || fail "$pkg is installed, and not by this test: remove it first (apt-get purge $pkg)"
    echo "test-package: purging $pkg, left installed by an interrupted run"
    purge "$pkg"
  fi
  [ -z "$(strays)" ] \
    || fail "docpatch files no package owns are in the system's PostgreSQL $v: $(strays | tr '\n' ' ')(make uninstall?)"
done

build_opts=(-us -uc -b -j"$(nproc)")
if [ "$check" = 1 ]; then export DEB_BUILD_OPTIONS=
else export DEB_BUILD_OPTIONS=nocheck; build_opts+=(-Pnocheck); fi
t0=$SECONDS
if ! (cd "$src" && dpkg-buildpackage "${build_opts[@]}") >"$logdir/package-build.log" 2>&1; then
  tail -n 80 "$logdir/package-build.log"
  fail "dpkg-buildpackage failed (whole log: $logdir/package-build.log)"
fi
build_s=$((SECONDS - t0))

version=$(cd "$src" && dpkg-parsechangelog -S Version)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)

# The package's upstream version (1.1.0) must not be older than the extension
# version it ships (docpatch.control's default_version, 1.1).
default_version=$(sed -n "s/^default_version = '\(.*\)'$/\1/p" "$repo/docpatch.control")
upstream=${version%-*}
dpkg --compare-versions "${upstream%.*}" ge "$default_version" \
  || fail "debian/changelog's version $version is older than the extension version $default_version: add a changelog entry"

# What each package must hold outside its docs: the library, the control file
# and every SQL script in extension/ (install and upgrade scripts).
sql_scripts=$(cd "$repo/extension" && ls docpatch--*.sql | sort)
[ -n "$sql_scripts" ] || fail "no extension/docpatch--*.sql"

for v in $majors; do
  deb=$work/postgresql-$v-docpatch_${version}_$arch.deb
  [ -f "$deb" ] || fail "dpkg-buildpackage made no $(basename "$deb") (built: $(cd "$work" && ls ./*.deb))"
  [ "$(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)" = "postgresql-$v-docpatch $version" ] \
    || fail "$(basename "$deb") has the wrong name or version in its control file"
  expected=$( { echo "usr/lib/postgresql/$v/lib/docpatch.so"
                echo "usr/share/postgresql/$v/extension/docpatch.control"
                sed "s|^|usr/share/postgresql/$v/extension/|" <<<"$sql_scripts"; } | sort)
  files=$(dpkg-deb --fsys-tarfile "$deb" | tar -t | sed 's|^\./||' | grep -Ev '(^|/)$' | sort)
  docs=usr/share/doc/postgresql-$v-docpatch/
  actual=$(grep -v "^$docs" <<<"$files" || true)
  if [ "$actual" != "$expected" ]; then
    diff -u <(echo "$expected") <(echo "$actual") || true
    fail "$(basename "$deb") must hold exactly docpatch's library, control file and SQL scripts (and its docs)"
  fi
  grep -qx "${docs}copyright" <<<"$files" || fail "$(basename "$deb") has no ${docs}copyright"
done
built=$(cd "$work" && ls ./*.deb | sed 's|^\./||' | tr '\n' ' ')
echo "built in ${build_s} s: $built"

phase "lintian"
t0=$SECONDS
# initial-upload-closes-no-bugs: Debian's archive wants an ITP bug closed by
# the first upload; this package is not uploaded there.
lintian_as=(); [ "$(id -u)" -ne 0 ] || lintian_as=(runuser -u nobody --)   # lintian warns as root
(cd "$work" && "${lintian_as[@]}" lintian --fail-on error,warning --suppress-tags initial-upload-closes-no-bugs \
  --display-info --pedantic "$work/docpatch_${version}_$arch.changes") \
  || fail "lintian reports errors or warnings"
lint_s=$((SECONDS - t0))

# --- 2. install and smoke test; 3. purge and look for leftovers ---------------
# Paths naming docpatch under the system's directories (the test's own copy
# in /tmp is not among them).
docpatch_paths() {
  as_root find /usr /etc /var/lib -xdev -path '*docpatch*' 2>/dev/null | sort
}

for v in $majors; do
  pkg=postgresql-$v-docpatch
  deb=$work/${pkg}_${version}_$arch.deb
  server_dirs "$v"

  before=$(docpatch_paths)

  phase "PostgreSQL $v: install $(basename "$deb")"
  t0=$SECONDS
  echo "$pkg" | as_root tee -a "$marker" >/dev/null
  installed=("$pkg")
  apt_get install --no-install-recommends "$deb" >/dev/null
  listed=$(dpkg -L "$pkg")
  install_s=$((SECONDS - t0))

  phase "PostgreSQL $v: smoke test in a private cluster"
  t0=$SECONDS
  dir=$work/pg$v
  mkdir "$dir"
  [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$dir"
  as_postgres "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log"; fail "initdb failed"; }
  cat <<CONF | as_postgres tee -a "$dir/data/postgresql.conf" >/dev/null
listen_addresses = ''
unix_socket_directories = '$dir'
port = $port
fsync = off
CONF
  cluster=$dir/data
  # (the server must not inherit the lock, fd 9, nor fd 8)
  as_postgres "$bindir/pg_ctl" -D "$cluster" -l "$dir/server.log" -w -t 60 start >/dev/null 8>&- 9<&- \
    || { cat "$dir/server.log"; fail "the cluster did not start"; }
  out=$work/smoke-$v.out
  "$bindir/psql" -X -h "$dir" -p "$port" -U postgres -d postgres -v expected_version="$default_version" \
    <"$repo/test/package/smoke.sql" >"$out" 2>&1 || true
  stop_cluster
  if ! diff -u "$repo/test/package/smoke.expected" "$out"; then
    fail "the smoke test's output differs from test/package/smoke.expected"
  fi
  smoke_s=$((SECONDS - t0))

  phase "PostgreSQL $v: purge and look for leftovers"
  t0=$SECONDS
  purge "$pkg"
  installed=()
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [ -z "$status" ] || [ "$status" = not-installed ] || fail "$pkg is still known to dpkg after purge ($status)"
  left=()
  while IFS= read -r p; do
    [ "$p" != /. ] || continue                  # dpkg lists the root first
    [ -e "$p" ] || [ -L "$p" ] || continue
    # A directory stays when other packages own it too (/usr/share/doc, ...).
    if [ -d "$p" ] && [ ! -L "$p" ] && dpkg-query -S "$p" >/dev/null 2>&1; then continue; fi
    left+=("$p")
  done <<<"$listed"
  ((${#left[@]} == 0)) || fail "purging $pkg left what it had installed: ${left[*]}"
  [ -z "$(strays)" ] || fail "docpatch files are left in the system's PostgreSQL $v: $(strays | tr '\n' ' ')"
  after=$(docpatch_paths)
  if [ "$after" != "$before" ]; then
    diff -u <(echo "$before") <(echo "$after") || true
    fail "paths naming docpatch appeared under /usr, /etc or /var/lib"
  fi
  purge_s=$((SECONDS - t0))
  echo "PostgreSQL $v: $pkg $version installed in ${install_s} s, smoke test ${smoke_s} s," \
    "purged and checked in ${purge_s} s ($(wc -l <<<"$listed") paths listed, none left)"
done

echo "package test passed in $((SECONDS - started)) s (build ${build_s} s, lintian ${lint_s} s)"
