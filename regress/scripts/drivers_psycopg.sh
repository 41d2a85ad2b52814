#!/bin/bash
# regress/scripts/drivers_psycopg.sh - psycopg 3 at its default settings
# against sluiced (issue 13): regress/clients/psycopg3_check.py, see regress/clients/README.md.
set -u
. "$SL_SRCDIR/regress/lib/drivers.sh"
sl_drivers_python psycopg psycopg3_check.py psycopg
