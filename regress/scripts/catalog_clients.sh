#!/bin/bash
# regress/scripts/catalog_clients.sh - real clients introspecting sluice
# through pg_catalog (server/pgcat, docs/catalog.md): Debian's psql runs its
# own \d, \d NAME, \dt, \l, \dn, \du, \df, \dT, \dv, \d of a sink and \d+ of
# a query (the SQL it sends is psql's, not ours), and, where Debian's
# SQLAlchemy and psycopg2 are installed, SQLAlchemy's inspect() reads the
# tables and their columns.  Also: a non-superuser's has_table_privilege,
# a runaway catalog query stopped by statement_timeout, and what a catalog
# query costs after the first.
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
sl_server_start || exit 1
fail=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; echo "$2"; fail=1; }
expect() { # expect NAME PATTERN OUTPUT: OUTPUT has a line matching PATTERN
    if echo "$3" | grep -Eq -- "$2"; then ok "$1"; else bad "$1" "$3"; fi
}

cp "$SL_SRCDIR/regress/data/session.jsonl" "$SL_DATADIR/files/"
sl_psql -q -v ON_ERROR_STOP=1 <<'EOF' >/dev/null 2>"$SL_TMP/setup.err" || { cat "$SL_TMP/setup.err"; exit 1; }
CREATE SOURCE readings (ts TIMESTAMP, station TEXT, ph DOUBLE, ok BOOLEAN) FROM FILE WITH (path = 'session.jsonl', format = 'json');
CREATE SINK alerts TO FILE WITH (path = 'catalog_alerts.jsonl');
CREATE SINK influx TO INFLUXDB WITH (url = 'http://127.0.0.1:8086', database = 'w', password = 'hunter2-secret');
CREATE QUERY ph_alerts AS SELECT station, ph FROM readings WHERE ph > 8.5 INTO alerts;
CREATE ROLE bob LOGIN PASSWORD 'bob-pw';
EOF

out=$(sl_psql -c '\d' 2>&1)
expect 'psql \d lists the source' '^ public +\| readings +\| table +\| sluice' "$out"
expect 'psql \d lists a sink as a foreign table' '^ public +\| alerts +\| foreign table' "$out"
expect 'psql \d lists the query as a view' '^ public +\| ph_alerts +\| view' "$out"
out=$(sl_psql -c '\d readings' 2>&1)
expect 'psql \d NAME: title' 'Table "public.readings"' "$out"
expect 'psql \d NAME: a column' '^ ph +\| double precision' "$out"
expect 'psql \d NAME: the last column' '^ ok +\| boolean' "$out"
out=$(sl_psql -c '\d influx' 2>&1)
expect 'psql \d of a sink: its kind as server' '^Server: influxdb' "$out"
echo "$out" | grep -q hunter2 && bad 'psql \d of a sink: no secret' "$out" || ok 'psql \d of a sink: no secret'
out=$(sl_psql -c '\d+ ph_alerts' 2>&1)
expect 'psql \d+ of a query: its SQL' 'SELECT station, ph FROM readings WHERE ph > 8.5 INTO alerts' "$out"
out=$(sl_psql -c '\dt' 2>&1)
expect 'psql \dt' '^ public +\| readings +\| table' "$out"
out=$(sl_psql -c '\l' 2>&1)
expect 'psql \l' '^ sluice +\| pg_database_owner +\| UTF8' "$out"
out=$(sl_psql -c '\dn' 2>&1)
expect 'psql \dn' '^ public +\| pg_database_owner' "$out"
out=$(sl_psql -c '\du' 2>&1)
expect 'psql \du' '^ bob +\| +\|' "$out"
for c in '\df' '\dT' '\dv'; do
    out=$(sl_psql -c "$c" 2>&1)
    if echo "$out" | grep -q ERROR; then bad "psql $c" "$out"; else ok "psql $c"; fi
done

# What a role may read: bob was granted nothing.
out=$(PGPASSWORD=bob-pw sl_psql -U bob -At -c "SELECT relname, has_table_privilege(oid, 'SELECT') FROM pg_class WHERE relnamespace = 2200 AND relkind = 'r'" 2>&1)
expect 'has_table_privilege for a role without USAGE' '^readings\|f$' "$out"
out=$(PGPASSWORD=bob-pw sl_psql -At -U bob -c "SELECT rolpassword FROM pg_roles WHERE rolname = 'bob'" 2>&1)
expect 'pg_roles shows no verifier' '^\*\*\*\*\*\*\*\*$' "$out"

# statement_timeout stops a hostile join.
out=$(sl_psql -c "SET statement_timeout = '200ms'" -c "SELECT count(*) FROM pg_attribute a, pg_attribute b, pg_attribute c" 2>&1)
expect 'statement_timeout stops a catalog cross join' 'canceling statement due to statement timeout' "$out"

# The cost of a catalog query after the session's first (psql's \d query), in ms.
q="SELECT n.nspname, c.relname FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE pg_catalog.pg_table_is_visible(c.oid) ORDER BY 1, 2;"
ms=$(printf '\\timing on\n%s\n%s\n%s\n%s\n' "$q" "$q" "$q" "$q" | sl_psql -q 2>&1 | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -3 | sort -n | head -1)
echo "# a catalog query after the session's first: ${ms:-?} ms"

# SQLAlchemy 1.4's inspect() over psycopg2 (simple query protocol), when Debian's packages are there.
if /usr/bin/python3 -c 'import sqlalchemy, psycopg2' 2>/dev/null; then
    out=$(/usr/bin/python3 - "$SL_PORT" <<'EOF' 2>&1
import sys
from sqlalchemy import create_engine, inspect
e = create_engine("postgresql+psycopg2://sluice:%s@127.0.0.1:%s/sluice" % (__import__("os").environ["PGPASSWORD"], sys.argv[1]))
i = inspect(e)
print("tables", i.get_table_names())
print("columns", [(c["name"], str(c["type"])) for c in i.get_columns("readings")])
print("has", i.has_table("readings"), i.has_table("nope"))
print("views", i.get_view_names())
EOF
)
    expect 'SQLAlchemy get_table_names' "^tables \['readings'\]" "$out"
    expect 'SQLAlchemy get_columns' "^columns \[\('ts', 'TIMESTAMP'\), \('station', 'TEXT'\), \('ph', 'DOUBLE_PRECISION'\), \('ok', 'BOOLEAN'\)\]" "$out"
    expect 'SQLAlchemy has_table' '^has True False' "$out"
    expect 'SQLAlchemy get_view_names' "^views \['ph_alerts'\]" "$out"
else
    echo "ok - SQLAlchemy inspect() # SKIP python3-sqlalchemy or python3-psycopg2 not installed"
fi

sl_server_stop || fail=1
[ "$fail" -eq 0 ] || SL_KEEP_TMP=1
exit "$fail"
