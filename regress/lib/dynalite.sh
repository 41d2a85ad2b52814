# regress/lib/dynalite.sh - a throw-away dynalite (DynamoDB API) for tests
# and benchmarks, and curl helpers that speak to it with SigV4.
#
# Source it after regress/lib/server.sh (it needs SL_TMP and sl_free_port
# and chains its EXIT trap), then:
#   dynalite_start [--path DIR]   starts dynalite on 127.0.0.1 (a free port, or
#                                 DYNALITE_PORT when set, e.g. for a restart), in
#                                 memory or in a LevelDB store under DIR; sets
#                                 DYNALITE_PORT, DYNALITE_PID, DYNALITE_URL
#   dynalite_stop                 SIGTERM by PID, waits (SIGKILL after 10 s)
#   ddb TARGET JSON               one DynamoDB API call (TARGET e.g. Scan) signed
#                                 by curl's --aws-sigv4; prints the reply body,
#                                 fails unless HTTP 200
#   ddb_create_table NAME HASH TYPE [RANGE TYPE]
#                                 creates a table (on-demand) and waits until it
#                                 is ACTIVE; TYPE is S or N
#   ddb_scan TABLE [LIMIT]        every item of TABLE, one JSON object a line
#                                 (DynamoDB JSON, keys sorted), following
#                                 LastEvaluatedKey; LIMIT items a page
#   ddb_count TABLE               the number of items (Scan with Select COUNT)
# The dynalite binary is $SL_DYNALITE, else the one scripts/deps.sh installs
# with `npm ci` into regress/npm.  Every wait is bounded.

DYNALITE=${SL_DYNALITE:-${SL_SRCDIR:?}/regress/npm/node_modules/.bin/dynalite}
# dynalite does not check signatures, only that requests are signed: any
# key pair will do.
DDB_KEY=${DDB_KEY:-AKIDSLUICETEST}
DDB_SECRET=${DDB_SECRET:-sluice/test/secret}
DDB_REGION=${DDB_REGION:-us-east-1}
DYNALITE_PID=

dynalite__cleanup() {
    local rc=$?
    dynalite_stop
    return $rc
}
trap 'dynalite__cleanup; sl__cleanup' EXIT

dynalite_start() {
    local path_args=() fixed=${DYNALITE_PORT:-}
    if [ "${1:-}" = --path ]; then
        mkdir -p "$2" && path_args=(--path "$2")
    fi
    [ -x "$DYNALITE" ] || { echo "dynalite not found at $DYNALITE (run scripts/deps.sh)" >&2; return 1; }
    for _ in 1 2 3 4 5; do
        DYNALITE_PORT=${fixed:-$(sl_free_port)}
        # Tables become ACTIVE almost at once: tests wait less.
        "$DYNALITE" --host 127.0.0.1 --port "$DYNALITE_PORT" --createTableMs 20 --deleteTableMs 20 \
            --updateTableMs 20 "${path_args[@]}" >>"$SL_TMP/dynalite.log" 2>&1 &
        DYNALITE_PID=$!
        DYNALITE_URL=http://127.0.0.1:$DYNALITE_PORT
        for _ in $(seq 200); do # 20 s: node starts in about a second
            kill -0 "$DYNALITE_PID" 2>/dev/null || break
            if curl -s -o /dev/null --max-time 1 "$DYNALITE_URL/"; then return 0; fi
            sleep 0.1
        done
        if kill -0 "$DYNALITE_PID" 2>/dev/null; then
            echo "dynalite did not answer in 20 s" >&2; cat "$SL_TMP/dynalite.log" >&2; dynalite_stop; return 1
        fi
        wait "$DYNALITE_PID" 2>/dev/null
        DYNALITE_PID=
        grep -q EADDRINUSE "$SL_TMP/dynalite.log" && [ -z "$fixed" ] || break # a taken port: try another
    done
    echo "dynalite did not start" >&2; cat "$SL_TMP/dynalite.log" >&2
    return 1
}

