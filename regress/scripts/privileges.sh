#!/bin/bash
# regress/scripts/privileges.sh - what a role that is not a superuser may do
# (issue 12): CREATE needs GRANT CREATE ON SERVER; kinds that read or write
# server files or reach other hosts need the predefined roles
# sluice_read_server_files, sluice_write_server_files, sluice_network; only
# owners alter, drop, pause and grant; others use a source or sink only
# with USAGE; a DYNAMODB sink on the server's AWS credentials is for
# superusers; a role that owns objects cannot be dropped.
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
. "$SL_SRCDIR/regress/lib/check.sh"

sl_server_start || exit 1
as() { # as ROLE SQL...: psql over TCP as ROLE (password ROLE-pw), errors shown
    local role=$1
    shift
    local args=()
    for sql in "$@"; do args+=(-c "$sql"); done
    PGPASSWORD=$role-pw PGCONNECT_TIMEOUT=5 timeout 20 psql -X -At -v VERBOSITY=default \
        "host=127.0.0.1 port=$SL_PORT dbname=sluice user=$role" "${args[@]}" 2>&1
}
su() { sl_psql -X -At -c "$1" 2>&1; }

su "CREATE ROLE alice LOGIN PASSWORD 'alice-pw'" >/dev/null
su "CREATE ROLE bob LOGIN PASSWORD 'bob-pw'" >/dev/null
check "the predefined roles exist and cannot log in" \
    "sluice_monitor|f|f
sluice_network|f|f
sluice_read_server_files|f|f
sluice_write_server_files|f|f" "$(su "SHOW ROLES" | awk -F'|' '$1 ~ /^sluice_/ { print $1 "|" $2 "|" $3 }')"

check "no CREATE without the grant" "ERROR:  permission denied to create sources
HINT:  A superuser can allow it: GRANT CREATE ON SERVER TO alice." \
    "$(as alice "CREATE SOURCE gen FROM GENERATOR WITH (rows = 10)")"
out=$(as alice "GRANT CREATE ON SERVER TO alice")
case $out in *"permission denied to grant on the server"*) ok "only superusers grant CREATE" ;; *) notok "only superusers grant CREATE"; echo "$out" ;; esac
check "GRANT CREATE ON SERVER" "GRANT" "$(su "GRANT CREATE ON SERVER TO alice")"
check "alice creates a GENERATOR source" "CREATE SOURCE" \
    "$(as alice "CREATE SOURCE gen FROM GENERATOR WITH (rows = 10, seed = 1)")"
out=$(as alice "CREATE SINK f TO FILE WITH (path = 'alice.jsonl')")
check "a FILE sink needs sluice_write_server_files" "ERROR:  permission denied to create sink of kind file
DETAIL:  A file sink writes server files: only superusers and members of sluice_write_server_files may create one.
HINT:  A superuser can allow it: GRANT sluice_write_server_files TO alice." "$out"
out=$(as alice "CREATE SOURCE fs (line TEXT) FROM FILE WITH (path = 'x.csv', format = 'csv')")
case $out in *"A file source reads server files"*) ok "a FILE source needs sluice_read_server_files" ;;
*) notok "a FILE source needs sluice_read_server_files"; echo "$out" ;; esac
out=$(as alice "CREATE SINK w TO WEBHOOK WITH (url = 'http://127.0.0.1:9/')")
case $out in *"A webhook sink connects to other hosts"*"GRANT sluice_network TO alice"*) ok "a WEBHOOK sink needs sluice_network" ;;
*) notok "a WEBHOOK sink needs sluice_network"; echo "$out" ;; esac
out=$(as alice "CREATE SOURCE k FROM KAFKA WITH (topic = 't', brokers = '127.0.0.1:9')")
case $out in *"A kafka source connects to other hosts"*) ok "a KAFKA source needs sluice_network" ;;
*) notok "a KAFKA source needs sluice_network"; echo "$out" ;; esac
check "GRANT a predefined role" "GRANT" "$(su "GRANT sluice_write_server_files TO alice")"
check "then the FILE sink is allowed" "CREATE SINK" "$(as alice "CREATE SINK f TO FILE WITH (path = 'alice.jsonl')")"
su "GRANT sluice_network TO alice" >/dev/null
out=$(as alice "CREATE SINK d TO DYNAMODB WITH (table = 't', key = 'station', region = 'us-east-1')")
case $out in *"only superusers may create a dynamodb sink that uses the server's AWS credentials"*)
    ok "the server's AWS credentials are for superusers" ;;
