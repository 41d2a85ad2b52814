#!/bin/bash
# regress/scripts/auth.sh - roles, authentication and TLS (issue 12):
# peer on the Unix socket, SCRAM-SHA-256 over TCP with and without TLS and
# with channel binding, psql and psycopg2 with sslmode=require and
# verify-full against a CA this test makes, wrong passwords and unknown
# roles (28P01 after the failure delay, nothing of the password in the
# log), reject rules and SIGHUP reloads of sluice_hba.conf, the
# privileges of a role that is not a superuser, verifiers made elsewhere
# (psql's \password sends one), no password in catalog.db, the whole
# startup bounded by authentication_timeout, and the warning for an open
# listener with a trust rule.
set -u
. "$SL_SRCDIR/regress/lib/server.sh"
. "$SL_SRCDIR/regress/lib/check.sh"

# The socket in a directory anyone may enter, so that another OS user can try it.
SL_SOCKDIR=$(mktemp -d /tmp/sluice-sock.XXXXXX)
chmod 755 "$SL_SOCKDIR"
trap 'sl__cleanup; rm -rf "$SL_SOCKDIR"' EXIT
sl_server_start -c authentication_failure_delay=500ms || exit 1
me=$(id -un)
sock() { PGCONNECT_TIMEOUT=5 psql -X -At -h "$SL_SOCKDIR" -p "$SL_PORT" -d sluice "$@" 2>&1; }
tcp() { # tcp USER PASSWORD [conninfo extra] -- psql args
    local user=$1 pw=$2 extra=$3
    shift 3
    PGPASSWORD=$pw PGCONNECT_TIMEOUT=5 psql -X -At "host=127.0.0.1 port=$SL_PORT dbname=sluice user=$user $extra" "$@" 2>&1
}

# ---- peer on the socket ----
check "peer: the OS user logs in as its role, a superuser" "$me|on" \
    "$(sock -c "SHOW session_authorization" -c "SHOW is_superuser" | paste -sd'|')"
out=$(sock -U sluice -c "SELECT 1")
case $out in *'peer authentication failed for user "sluice"'*) ok "peer: another role than the OS user is refused" ;;
*) notok "peer: another role than the OS user is refused"; echo "$out" ;; esac
if [ "$(id -u)" = 0 ]; then
    out=$(runuser -u nobody -- env PGCONNECT_TIMEOUT=5 psql -X -At -h "$SL_SOCKDIR" -p "$SL_PORT" -d sluice \
        -U "$me" -c "SELECT 1" 2>&1)
    case $out in *"peer authentication failed for user \"$me\""*) ok "peer: OS user nobody cannot be $me" ;;
    *) notok "peer: OS user nobody cannot be $me"; echo "$out" ;; esac
    out=$(runuser -u nobody -- env PGCONNECT_TIMEOUT=5 psql -X -At -h "$SL_SOCKDIR" -p "$SL_PORT" -d sluice \
        -c "SELECT 1" 2>&1)
    case $out in *'role "nobody" does not exist'*) ok "peer: an OS user without a role is refused" ;;
    *) notok "peer: an OS user without a role is refused"; echo "$out" ;; esac
else
    echo "ok - peer: other OS users (not run: the test is not root, so it cannot be another user)"
fi

# ---- SCRAM over TCP, TLS ----
check "scram + TLS (sslmode=require)" "1" "$(tcp sluice "$SL_TEST_PASSWORD" "sslmode=require" -c "SELECT 1")"
out=$(tcp sluice "$SL_TEST_PASSWORD" "sslmode=require" -c '\conninfo')
case $out in *'SSL connection (protocol: TLSv1.'[23]*) ok "the connection is TLS 1.2 or later" ;;
*) notok "the connection is TLS 1.2 or later"; echo "$out" ;; esac
check "scram with channel binding required" "1" \
    "$(tcp sluice "$SL_TEST_PASSWORD" "sslmode=require channel_binding=require" -c "SELECT 1")"
check "scram without TLS (sslmode=disable)" "1" "$(tcp sluice "$SL_TEST_PASSWORD" "sslmode=disable" -c "SELECT 1")"
out=$(tcp sluice "$SL_TEST_PASSWORD" "sslmode=disable channel_binding=require" -c "SELECT 1")
case $out in *"channel binding"*) ok "no channel binding without TLS" ;; *) notok "no channel binding without TLS"; echo "$out" ;; esac

