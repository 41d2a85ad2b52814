#!/bin/bash
# regress/scripts/drivers_psql.sh - psql at its default settings against
# sluiced (issue 13): regress/clients/psql_check.sh (\d, \d NAME, \l, \dn,
# \du, \df, \gdesc, FETCH_COUNT, Ctrl-C), see regress/clients/README.md.
set -u
. "$SL_SRCDIR/regress/lib/drivers.sh"
sl_drivers_need psql
sl_drivers_start
fail=0
sl_drivers_run psql bash psql_check.sh || fail=1
sl_server_stop || fail=1
exit $fail