*) notok "the server's AWS credentials are for superusers"; echo "$out" ;; esac
check "with its own keys it is allowed" "CREATE SINK" \
    "$(as alice "CREATE SINK d TO DYNAMODB WITH (table = 't', key = 'station', region = 'us-east-1', endpoint = 'http://127.0.0.1:9/', access_key_id = 'a', secret_access_key = 'b')")"
out=$(as alice "ALTER SINK d SET (access_key_id = '')")
case $out in *"only superusers may create a dynamodb sink"*) ok "ALTER cannot fall back to the server's credentials" ;;
*) notok "ALTER cannot fall back to the server's credentials"; echo "$out" ;; esac
check "alice runs a query of her own" "10" "$(as alice "CREATE QUERY aq AS SELECT * FROM gen INTO f" "SELECT wait_query('aq', 10)" >/dev/null; su "SHOW QUERIES" | awk -F'|' '$1 == "aq" { print $6 }')"

# ---- another role: no use, no change without the owner's grant ----
su "GRANT CREATE ON SERVER TO bob" >/dev/null
out=$(as bob "SELECT station FROM gen LIMIT 1")
check "bob cannot read alice's source" "ERROR:  permission denied for source \"gen\"
HINT:  Its owner can allow it: GRANT USAGE ON SOURCE gen TO bob." "$out"
out=$(as bob "DROP SOURCE gen")
check "bob cannot drop it" "ERROR:  must be owner of source \"gen\"" "$out"
out=$(as bob "ALTER SINK f SET (format = 'csv')")
check "bob cannot alter alice's sink" "ERROR:  must be owner of sink \"f\"" "$out"
out=$(as bob "PAUSE QUERY aq")
check "bob cannot pause alice's query" "ERROR:  must be owner of query \"aq\"" "$out"
out=$(as bob "DROP QUERY aq")
check "bob cannot drop alice's query" "ERROR:  must be owner of query \"aq\"" "$out"
out=$(as bob "GRANT USAGE ON SOURCE gen TO bob")
check "bob cannot grant on alice's source" "ERROR:  must be owner of source \"gen\"" "$out"
check "alice grants USAGE on her source" "GRANT" "$(as alice "GRANT USAGE ON SOURCE gen TO bob")"
check "now bob reads it" "1" "$(as bob "SELECT count(*) FROM gen LIMIT 1" | tail -1 | grep -c '^10$')"
bob_q=$(as bob "CREATE SINK bs TO FILE WITH (path = 'bob.jsonl')")
case $bob_q in *"permission denied to create sink of kind file"*) ok "bob has no file rights of his own" ;;
*) notok "bob has no file rights of his own"; echo "$bob_q" ;; esac
out=$(as bob "CREATE QUERY bq AS SELECT * FROM gen INTO f")
check "bob cannot write into alice's sink" "ERROR:  permission denied for sink \"f\"
HINT:  Its owner can allow it: GRANT USAGE ON SINK f TO bob." "$out"
check "SHOW GRANTS" "role|sluice_network|alice|member
role|sluice_write_server_files|alice|member
server||alice|create
server||bob|create
source|gen|bob|usage" "$(su "SHOW GRANTS")"
check "REVOKE" "REVOKE" "$(as alice "REVOKE USAGE ON SOURCE gen FROM bob")"
out=$(as bob "SELECT station FROM gen LIMIT 1")
case $out in *"permission denied for source \"gen\""*) ok "revoked: bob cannot read it again" ;; *) notok "revoked: bob cannot read it again"; echo "$out" ;; esac
out=$(as alice "GRANT write ON SOURCE gen TO bob")
check "only USAGE on a source" "ERROR:  invalid privilege type write for source" "$out"

# ---- roles that own objects ----
out=$(su "DROP ROLE alice")
check "a role that owns objects cannot be dropped" "ERROR:  role \"alice\" cannot be dropped because some objects depend on it
DETAIL:  It owns source gen." "$out"
check "the superuser may drop alice's objects" "DROP QUERY
DROP SINK
DROP SINK
DROP SOURCE
DROP ROLE" "$(sl_psql -X -At -c "DROP QUERY aq" -c "DROP SINK f" -c "DROP SINK d" -c "DROP SOURCE gen" -c "DROP ROLE alice" 2>&1)"
check "her grants went with her" "server||bob|create" "$(su "SHOW GRANTS")"

sl_server_stop || notok "server stops"
exit $fail