py_connect() { # py_connect KWARGS... : psycopg2 connects and prints ssl_in_use and the session's role
    /usr/bin/python3 - "$@" <<'PY' 2>&1
import sys, psycopg2
kw = dict(a.split("=", 1) for a in sys.argv[1:])
conn = psycopg2.connect(**kw)
cur = conn.cursor()
cur.execute("SHOW session_authorization")
print(conn.info.ssl_in_use, cur.fetchone()[0])
PY
}
check "psycopg2, sslmode=require" "True sluice" \
    "$(py_connect host=127.0.0.1 port="$SL_PORT" dbname=sluice user=sluice password="$SL_TEST_PASSWORD" sslmode=require)"

# ---- failures: same answer, after the delay, nothing in the log ----
bad_login() { # bad_login NAME USER PASSWORD EXPECTED_TEXT
    local t0 t1 out
    t0=$(date +%s%N)
    out=$(tcp "$2" "$3" "sslmode=disable" -c "SELECT 1")
    t1=$(date +%s%N)
    case $out in *"$4"*) ok "$1: refused" ;; *) notok "$1: refused"; echo "$out" ;; esac
    if [ $(((t1 - t0) / 1000000)) -ge 450 ]; then ok "$1: answered after the failure delay"; else
        notok "$1: answered after the failure delay ($(((t1 - t0) / 1000000)) ms)"; fi
}
bad_login "wrong password" sluice "Wr0ngPassw0rd" 'FATAL:  password authentication failed for user "sluice"'
bad_login "unknown role" nosuchrole "Wr0ngPassw0rd" 'FATAL:  password authentication failed for user "nosuchrole"'
sock -c "CREATE ROLE nopw LOGIN" >/dev/null
bad_login "role without a password" nopw "Wr0ngPassw0rd" 'FATAL:  password authentication failed for user "nopw"'
if grep -q "Wr0ngPassw0rd" "$SL_TMP/server.log"; then notok "no password in the log"; else ok "no password in the log"; fi
if grep -q 'authentication refused from 127.0.0.1:[0-9]*: password authentication failed for user "nosuchrole"' \
    "$SL_TMP/server.log"; then ok "refusals are logged with the peer address"; else notok "refusals are logged with the peer address"; fi

# ---- privileges of a role that is not a superuser ----
sock -c "CREATE ROLE alice LOGIN PASSWORD 'alice-pw-1'" >/dev/null
check "alice logs in, not a superuser" "alice|off" \
    "$(tcp alice alice-pw-1 "" -c "SHOW session_authorization" -c "SHOW is_superuser" | paste -sd'|')"
out=$(tcp alice alice-pw-1 "" -c "CREATE ROLE mallory LOGIN SUPERUSER")
check "alice cannot create roles" "ERROR:  permission denied to create role
DETAIL:  Only superusers may do that." "$out"
out=$(tcp alice alice-pw-1 "" -c "ALTER ROLE alice SUPERUSER")
case $out in *"permission denied to alter role"*) ok "alice cannot make herself a superuser" ;; *) notok "alice cannot make herself a superuser"; echo "$out" ;; esac
out=$(tcp alice alice-pw-1 "" -c "DROP ROLE sluice")
case $out in *"permission denied to drop role"*) ok "alice cannot drop roles" ;; *) notok "alice cannot drop roles"; echo "$out" ;; esac
check "alice changes her own password" "ALTER ROLE" "$(tcp alice alice-pw-1 "" -c "ALTER ROLE alice PASSWORD 'alice-pw-2'")"
check "the new password works" "1" "$(tcp alice alice-pw-2 "" -c "SELECT 1")"
out=$(sock -c "DROP ROLE $me")
case $out in *"current user cannot be dropped"*) ok "the current role cannot be dropped" ;; *) notok "the current role cannot be dropped"; echo "$out" ;; esac
out=$(sock -c "CREATE ROLE sluice_x")
case $out in *'role name "sluice_x" is reserved'*) ok "sluice_ names are reserved" ;; *) notok "sluice_ names are reserved"; echo "$out" ;; esac
check "NOLOGIN role" "ALTER ROLE" "$(sock -c "ALTER ROLE alice NOLOGIN")"
out=$(tcp alice alice-pw-2 "sslmode=disable" -c "SELECT 1")
case $out in *'password authentication failed for user "alice"'*) ok "a NOLOGIN role cannot log in" ;; *) notok "a NOLOGIN role cannot log in"; echo "$out" ;; esac
sock -c "ALTER ROLE alice LOGIN" >/dev/null

