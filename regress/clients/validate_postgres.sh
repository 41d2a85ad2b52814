#!/bin/bash
# regress/clients/validate_postgres.sh - runs every client program against a
# real PostgreSQL server, to check the programs themselves (not part of
# make check: the project installs no PostgreSQL server).
#
#   PGPASSWORD=... regress/clients/validate_postgres.sh HOST PORT USER DBNAME
#
# USER must be able to create a table in DBNAME (setup_postgres.sql creates
# "readings"); lib/pq's default sslmode is require, so the server needs
# ssl = on.  The programs run in their "postgres" mode: the same checks, with
# pg_sleep(60) as the statement to cancel instead of a push query over an
# unbounded source.  Exit status 1 when any program fails.
set -u
if [ $# -ne 4 ]; then echo "usage: $0 HOST PORT USER DBNAME" >&2; exit 2; fi
here=$(cd "$(dirname "$0")" && pwd)
build=$(mktemp -d "${TMPDIR:-/tmp}/validate_postgres.XXXXXX")
trap 'rm -rf "$build"' EXIT
cd "$here" || exit 1
psql -X -q -v ON_ERROR_STOP=1 -h "$1" -p "$2" -U "$3" -d "$4" -f setup_postgres.sql 2>&1 |
    grep -v 'does not exist, skipping' >&2
javac -encoding UTF-8 -d "$build" -cp /usr/share/java/postgresql.jar Jdbc.java || exit 1
export GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=$build/go-cache GOFLAGS=
go build -o "$build/pgx_check" pgx_check.go clientcheck.go || exit 1
go build -o "$build/libpq_check" libpq_check.go clientcheck.go || exit 1
fail=0
for prog in "/usr/bin/python3 psycopg3_check.py" "/usr/bin/python3 asyncpg_check.py" \
    "/usr/bin/python3 sqlalchemy_check.py" "/usr/bin/python3 pgcli_check.py" "node pg_check.js" \
    "java -Dfile.encoding=UTF-8 -cp /usr/share/java/postgresql.jar:$build Jdbc" \
    "$build/pgx_check" "$build/libpq_check" "bash psql_check.sh"; do
    echo "== $prog"
    # shellcheck disable=SC2086
    timeout 60 $prog "$@" postgres || { echo "FAILED: $prog"; fail=1; }
done
exit $fail
