# Sourced by clients/run-tests.sh and examples/run.sh: finds Python, Node.js and
# PHP with the Debian packages the clients and examples use, or says in one
# line which package is missing (scripts/install-deps.sh installs them all).
#
#   need_python   sets PYTHON (Debian's python3, which sees python3-psycopg2/-psycopg)
#   need_node     exports NODE_PATH so that require('pg') and require('express') work
#   need_php      checks php-cli and php-pgsql
# Each returns non-zero after printing the message.

runtimes_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

missing_package() { echo "docpatch: missing Debian package $1 ($2): apt-get install $1" >&2; return 1; }

need_python() {
  # Debian's interpreter, not one earlier on PATH (pyenv, a venv) that cannot
  # import Debian's python3-* packages.
  PYTHON=/usr/bin/python3
  [ -x "$PYTHON" ] || { missing_package python3 "no /usr/bin/python3"; return 1; }
  "$PYTHON" -c 'import psycopg2' 2>/dev/null || { missing_package python3-psycopg2 "Python cannot import psycopg2"; return 1; }
  "$PYTHON" -c 'import psycopg' 2>/dev/null || { missing_package python3-psycopg "Python cannot import psycopg (3)"; return 1; }
}

need_node() {
  command -v node >/dev/null || { missing_package nodejs "no node command"; return 1; }
  NODE_PATH=$("$runtimes_dir/debian-node-modules") || return 1
  export NODE_PATH
}

need_php() {
  command -v php >/dev/null || { missing_package php-cli "no php command"; return 1; }
  php -r 'exit(extension_loaded("pdo_pgsql") ? 0 : 1);' || { missing_package php-pgsql "PHP has no pdo_pgsql"; return 1; }
}

# fresh_database NAME: drops and creates NAME with docpatch, and points PGDATABASE at it.
fresh_database() {
  psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" \
    -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null || return 1
  psql -X -q -v ON_ERROR_STOP=1 -d "$1" -c "CREATE EXTENSION docpatch" >/dev/null || return 1
  export PGDATABASE=$1
}
