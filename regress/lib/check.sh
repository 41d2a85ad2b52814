# regress/lib/check.sh - the TAP-style checks of the script tests (sourced
# after regress/lib/server.sh; not a test itself).
#
#   ok NAME / notok NAME             print "ok - NAME" / "not ok - NAME" (and set fail=1)
#   check NAME EXPECTED ACTUAL       ok when equal, else both shown
#   wait_until SECONDS 'CONDITION'   evaluates CONDITION every 0.1 s until true
#   query_field NAME COLUMN          one column of SHOW QUERIES for query NAME
#                                    (2 state, 5 rows_in, 6 rows_out, 11 error)
#   sink_field NAME COLUMN           one column of SHOW SINKS for sink NAME
#                                    (4 state, 5 rows, 6 batches, 7 retries, 8 last_error)
# A test ends with `exit $fail`.

fail=0
ok() { echo "ok - $1"; }
notok() { echo "not ok - $1"; fail=1; }
check() { # check NAME EXPECTED ACTUAL
    if [ "$2" == "$3" ]; then ok "$1"; else
        notok "$1"; echo "--- expected"; echo "$2"; echo "--- got"; echo "$3"; fi
}

wait_until() { # wait_until SECONDS 'SHELL CONDITION'
    local t=$1
    for _ in $(seq $((t * 10))); do
        eval "$2" && return 0
        sleep 0.1
    done
    return 1
}

query_field() {
    sl_psql -At -F'|' -c "SHOW QUERIES" 2>&1 | awk -F'|' -v n="$1" -v c="$2" '$1 == n { print $c }'
}

sink_field() {
    sl_psql -At -F'|' -c "SHOW SINKS" 2>&1 | awk -F'|' -v n="$1" -v c="$2" '$1 == n { print $c }'
}
