#!/bin/bash
# regress/scripts/drivers_node.sh - node-postgres (pg 8, pinned in
# regress/npm) at its default settings against sluiced (issue 13):
# regress/clients/pg_check.js, see regress/clients/README.md.
set -u
. "$SL_SRCDIR/regress/lib/drivers.sh"
sl_drivers_need node
[ -f "$SL_SRCDIR/regress/npm/node_modules/pg/package.json" ] ||
    { echo "skip: node-postgres is not installed (scripts/deps.sh installs it)"; exit 77; }
sl_drivers_start
fail=0
sl_drivers_run node node pg_check.js || fail=1
sl_server_stop || fail=1
exit $fail
