#!/bin/bash
# regress/scripts/drivers_go.sh - Go's pgx v4 and lib/pq at their default
# settings against sluiced (issue 13): regress/clients/pgx_check.go and
# libpq_check.go, built once into the build tree from Debian's packaged
# sources (GOPATH mode, /usr/share/gocode: no network), see
# regress/clients/README.md.
set -u
. "$SL_SRCDIR/regress/lib/drivers.sh"
sl_drivers_need go
for d in github.com/jackc/pgx/v4 github.com/lib/pq; do
    [ -d "/usr/share/gocode/src/$d" ] || { echo "skip: $d is not installed (scripts/deps.sh installs it)"; exit 77; }
done
export GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=$SL_CLIENTS_BUILD/go-cache GOFLAGS=
mkdir -p "$SL_CLIENTS_BUILD/go"
for p in pgx_check libpq_check; do
    if [ ! "$SL_CLIENTS_BUILD/go/$p" -nt "$SL_CLIENTS/$p.go" ] ||
        [ ! "$SL_CLIENTS_BUILD/go/$p" -nt "$SL_CLIENTS/clientcheck.go" ]; then
        (cd "$SL_CLIENTS" && go build -o "$SL_CLIENTS_BUILD/go/$p" "$p.go" clientcheck.go) ||
            { echo "not ok - build $p.go"; exit 1; }
    fi
done
sl_drivers_start
fail=0
sl_drivers_run pgx "$SL_CLIENTS_BUILD/go/pgx_check" || fail=1
sl_drivers_run libpq "$SL_CLIENTS_BUILD/go/libpq_check" || fail=1
sl_server_stop || fail=1
exit $fail