# ---- a verifier made by the client, as psql's \password sends ----
verifier=$(/usr/bin/python3 - <<'PY'
import base64, hashlib, hmac, os
pw, salt, it = b"made-by-client", os.urandom(16), 4096
salted = hashlib.pbkdf2_hmac("sha256", pw, salt, it)
ck = hmac.new(salted, b"Client Key", "sha256").digest()
sk = hmac.new(salted, b"Server Key", "sha256").digest()
b = lambda x: base64.b64encode(x).decode()
print(f"SCRAM-SHA-256${it}:{b(salt)}${b(hashlib.sha256(ck).digest())}:{b(sk)}")
PY
)
check "ALTER ROLE with a SCRAM verifier" "ALTER ROLE" "$(sock -c "ALTER ROLE alice PASSWORD '$verifier'")"
check "the password behind the verifier logs in" "1" "$(tcp alice made-by-client "" -c "SELECT 1")"
out=$(sock -c "ALTER ROLE alice PASSWORD 'md5aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'")
case $out in *"MD5 password hashes are not supported"*) ok "md5 hashes refused" ;; *) notok "md5 hashes refused"; echo "$out" ;; esac

# ---- no password at rest ----
check "SHOW ROLES shows the method, not the verifier" "alice|scram-sha-256" \
    "$(sock -c "SHOW ROLES" | awk -F'|' '$1 == "alice" { print $1 "|" $4 }')"
if cat "$SL_DATADIR"/catalog.db* | strings | grep -q -e "$SL_TEST_PASSWORD" -e "alice-pw" -e "made-by-client"; then
    notok "no password in catalog.db"; else ok "no password in catalog.db"; fi

# ---- sluice_hba.conf: reject, reload, a broken file keeps the old rules ----
hba=$SL_DATADIR/sluice_hba.conf
cp "$hba" "$SL_TMP/hba.default"
{ echo "host all alice 127.0.0.1/32 reject"; cat "$SL_TMP/hba.default"; } >"$hba"
kill -HUP "$SL_PID"
wait_until 5 'tcp alice made-by-client "sslmode=disable" -c "SELECT 1" | grep -q "rejects connection"' &&
    ok "a reject rule applies after SIGHUP" || notok "a reject rule applies after SIGHUP"
check "other roles still log in" "1" "$(tcp sluice "$SL_TEST_PASSWORD" "" -c "SELECT 1")"
echo "host all all 127.0.0.1/32 letmein" >>"$hba"
kill -HUP "$SL_PID"
wait_until 5 'grep -q "invalid authentication method \"letmein\".*previous rules stay in force" "$SL_TMP/server.log"' &&
    ok "a broken file is logged" || notok "a broken file is logged"
out=$(tcp alice made-by-client "sslmode=disable" -c "SELECT 1")
case $out in *"rejects connection"*) ok "a broken file keeps the old rules" ;; *) notok "a broken file keeps the old rules"; echo "$out" ;; esac
{ echo "hostssl all all 127.0.0.1/32 scram-sha-256"; echo "local all all peer"; } >"$hba"
kill -HUP "$SL_PID"
wait_until 5 'tcp alice made-by-client "sslmode=disable" -c "SELECT 1" | grep -q "no sluice_hba.conf entry"' &&
    ok "hostssl: no rule for a connection without TLS" || notok "hostssl: no rule for a connection without TLS"
check "hostssl: TLS connections log in" "1" "$(tcp alice made-by-client "sslmode=require" -c "SELECT 1")"
cp "$SL_TMP/hba.default" "$hba"
kill -HUP "$SL_PID"