dynalite_stop() {
    [ -n "${DYNALITE_PID:-}" ] || return 0
    kill -TERM "$DYNALITE_PID" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$DYNALITE_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$DYNALITE_PID" 2>/dev/null
    wait "$DYNALITE_PID" 2>/dev/null
    DYNALITE_PID=
    return 0
}

ddb() { # ddb TARGET JSON
    local out code
    out=$(curl -s --max-time 30 --aws-sigv4 "aws:amz:$DDB_REGION:dynamodb" --user "$DDB_KEY:$DDB_SECRET" \
        -H 'Content-Type: application/x-amz-json-1.0' -H "X-Amz-Target: DynamoDB_20120810.$1" \
        --data-binary "$2" -w '\n%{http_code}' "$DYNALITE_URL/") || { echo "curl failed: $1" >&2; return 1; }
    code=${out##*$'\n'}
    printf '%s\n' "${out%$'\n'*}"
    [ "$code" = 200 ]
}

ddb_create_table() { # ddb_create_table NAME HASH TYPE [RANGE TYPE]
    local defs keys status
    defs="{\"AttributeName\":\"$2\",\"AttributeType\":\"$3\"}"
    keys="{\"AttributeName\":\"$2\",\"KeyType\":\"HASH\"}"
    if [ $# -ge 5 ]; then
        defs="$defs,{\"AttributeName\":\"$4\",\"AttributeType\":\"$5\"}"
        keys="$keys,{\"AttributeName\":\"$4\",\"KeyType\":\"RANGE\"}"
    fi
    ddb CreateTable "{\"TableName\":\"$1\",\"AttributeDefinitions\":[$defs],\"KeySchema\":[$keys],
        \"BillingMode\":\"PAY_PER_REQUEST\"}" >/dev/null || { echo "CreateTable $1 failed" >&2; return 1; }
    for _ in $(seq 100); do
        status=$(ddb DescribeTable "{\"TableName\":\"$1\"}" | grep -o '"TableStatus":"[A-Z]*"')
        [ "$status" = '"TableStatus":"ACTIVE"' ] && return 0
        sleep 0.05
    done
    echo "table $1 did not become ACTIVE" >&2
    return 1
}

ddb_scan() { # ddb_scan TABLE [PAGE_LIMIT]: items, one a line
    local req page lek n=0
    req="{\"TableName\":\"$1\",\"Limit\":${2:-1000}}"
    while :; do
        page=$(ddb Scan "$req") || { echo "Scan $1 failed: $page" >&2; return 1; }
        /usr/bin/python3 -c '
import json, sys
page = json.loads(sys.stdin.read())
for item in page.get("Items", []):
    print(json.dumps(item, ensure_ascii=False, sort_keys=True))
lek = page.get("LastEvaluatedKey")
open(sys.argv[1], "w").write(json.dumps(lek) if lek else "")' "$SL_TMP/ddb_scan.lek" <<<"$page" || return 1
        lek=$(cat "$SL_TMP/ddb_scan.lek")
        [ -n "$lek" ] || return 0
        req="{\"TableName\":\"$1\",\"Limit\":${2:-1000},\"ExclusiveStartKey\":$lek}"
        n=$((n + 1))
        [ "$n" -lt 100000 ] || { echo "Scan $1: too many pages" >&2; return 1; }
    done
}

ddb_count() { # ddb_count TABLE
    local req page lek total=0 n
    req="{\"TableName\":\"$1\",\"Select\":\"COUNT\"}"
    for _ in $(seq 100000); do
        page=$(ddb Scan "$req") || { echo "Scan $1 failed: $page" >&2; return 1; }
        n=$(grep -o '"Count":[0-9]*' <<<"$page" | cut -d: -f2)
        total=$((total + ${n:-0}))
        lek=$(/usr/bin/python3 -c 'import json, sys
lek = json.loads(sys.stdin.read()).get("LastEvaluatedKey")
print(json.dumps(lek) if lek else "")' <<<"$page")
        [ -n "$lek" ] || { echo "$total"; return 0; }
        req="{\"TableName\":\"$1\",\"Select\":\"COUNT\",\"ExclusiveStartKey\":$lek}"
    done
    return 1
}