# ---- the whole startup is bounded ----
sl_server_stop || notok "server stopped"
sl_server_start -c authentication_timeout=3s || exit 1
SL_SLOW_PORT=$SL_PORT /usr/bin/python3 - <<'PY' >"$SL_TMP/slow.out" 2>&1
import os, socket, struct, time
# A startup packet sent a byte every half second (about 20 s in all): with
# authentication_timeout = 3s the server closes the connection long before.
s = socket.create_connection(("127.0.0.1", int(os.environ["SL_SLOW_PORT"])))
body = struct.pack("!I", 196608) + b"user\0sluice\0database\0sluice\0\0"
pkt = struct.pack("!I", len(body) + 4) + body
t0, closed = time.time(), False
for b in pkt:
    try:
        s.send(bytes([b]))
        time.sleep(0.5)
        s.setblocking(False)
        try:
            if s.recv(100) == b"":
                closed = True
        except BlockingIOError:
            pass
        s.setblocking(True)
    except OSError:
        closed = True
    if closed:
        break
print("closed" if closed else "complete", int(time.time() - t0))
PY
read -r how secs <"$SL_TMP/slow.out"
if [ "$how" = closed ] && [ "$secs" -le 6 ]; then ok "a startup trickled byte by byte ends at authentication_timeout"
else notok "a startup trickled byte by byte ends at authentication_timeout"; cat "$SL_TMP/slow.out"; fi
sl_server_stop || notok "server stopped"

# ---- TLS with a certificate from a CA; verify-full ----
ca=$SL_TMP/ca
mkdir -p "$ca"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=sluice test CA" \
    -keyout "$ca/ca.key" -out "$ca/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout "$ca/server.key" -out "$ca/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$ca/ext"
openssl x509 -req -in "$ca/server.csr" -CA "$ca/ca.crt" -CAkey "$ca/ca.key" -CAcreateserial -days 2 \
    -extfile "$ca/ext" -out "$ca/server.crt" 2>/dev/null
chmod 600 "$ca/server.key"
sl_server_start -c ssl_cert_file="$ca/server.crt" -c ssl_key_file="$ca/server.key" || exit 1
check "psql verify-full with the CA" "1" "$(PGPASSWORD=$SL_TEST_PASSWORD PGCONNECT_TIMEOUT=5 psql -X -At \
    "host=localhost hostaddr=127.0.0.1 port=$SL_PORT dbname=sluice user=sluice sslmode=verify-full sslrootcert=$ca/ca.crt" \
    -c "SELECT 1" 2>&1)"
check "psycopg2 verify-full with the CA" "True sluice" \
    "$(py_connect host=localhost port="$SL_PORT" dbname=sluice user=sluice password="$SL_TEST_PASSWORD" \
        sslmode=verify-full sslrootcert="$ca/ca.crt")"
sl_server_stop || notok "server stopped"
sl_server_start || exit 1
out=$(PGPASSWORD=$SL_TEST_PASSWORD PGCONNECT_TIMEOUT=5 psql -X -At \
    "host=localhost hostaddr=127.0.0.1 port=$SL_PORT dbname=sluice user=sluice sslmode=verify-full sslrootcert=$ca/ca.crt" \
    -c "SELECT 1" 2>&1)
case $out in *"certificate verify failed"*) ok "verify-full refuses the self-signed default certificate" ;;
*) notok "verify-full refuses the self-signed default certificate"; echo "$out" ;; esac
check "the generated key is 0600" "600" "$(stat -c %a "$SL_DATADIR/server.key")"
chmod 644 "$SL_DATADIR/server.key"
sl_server_stop || notok "server stopped"
out=$(timeout 10 "$SLUICED" -D "$SL_DATADIR" -p "$(sl_free_port)" -k "$SL_SOCKDIR" 2>&1)
case $out in *"has group or world access"*) ok "a key others can read stops the start" ;;
*) notok "a key others can read stops the start"; echo "$out" ;; esac
chmod 600 "$SL_DATADIR/server.key"

# ---- an open listener with a trust rule is warned about ----
echo "host all nobody_at_all 0.0.0.0/0 trust" >>"$SL_DATADIR/sluice_hba.conf"
sl_server_start -c "listen_addresses=*" || exit 1
if grep -q 'WARNING:  listen_addresses includes "\*" and sluice_hba.conf trusts TCP connections' "$SL_TMP/server.log"
then ok "warning for listen_addresses = '*' with a trust rule"; else notok "warning for listen_addresses = '*' with a trust rule"; fi
sl_server_stop || notok "server stopped"
exit $fail
